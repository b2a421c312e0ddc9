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
}
