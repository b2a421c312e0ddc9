import type { EventBus } from '../events/event-bus.js';
import type { SyncJobRow } from '../repositories/sync-jobs.js';
import { toSyncJob } from './job-view.js';

/**
 * Publishes a job row's new state to whoever watches the job (the SSE route). Called after every
 * write that changes a job row, with the row that write RETURNED: no extra query.
 */
export function publishJob(events: EventBus, row: SyncJobRow): void {
  events.publish('sync-job', row.job_id, { version: Number(row.version), job: toSyncJob(row) });
}
