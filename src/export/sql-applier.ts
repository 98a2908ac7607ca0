/** Shared by the Compose and Kubernetes exports. */

/**
 * Applies /migrations/*.sql in byte order, each with its devenv_migrations row in one transaction,
 * skipping recorded files and refusing one whose content changed: what devenv's own applier does.
 */
export const SQL_APPLIER = `set -eu
export LC_ALL=C
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE IF NOT EXISTS devenv_migrations (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
applied=0; skipped=0
# With LC_ALL=C the glob sorts by bytes, as devenv does; names with spaces stay whole.
for path in /migrations/*.sql; do
  [ -f "$path" ] || continue
  f=\${path##*/}
  name="$STEP/$f"
  sum=$(sha256sum "/migrations/$f" | cut -d' ' -f1)
  was=$(printf '%s\\n' "SELECT checksum FROM devenv_migrations WHERE name = :'n';" | psql -X -At -v ON_ERROR_STOP=1 -v n="$name")
  if [ -n "$was" ]; then
    if [ "$was" != "$sum" ]; then echo "migration $STEP: $f was already applied but its content changed (checksum $was != $sum)" >&2; exit 1; fi
    skipped=$((skipped + 1)); continue
  fi
  # -1 wraps only -f/-c input in one transaction: the file and its row commit together, or neither.
  { cat "/migrations/$f"; printf '\\n;\\n%s\\n' "INSERT INTO devenv_migrations (name, checksum) VALUES (:'n', :'s');"; } | psql -X -q -1 -v ON_ERROR_STOP=1 -v n="$name" -v s="$sum" -f -
  echo "applied $f"; applied=$((applied + 1))
done
echo "migration $STEP: $applied applied, $skipped already applied"`;
