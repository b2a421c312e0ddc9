import { isCalendarDate, isJobId } from '@fitsync/api/rules';
import { UsageError } from '../errors.js';

/** A YYYY-MM-DD flag value that names a real calendar date (2026-02-30 is refused). */
export function parseDateFlag(value: string, flag: string): string {
  // Years before 1970 are typos here (no Garmin data is older); the server has its own window rule.
  if (!isCalendarDate(value) || value < '1970') {
    throw new UsageError(`invalid --${flag} "${value}"`, 'use a calendar date as YYYY-MM-DD, e.g. 2026-01-31');
  }
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

/** An activity id from argv: validated before it goes into a URL path. */
export function parseId(value: string | undefined, what: string, usage: string): string {
  if (value === undefined) throw new UsageError(`${what} is required`, `usage: ${usage}`);
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(value)) throw new UsageError(`invalid ${what} "${value.slice(0, 60)}"`);
  return value;
}

/** A JOB_ID from argv, by the contract's job id rule (@fitsync/api rules.ts). */
export function parseJobId(value: string | undefined, usage: string): string {
  if (value === undefined) throw new UsageError('JOB_ID is required', `usage: ${usage}`);
  if (!isJobId(value)) throw new UsageError(`invalid JOB_ID "${value.slice(0, 60)}"`);
  return value;
}
