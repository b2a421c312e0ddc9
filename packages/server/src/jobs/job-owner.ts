import type { SyncTrigger } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import type { SyncConfig } from '../config.js';
import type { Db } from '../db/db.js';
import type { Counter, Histogram } from '../metrics.js';
import type { SyncJobRow } from '../repositories/sync-jobs.js';
import { type StopReason, SyncAborted } from '../sync/abortable.js';
import { accountZone } from '../sync/account-zone.js';
import { checkForChanges } from '../sync/change-check.js';
import { failureMessage, isReauthError } from '../sync/failure-message.js';
import type { FitDecodePool } from '../activities/decode-pool.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { garminCall } from '../sync/garmin-call.js';
import { GarminProfile } from '../sync/garmin-profile.js';
import type { SyncGarminSource } from '../sync/garmin-source.js';
import { parseJobState } from '../sync/job-state.js';
import { KIND_NAMES } from '../sync/kinds/index.js';
import { ProgressTracker } from '../sync/progress-tracker.js';
import { runKinds } from '../sync/run-kinds.js';
import type { SyncRun } from '../sync/sync-run.js';
import { step } from '../sync/sync-step-error.js';
import { UpstreamLimiter, type UpstreamPace } from '../sync/upstream-limiter.js';
import { JobReporter } from './job-reporter.js';
import type { JobEnd, SyncJobQueue } from './sync-job-queue.js';
import type { Log } from '../log.js';
import { importScratchDir } from '../imports/import-files.js';
import { importCompletedMessage, importFailureMessage } from '../imports/import-message.js';
import { parseImportState } from '../imports/import-state.js';
import { FIT_WINDOW, runImport } from '../imports/importer.js';
import { findImportByJob } from '../repositories/imports.js';
import { removeImportFiles } from '../imports/import-cleanup.js';

export type WorkerLog = Log;

export interface JobOwnerDeps {
  db: Db;
  runtime: Runtime;
  queue: SyncJobQueue;
  config: SyncConfig;
  /** FIT files and import uploads. */
  blobs: BlobStore;
  decoder: FitDecodePool;
  garmin: SyncGarminSource;
  /** This instance's data dir: import jobs' scratch space (spilled nested archives) is local. */
  dataDir: string;
  log?: WorkerLog;
  /** `fitsync_sync_jobs_total{status}`: jobs ended by this process. */
  ended?: Counter;
  /** `fitsync_sync_phase_seconds{phase}`: how long each phase of a job took. */
  phases?: Histogram;
  /** An import job ended: the FIT files it stored are undecoded (the decode backlog takes them). */
  onImportEnded?: (userId: string) => void;
  /** FIT files an import commits per transaction (FITSYNC_IMPORT_BATCH_FILES). */
  importBatchFiles?: number;
  /**
   * Asked when a sync job's time slice (FITSYNC_JOB_SLICE) is over: true when it should give its
   * worker back because another user's job waits (the worker pool asks the queue). Without it, jobs
   * run to their end.
   */
  shouldYield?: (userId: string) => Promise<boolean>;
}

/** How often changed progress is written and published (at most ten times a second). */
export const PROGRESS_TICK_MS = 100;

/** How often the job's pulse looks at its progress: PROGRESS_TICK_MS, or the heartbeat when shorter. */
export function pulseMs(leaseMs: number): number {
  return Math.min(PROGRESS_TICK_MS, heartbeatMs(leaseMs));
}

/** The heartbeat period for a lease: three beats per lease, at most every 0.5 s, at least every 50 ms. */
export function heartbeatMs(leaseMs: number): number {
  return Math.max(50, Math.min(500, Math.floor(leaseMs / 3)));
}

/**
 * Owns one claimed job from claim to end, top to bottom: resume state, heartbeat, the run and
 * its kinds, and the outcome — completed, failed, cancelled, or handed back (shutdown) / let go
 * (lost lease). The worker pool only claims and hands the row here.
 */
