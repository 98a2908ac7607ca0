import path from 'node:path';

/** The folder's name lower-cased, other characters replaced by "-", leading "-"/"_" and trailing "-" trimmed. */
export function projectNameFromFolder(dir: string): string {
  return path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .replace(/^[-_]+/, '')
    .replace(/-+$/, '');
}
