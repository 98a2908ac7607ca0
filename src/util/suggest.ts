/** "Did you mean": the known name closest to a mistyped one, within a third of its length. */

/** Optimal string alignment distance: like Levenshtein, with a swap of neighbours costing 1. Three rows of memory. */
function distance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, (before[j - 2] as number) + 1);
    }
    [before, previous] = [previous, row];
  }
  return previous[b.length] as number;
}

/** Longer names get no suggestion: nobody mistypes a 100-character field, and comparing them costs length². */
const MAX_SUGGEST_LENGTH = 64;

export function suggest(key: string, known: readonly string[]): string | undefined {
  if (key.length > MAX_SUGGEST_LENGTH) return undefined;
  const normal = (s: string) => s.toLowerCase().replace(/-/g, '_');
  const limit = Math.max(1, Math.floor(key.length / 3));
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    // The distance is at least the difference in length.
    if (Math.abs(name.length - key.length) > limit) continue;
    const score = distance(normal(key), normal(name));
    if (score <= limit && (best === undefined || score < best.score)) best = { name, score };
  }
  return best?.name;
}
