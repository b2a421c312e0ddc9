/**
 * Rules that more than one side checks — the server's schemas (through Ajv), the CLI's compiled
 * answer validators and its flag parsing — written once. Dependency-free, like codes.ts, so the
 * CLI can import it without loading the schema builder.
 */

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD string naming a real calendar day: 2026-02-30 is not one (schema format "date"). */
export function isCalendarDate(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear keeps them as written.
  t.setUTCFullYear(y);
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

const DATE_TIME_RE = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** An RFC 3339 date-time with a real day and an offset (schema format "date-time"; leap seconds allowed as 60). */
export function isDateTime(s: string): boolean {
  const m = DATE_TIME_RE.exec(s);
  if (!m || !isCalendarDate(m[1] as string)) return false;
  const [h, min, sec] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (h > 23 || min > 59 || sec > 60) return false;
  return m[5] === undefined || (Number(m[5]) <= 23 && Number(m[6]) <= 59);
}

/** The string formats the schemas use, by name: the server registers them with Ajv, the CLI's compiled validators call them. */
export const FORMATS: Readonly<Record<string, (value: string) => boolean>> = {
  date: isCalendarDate,
  'date-time': isDateTime,
};

/** Idempotency-Key (a request header): 1-200 visible ASCII characters, no spaces. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,200}$';
const IDEMPOTENCY_KEY_RE = new RegExp(IDEMPOTENCY_KEY_PATTERN);
export function isIdempotencyKey(s: string): boolean {
  return IDEMPOTENCY_KEY_RE.test(s);
}

/**
 * A sync job id as it may appear in a URL path. The server makes 32 hex characters; the rule is
 * wider so ids of another server version still work, and narrow enough to be safe in a path.
 */
export const JOB_ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
const JOB_ID_RE = new RegExp(JOB_ID_PATTERN);
export function isJobId(s: string): boolean {
  return JOB_ID_RE.test(s);
}

const DURATION_RE = /^(\d{1,9})([smhd])$/;
const DURATION_UNIT_S: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A DURATION (`30s`, `15m`, `6h`, `1d`: a whole number and one unit) in seconds, or null when the
 * text is not one (or is zero). Schedules (FITSYNC_SCHEDULE_MIN_INTERVAL, FITSYNC_DEFAULT_SYNC_EVERY,
 * `fitsync sync schedule set --every`) all read durations through this.
 */
export function parseDuration(s: string): number | null {
  const m = DURATION_RE.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]) * (DURATION_UNIT_S[m[2] as string] as number);
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}

/** Seconds as the shortest exact DURATION: 900 → `15m`, 86400 → `1d`, 90 → `90s`. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * A byte count for people, in decimal units as disks and Garmin's export page count them
 * (FITSYNC_IMPORT_MAX_BYTES defaults to 20 GB = 20·10⁹ bytes): "1.2 GB", "512 bytes".
 */
export function formatByteSize(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${Math.round(n)} bytes`;
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ${units[i]}`;
}
