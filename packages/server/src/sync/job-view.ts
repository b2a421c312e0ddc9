import type { SyncJob } from '@fitsync/api';
import type { SyncJobRow } from '../repositories/sync-jobs.js';
import { parseCounts } from './kind-counts.js';
import { KIND_NAMES } from './kinds/index.js';

const iso = (ms: number | null): string | null => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

/** A stored job as the API's SyncJob. */
export function toSyncJob(r: SyncJobRow): SyncJob {
  return {
    job_id: r.job_id,
    user_id: r.user_id,
    status: r.status as SyncJob['status'],
    sync_type: r.sync_type as SyncJob['sync_type'],
    progress: Number(r.progress),
    total_items: r.total_items === null ? null : Number(r.total_items),
    processed_items: Number(r.processed_items),
    since: r.since_date,
    until: r.until_date,
    full: Number(r.full_sync) === 1,
    created_at: iso(r.created_at)!,
    start_time: iso(r.start_time),
    end_time: iso(r.end_time),
    error_message: r.error_message,
    trigger: r.trigger as SyncJob['trigger'],
    message: r.message ?? null,
    // The registry and the contract name the same kinds (checkKindsContract, at start-up).
    counts: parseCounts(r.counts_json, KIND_NAMES) as SyncJob['counts'],
  };
}
