import type { Runtime } from '@fitsync/runtime';
import type { GarminApi } from '@fitsync/garmin';
import type { Db } from '../db/db.js';
import type { Histogram } from '../metrics.js';
import type { FitDecodePool } from '../activities/decode-pool.js';
import type { FitBlobs } from '../blobs/blob-store.js';
import type { GarminProfile } from './garmin-profile.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { SyncJobSpec } from './sync-job-spec.js';
import type { UpstreamLimiter } from './upstream-limiter.js';

/** Everything a data kind needs while one job runs; built by the job owner. */
export interface SyncRun {
  spec: SyncJobSpec;
  db: Db;
  runtime: Runtime;
  fitStore: FitBlobs;
  /** Decodes downloaded FIT files off the main thread (the server's pool). */
  decoder: FitDecodePool;
  /** The user's Garmin client (tokens persisted and reauth marked by the connection service). */
  api: GarminApi;
  /** The job's Garmin calls: concurrency, pace, stop signal (UpstreamLimiter). */
  limiter: Pick<UpstreamLimiter, 'run'>;
  /** Where kinds report progress; implemented by the job owner. */
  progress: ProgressReporter;
  /** Garmin account facts (display name), looked up once per job. */
  profile: GarminProfile;
  signal: AbortSignal;
  /** Parallel item work (downloads) per job; the limiter bounds the Garmin calls themselves. */
  concurrency: number;
  /** fitsync_sync_phase_seconds: each kind's plan and fetch are timed into it (sync/phase-timer.ts). */
  phases?: Histogram;
}