export class JobOwner {
  constructor(private readonly d: JobOwnerDeps) {}

  /**
   * Runs `row` (claimed by `owner`) to its end; `ac` stops it ('cancel' | 'lost_lease' | 'shutdown';
   * the owner itself stops it with 'yield' at the end of its time slice when others wait). `pace`:
   * the Garmin account's (GarminPacer).
   */
  async run(row: SyncJobRow, owner: string, ac: AbortController, pace?: UpstreamPace): Promise<void> {
    if (row.sync_type === 'import') return this.runImportJob(row, owner, ac);
    const { db, runtime, queue, config, log } = this.d;
    const jobId = row.job_id;
    const state = parseJobState(row.state_json);
    const progress = new ProgressTracker(KIND_NAMES, {
      processed: state.processed,
      counts: state.counts,
      reported: Number(row.processed_items),
    });
    const reporter = new JobReporter(progress, queue, jobId, owner, state.done);
    const finish = async (status: JobEnd, errorMessage: string | null, final = false, message: string | null = null) => {
      if (await queue.finish(jobId, owner, status, errorMessage, progress.snapshot(final), message)) this.d.ended?.inc({ status });
    };

    if (Number(row.cancel_requested) === 1) {
      await finish('cancelled', null);
      return;
    }
    log?.info({ jobId, userId: row.user_id, attempt: Number(row.attempts), resumed: state.done }, 'sync job started');

    // Heartbeat on the runtime: extends the lease, records where the job is, persists and
    // publishes progress when it changed, picks up cancel requests.
    const beats = new AbortController();
    const heart = this.heartbeat(jobId, owner, reporter, progress, ac, beats.signal, row.user_id);

    const limiter = new UpstreamLimiter({
      concurrency: config.garminConcurrency,
      rps: config.garminRps,
      signal: ac.signal,
      ...(pace ? { pace } : {}),
      runtime,
    });
    try {
      const api = await step('connecting to Garmin', () => this.d.garmin.apiFor(row.user_id));
      const run: SyncRun = {
        spec: {
          jobId,
          userId: row.user_id,
          syncType: row.sync_type,
          since: row.since_date,
          until: row.until_date,
          full: Number(row.full_sync) === 1,
          trigger: row.trigger as SyncTrigger,
        },
        db,
        runtime,
        fitStore: this.d.blobs.fit,
        decoder: this.d.decoder,
        api,
        limiter,
        progress: reporter,
        profile: new GarminProfile(
          this.d.garmin,
          row.user_id,
          () => garminCall(run, 'reading the Garmin profile', (a, call) => a.getSocialProfile(call)),
          (stored) => accountZone(run, stored, log),
        ),
        signal: ac.signal,
        concurrency: config.garminConcurrency,
        ...(this.d.phases ? { phases: this.d.phases } : {}),
      };
      // A resumed job already passed the check (its kinds are partly done): it just goes on.
      const check = reporter.finishedKinds.size === 0 ? await checkForChanges(run) : null;
      if (check?.unchanged) {
        beats.abort();
        await heart;
        await finish('completed', null, true, check.message);
        log?.info({ jobId, userId: row.user_id }, 'sync job completed: nothing changed at Garmin');
        return;
      }
      await runKinds(run, reporter.finishedKinds);
      await check?.remember();
      beats.abort();
      await heart;
      await finish('completed', null, true);
      log?.info({ jobId, userId: row.user_id, processed: progress.processedItems }, 'sync job completed');
    } catch (err) {
      beats.abort();
      await heart;
      await this.endAfterThrow('sync', err, row, owner, ac, progress, finish, async () => {
        const since = isReauthError(err) ? await this.reauthSince(row.user_id) : null;
        return failureMessage(err, progress.processedItems, progress.total, since);
      });
    } finally {
      beats.abort();
      // Calls still queued at the limiter (a failed kind's siblings) must not reach Garmin now.
      if (!ac.signal.aborted) ac.abort('shutdown' satisfies StopReason);
    }
  }

