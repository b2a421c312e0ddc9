import type { SyncJob, SyncJobList } from '@fitsync/api';
import { SYNC_STATUSES, SYNC_TYPES, TERMINAL_SYNC_STATUSES } from '@fitsync/api/codes';
import { UnavailableError } from '../errors.js';

// Hand-written guards (as in api/shapes.ts): the schema builder costs start-up
// time, and an answer the CLI cannot use is the server's fault (exit 6).

function bad(what: string): UnavailableError {
  return new UnavailableError(`the server sent an unexpected ${what} answer`);
}
function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function counts(v: unknown): { new: number; updated: number; unchanged: number } {
  // Missing counts (an older server) read as zeros rather than failing the whole answer.
  if (!isObj(v)) return { new: 0, updated: 0, unchanged: 0 };
  const n = (k: string) => (isInt(v[k]) ? (v[k] as number) : 0);
  return { new: n('new'), updated: n('updated'), unchanged: n('unchanged') };
}

/** A SyncJob from a server answer or event; UnavailableError when it is not one. */
export function asSyncJob(v: unknown): SyncJob {
  if (!isObj(v)) throw bad('sync job');
  const o = v;
  if (typeof o.job_id !== 'string' || o.job_id === '') throw bad('sync job');
  if (!(SYNC_STATUSES as readonly unknown[]).includes(o.status)) throw bad('sync job');
  if (!(SYNC_TYPES as readonly unknown[]).includes(o.sync_type)) throw bad('sync job');
  if (!isInt(o.processed_items) || !(o.total_items === null || isInt(o.total_items))) throw bad('sync job');
  if (typeof o.created_at !== 'string') throw bad('sync job');
  for (const k of ['since', 'until', 'start_time', 'end_time', 'error_message']) {
    if (o[k] !== undefined && !strOrNull(o[k])) throw bad('sync job');
  }
  const c = isObj(o.counts) ? o.counts : {};
  return {
    job_id: o.job_id,
    user_id: typeof o.user_id === 'string' ? o.user_id : '',
    status: o.status as SyncJob['status'],
    sync_type: o.sync_type as SyncJob['sync_type'],
    progress: isInt(o.progress) ? Math.min(100, Math.max(0, o.progress)) : 0,
    total_items: o.total_items as number | null,
    processed_items: o.processed_items,
    since: (o.since as string | null | undefined) ?? null,
    until: (o.until as string | null | undefined) ?? null,
    full: o.full === true,
    created_at: o.created_at,
    start_time: (o.start_time as string | null | undefined) ?? null,
    end_time: (o.end_time as string | null | undefined) ?? null,
    error_message: (o.error_message as string | null | undefined) ?? null,
    counts: { activities: counts(c.activities), health: counts(c.health), workouts: counts(c.workouts) },
  };
}

export function asSyncJobList(v: unknown): SyncJobList {
  if (!isObj(v) || !Array.isArray(v.jobs)) throw bad('sync job list');
  const next = v.next_cursor;
  return { jobs: v.jobs.map(asSyncJob), next_cursor: typeof next === 'string' && next !== '' ? next : null };
}

export function isTerminal(job: SyncJob): boolean {
  return TERMINAL_SYNC_STATUSES.includes(job.status);
}
