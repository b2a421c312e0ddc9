/**
 * The date and time shapes of Garmin's data export (garmin-export.md §7 pitfalls 5 and 6): plain
 * `YYYY-MM-DD`, ISO date-times without a zone (which are GMT), epoch milliseconds, the old
 * `{"date": "Mar 3, 2023 12:00:00 AM"}` objects and Java `LocalDateTime` arrays
 * `[2026, 5, 19, 5, 37, 39, 806000000]`. Anything else reads as "no date".
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
/** Java's US medium format; newer JDKs put a narrow no-break space before AM/PM. */
const US = /^([A-Za-z]{3})[a-z]* (\d{1,2}), (\d{4})(?:,? (\d{1,2}):(\d{2})(?::(\d{2}))?[ \u00a0\u202f]?([AP]M))?$/i;
/** Epoch ms of 1990-01-01 and 2200-01-01: a number outside is not a timestamp of this data. */
const MIN_MS = 631_152_000_000;
const MAX_MS = 7_258_118_400_000;

/** Epoch ms of a date-time in any export shape, or null. Times without a zone are GMT. */
export function exportTimeMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= MIN_MS && v <= MAX_MS ? Math.round(v) : null;
  if (typeof v === 'string') return stringMs(v.trim());
  if (Array.isArray(v)) return arrayMs(v);
  if (v !== null && typeof v === 'object' && 'date' in v) return exportTimeMs((v as { date: unknown }).date);
  return null;
}

/**
 * The calendar day (YYYY-MM-DD) of a `calendarDate`-like value. A date-time gives its own date as
 * written (Garmin's calendar dates are the account's local days, written as local midnight), never
 * shifted by a zone.
 */
export function exportDay(v: unknown): string | null {
  if (typeof v === 'string') {
    const s = v.trim();
    const m = ISO.exec(s);
    if (m) return realDay(+m[1]!, +m[2]!, +m[3]!);
    const u = US.exec(s);
    return u ? realDay(+u[3]!, MONTHS.indexOf(u[1]!.toLowerCase()) + 1, +u[2]!) : null;
  }
  if (Array.isArray(v)) return v.length >= 3 && v.slice(0, 3).every(Number.isInteger) ? realDay(v[0], v[1], v[2]) : null;
  if (v !== null && typeof v === 'object' && 'date' in v) return exportDay((v as { date: unknown }).date);
  return null;
}

/** The UTC day of epoch ms. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function realDay(y: number, m: number, d: number): string | null {
  if (y < 1990 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const t = Date.UTC(y, m - 1, d);
  return new Date(t).getUTCDate() === d ? utcDay(t) : null;
}

function stringMs(s: string): number | null {
  if (/^\d{12,14}$/.test(s)) return exportTimeMs(Number(s));
  const m = ISO.exec(s);
  if (m) {
    if (!realDay(+m[1]!, +m[2]!, +m[3]!)) return null;
    const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
    const local = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) + Math.round(frac);
    return checked(local - zoneOffsetMs(m[8]));
  }
  const u = US.exec(s);
  if (!u) return null;
  const day = realDay(+u[3]!, MONTHS.indexOf(u[1]!.toLowerCase()) + 1, +u[2]!);
  if (!day) return null;
  let h = u[4] === undefined ? 0 : +u[4];
  if (u[7]) h = (h % 12) + (u[7].toUpperCase() === 'PM' ? 12 : 0);
  return checked(Date.parse(`${day}T00:00:00Z`) + ((h * 60 + +(u[5] ?? 0)) * 60 + +(u[6] ?? 0)) * 1000);
}

function zoneOffsetMs(z: string | undefined): number {
  if (!z || z === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z)!;
  return (m[1] === '-' ? -1 : 1) * (+m[2]! * 60 + +m[3]!) * 60_000;
}

function arrayMs(a: readonly unknown[]): number | null {
  if (a.length < 3 || a.length > 7 || !a.every((x) => Number.isInteger(x) && (x as number) >= 0)) return null;
  const [y, mo, d, h = 0, mi = 0, s = 0, nanos = 0] = a as number[];
  if (!realDay(y!, mo!, d!) || h > 23 || mi > 59 || s > 59) return null;
  return checked(Date.UTC(y!, mo! - 1, d!, h, mi, s) + Math.floor(nanos / 1_000_000));
}

function checked(ms: number): number | null {
  return Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS ? ms : null;
}
