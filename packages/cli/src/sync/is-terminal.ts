import type { SyncJob } from '@fitsync/api';
import { TERMINAL_SYNC_STATUSES } from '@fitsync/api/codes';

/** Has the job ended (completed, failed or cancelled)? */
export function isTerminal(job: SyncJob): boolean {
  return TERMINAL_SYNC_STATUSES.includes(job.status);
}