  /**
   * An import job (`sync_type: 'import'`): the uploaded export instead of Garmin (no connection
   * needed, no change check), with the same heartbeat, progress keys, cancel, lease, resume (from
   * `imports.progress_json`) and ends as a sync. On any terminal end the uploaded archive and the
   * job's scratch dir are deleted; a job handed back or taken over keeps them for its resumption.
   */
  private async runImportJob(row: SyncJobRow, owner: string, ac: AbortController): Promise<void> {
    const { db, runtime, queue, log } = this.d;
    const jobId = row.job_id;
    const imp = await findImportByJob(db, jobId);
    const state = parseImportState(imp?.progress_json ?? null);
    // The tracker gets its own copy: the state's counts move only when a batch commits.
    const progress = new ProgressTracker(KIND_NAMES, { counts: structuredClone(state.counts), reported: Number(row.processed_items) });
    progress.advance(state.processed);
    const reporter = new JobReporter(progress, queue, jobId, owner, [], 'importing');
    const { blobs, dataDir } = this.d;
    const removeFiles = async () => {
      if (!imp) return;
      await removeImportFiles(blobs, dataDir, imp.import_id).catch((err: unknown) => {
        log?.warn({ jobId, errType: (err as Error)?.name }, 'could not delete the uploaded archive');
      });
    };
    // Only the worker that ended the job deletes its files: a job taken over meanwhile still needs them.
    const finish = async (status: JobEnd, errorMessage: string | null, final = false, message: string | null = null) => {
      if (!(await queue.finish(jobId, owner, status, errorMessage, progress.snapshot(final), message))) return;
      this.d.ended?.inc({ status });
      await removeFiles();
      // Whatever it committed (a failed or cancelled import keeps its batches) is decoded next.
      this.d.onImportEnded?.(row.user_id);
    };
    if (Number(row.cancel_requested) === 1) {
      await finish('cancelled', null);
      return;
    }
    if (!imp) {
      await finish('failed', 'Import failed: the job has no uploaded archive; nothing was imported.');
      return;
    }
    log?.info({ jobId, userId: row.user_id, attempt: Number(row.attempts), resumed: state.processed > 0 }, 'import job started');
    const beats = new AbortController();
    const heart = this.heartbeat(jobId, owner, reporter, progress, ac, beats.signal);
    try {
      await runImport(
        {
          db,
          runtime,
          fitStore: blobs.fit,
          batchFiles: this.d.importBatchFiles ?? FIT_WINDOW,
          ...(log ? { log } : {}),
          ...(this.d.phases ? { phases: this.d.phases } : {}),
        },
        {
          jobId,
          importId: imp.import_id,
          userId: row.user_id,
          openUpload: () => blobs.uploads.open(imp.import_id),
          scratchDir: importScratchDir(dataDir, imp.import_id),
          state,
          progress: reporter,
          signal: ac.signal,
        },
      );
      beats.abort();
      await heart;
      await finish('completed', null, true, importCompletedMessage(progress.countsSnapshot(), state.stats));
      log?.info({ jobId, userId: row.user_id, processed: progress.processedItems }, 'import job completed');
    } catch (err) {
      beats.abort();
      await heart;
      await this.endAfterThrow('import', err, row, owner, ac, progress, finish, async () => {
        const totals = { activities: progress.totalOf('activities'), health: progress.totalOf('health'), workouts: progress.totalOf('workouts') };
        return importFailureMessage(err, reporter.at, progress.countsSnapshot(), totals);
      });
    } finally {
      beats.abort();
      if (!ac.signal.aborted) ac.abort('shutdown' satisfies StopReason);
    }
  }

