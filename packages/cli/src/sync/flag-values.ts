import { UsageError } from '../errors.js';

/** A YYYY-MM-DD flag value that names a real calendar date (2026-02-30 is refused). */
export function parseDateFlag(value: string, flag: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const bad = () => new UsageError(`invalid --${flag} "${value}"`, 'use a calendar date as YYYY-MM-DD, e.g. 2026-01-31');
  if (!m) throw bad();
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || y < 1970) throw bad();
  return value;
}

/** Both optional dates, checked and ordered (since ≤ until). */
export function parseDateRange(since: string | undefined, until: string | undefined): { since?: string; until?: string } {
  const r: { since?: string; until?: string } = {};
  if (since !== undefined) r.since = parseDateFlag(since, 'since');
  if (until !== undefined) r.until = parseDateFlag(until, 'until');
  // ISO dates compare correctly as strings.
  if (r.since !== undefined && r.until !== undefined && r.since > r.until) {
    throw new UsageError(`--since ${r.since} is after --until ${r.until}`);
  }
  return r;
}

/** A --limit value: an integer from 1 to `max`. */
export function parseLimit(value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`invalid --limit "${value}"`, `use a whole number from 1 to ${max}`);
  }
  return Number(value);
}

/** A job or activity id from argv: validated before it goes into a URL path. */
export function parseId(value: string | undefined, what: string, usage: string): string {
  if (value === undefined) throw new UsageError(`${what} is required`, `usage: ${usage}`);
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(value)) throw new UsageError(`invalid ${what} "${value.slice(0, 60)}"`);
  return value;
}
