const DAY_MS = 86_400_000;

/** The UTC calendar date of an epoch-ms instant. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` (YYYY-MM-DD) plus `n` days. */
export function addDays(day: string, n: number): string {
  return isoDay(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** Epoch ms of 00:00 UTC of a YYYY-MM-DD date. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}
