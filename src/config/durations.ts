import { mismatch } from './problems.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const EXPECTED = 'a duration such as 500ms, 5s or 2m';

/** A number of seconds, or "500ms" / "5s" / "2m" / "1h", to milliseconds. Must be positive. */
export function parseDuration(value: number | string): { ms: number } | { error: string } {
  let ms: number | undefined;
  if (typeof value === 'number') ms = value * 1000;
  else {
    const match = DURATION.exec(value.trim());
    if (match) ms = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
  }
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return { error: mismatch(EXPECTED, value) };
  return { ms: Math.round(ms) };
}