  /**
   * How a job whose run threw ends: cancelled, handed back at shutdown (its lease ended now, so the
   * next start resumes it), let go (another worker took it over, or it was ended elsewhere: a Garmin
   * disconnect cancels it), or failed with the message `failed` writes.
   */
  private async endAfterThrow(
    kind: 'sync' | 'import',
    err: unknown,
    row: SyncJobRow,
    owner: string,
    ac: AbortController,
    progress: ProgressTracker,
    finish: (status: JobEnd, errorMessage: string | null) => Promise<void>,
    failed: () => Promise<string>,
  ): Promise<void> {
    const { queue, log } = this.d;
    const jobId = row.job_id;
    const reason: StopReason | null = err instanceof SyncAborted ? err.reason : ac.signal.aborted ? (ac.signal.reason as StopReason) : null;
    if (reason === 'cancel') {
      await finish('cancelled', null);
      log?.info({ jobId, userId: row.user_id }, `${kind} job cancelled`);
    } else if (reason === 'shutdown') {
      await queue.release(jobId, owner, progress.snapshot()).catch(() => {});
      log?.info({ jobId }, `${kind} job handed back for resumption`);
    } else if (reason === 'yield') {
      await queue.release(jobId, owner, progress.snapshot(), true).catch(() => {});
      log?.info({ jobId, userId: row.user_id, processed: progress.processedItems }, `${kind} job gave its worker to other users (time slice)`);
    } else if (reason === 'lost_lease') {
      log?.warn({ jobId }, `${kind} job no longer ours; stopped`);
    } else {
      await finish('failed', await failed());
      log?.warn({ jobId, userId: row.user_id, errType: (err as Error)?.name }, `${kind} job failed`);
    }
  }

  /**
   * The job's pulse, on the runtime, until `stop` fires: every PROGRESS_TICK_MS it writes progress
   * if it changed (persisted and published: a watcher sees progress within ~0.1 s, at most ten
   * writes a second); when nothing changed it still beats every heartbeatMs to keep the lease.
   * Every write extends the lease, records where the job is and reads the cancel flag.
   */
  /** When the user's connection became reauth_required (null if it is not, or cannot be read now). */
  private async reauthSince(userId: string): Promise<number | null> {
    const at = await this.d.garmin.status(userId).then((c) => c.reauth_required_at, () => null);
    return at === null ? null : Date.parse(at);
  }

  private async heartbeat(
    jobId: string,
    owner: string,
    reporter: JobReporter,
    progress: ProgressTracker,
    ac: AbortController,
    stop: AbortSignal,
    /** A sync job's user: its time slice applies (imports run to their end). */
    sliceUser?: string,
  ): Promise<void> {
    const { runtime, queue, config, log } = this.d;
    const every = heartbeatMs(config.leaseMs);
    const tick = pulseMs(config.leaseMs);
    let last = runtime.now();
    const slice = sliceUser !== undefined && this.d.shouldYield && config.jobSliceMs > 0 ? { until: last + config.jobSliceMs, asked: 0 } : null;
    // A job yields only after a commit in this attempt (a resume does not redo what a commit
    // stored), so every slice moves it forward, and right after one, wasting little in flight.
    let commitsSeen = reporter.commits;
    for (;;) {
      try {
        await runtime.sleep(tick, stop);
      } catch {
        return; // stopped
      }
      const changed = progress.takeChanged();
      if (!changed && runtime.now() - last < every) continue;
      last = runtime.now();
      try {
        const r = await queue.heartbeat(jobId, owner, reporter.at, changed);
        if (!r) ac.abort('lost_lease' satisfies StopReason);
        else if (r.cancel) ac.abort('cancel' satisfies StopReason);
        else if (slice && last >= slice.until && reporter.commits > commitsSeen && last - slice.asked >= every) {
          slice.asked = last;
          commitsSeen = reporter.commits;
          if (!stop.aborted && (await this.d.shouldYield!(sliceUser!))) ac.abort('yield' satisfies StopReason);
        }
      } catch (err) {
        log?.warn({ jobId, errType: (err as Error)?.name }, 'sync heartbeat failed');
      }
    }
  }
}
