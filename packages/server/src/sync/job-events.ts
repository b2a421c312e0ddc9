import type { EventBus } from '../events/event-bus.js';
import type { SyncJobRow } from '../repositories/sync-jobs.js';
import { toSyncJob } from './job-view.js';

/**
 * Tells the job's watchers (event streams, here and on other instances) what it looks like now.
 * The one place a job change is published: call it with the row a write RETURNED, after the
 * write committed, so watchers never hear of a state a rollback undid.
 */
export function publishJob(events: EventBus, row: SyncJobRow | null | undefined): void {
  if (row) events.publish('sync-job', row.job_id, { version: Number(row.version), job: toSyncJob(row) });
}
