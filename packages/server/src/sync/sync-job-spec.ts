import type { SyncTrigger } from '@fitsync/api';

/** What a job asks for. */
export interface SyncJobSpec {
  jobId: string;
  userId: string;
  /** 'all' or the name of one data kind. */
  syncType: string;
  /** YYYY-MM-DD, inclusive */
  since: string | null;
  /** YYYY-MM-DD, inclusive */
  until: string | null;
  full: boolean;
  /** What started the job (SYNC_TRIGGERS): a scheduled run first checks cheaply whether anything changed. */
  trigger: SyncTrigger;
}
