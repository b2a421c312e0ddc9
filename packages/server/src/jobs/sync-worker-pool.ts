import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { SyncType } from '@fitsync/api/codes';
import type { Clock } from '../clock.js';
import type { SyncConfig } from '../config.js';
import type { Db, Queryable } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import type { Counter, Metrics } from '../metrics.js';
import {
  claimSyncJob,
  finishSyncJob,
  heartbeatSyncJob,
  type JobProgress,
  releaseSyncJob,
  saveJobState,
  type SyncJobRow,
} from '../repositories/sync-jobs.js';
import { SyncAborted, type StopReason } from '../sync/abortable.js';
import { failureMessage } from '../sync/failure-message.js';
import { publishJob } from '../sync/job-events.js';
import type { FitStore } from '../sync/fit-store.js';
import type { SyncGarminSource } from '../sync/garmin-source.js';
import { type AllCounts, emptyCounts, parseCounts, ProgressTracker, type SyncPart } from '../sync/progress.js';
import { runSyncEngine } from '../sync/sync-engine.js';
import { garminCall, type SyncRun, step } from '../sync/sync-run.js';
import { UpstreamLimiter, UpstreamPace } from '../sync/upstream-limiter.js';

/** Structured log sink (pino-compatible subset); never given secrets. */
export interface WorkerLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface SyncWorkerPoolDeps {
  db: Db;
  clock: Clock;
  config: SyncConfig;
  fitStore: FitStore;
  garmin: SyncGarminSource;
  /** Where each change of a job is published (claim, progress, end, hand-back) for its watchers. */
  events: EventBus;
  log?: WorkerLog;
  /** How long an idle worker waits before looking for jobs again (default 1000 ms). */
  pollMs?: number;
  /** Registry for `fitsync_sync_jobs_total{status}` (jobs ended in this process). */
  metrics?: Metrics;
  /** Clock and sleep of the upstream pacing (default: wall clock and real timers); tests inject them. */
  pacing?: { now(): number; sleep(ms: number, signal: AbortSignal): Promise<void> };
}

/** Resume state saved with each finished part. */
interface JobState {
  done: SyncPart[];
  processed: number;
  counts: AllCounts;
}

function parseState(json: string | null): JobState {
  try {
    const v = JSON.parse(json ?? 'null') as Partial<JobState> | null;
    if (v && Array.isArray(v.done)) {
      return {
        done: v.done.filter((p): p is SyncPart => p === 'activities' || p === 'health' || p === 'workouts'),
        processed: Number.isInteger(v.processed) ? (v.processed as number) : 0,
        counts: parseCounts(JSON.stringify(v.counts ?? {})),
      };
    }
  } catch {
    // start over
  }
  return { done: [], processed: 0, counts: emptyCounts() };
}

/**
 * Sync workers in this process (graphile-worker style): each loop claims a job row with a lease,
 * heartbeats it (every ≤ 0.5 s: lease, progress, cancel flag) and runs the engine. A job whose
 * worker died is claimed again once its lease expires and resumes; parts already finished are
 * skipped and stored items are not fetched again. `runOnce()` lets tests drain deterministically;
 * `stop()` must be awaited (it gives running jobs back so a restart resumes them at once).
 */
export class SyncWorkerPool {
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<string, { userId: string; ac: AbortController; done: Promise<void> }>();
  /** Per-user Garmin call schedules, kept across jobs (per process; see UpstreamPace). */
  private readonly paces = new Map<string, UpstreamPace>();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private wakers = new Set<() => void>();
  private readonly ended: Counter | undefined;

  constructor(private readonly d: SyncWorkerPoolDeps) {
    this.ended = d.metrics?.counter('fitsync_sync_jobs_total', 'Sync jobs ended by workers of this process, by final status.');
  }

  /** Starts `n` worker loops (default config.workers). */
  start(n = this.d.config.workers): void {
    this.stopping = false;
    for (let i = 0; i < n; i++) this.loops.push(this.loop(i));
  }

  /** Wakes idle loops (a job was just created in this process). */
  notify(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Jobs running in this process now. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Claims one job and runs it to its end (or until it is cancelled or lost). Returns the job id,
   * or null when nothing was claimable.
   */
  async runOnce(): Promise<string | null> {
    const row = await claimSyncJob(this.d.db, this.owner, this.d.clock.now(), this.d.config.leaseMs);
    if (!row) return null;
    publishJob(this.d.events, row);
    const ac = new AbortController();
    // Every waiting Garmin call listens for the stop; dozens may wait at once.
    setMaxListeners(0, ac.signal);
    const done = this.execute(row, ac);
    this.running.set(row.job_id, { userId: row.user_id, ac, done });
    try {
      await done;
    } finally {
      this.running.delete(row.job_id);
    }
    return row.job_id;
  }

  /**
   * Stops the user's jobs running in this process at once, as a cancel would (their row was
   * already cancelled, e.g. by a Garmin disconnect): queued Garmin calls never start.
   */
  stopUserJobs(userId: string): void {
    for (const r of this.running.values()) if (r.userId === userId) r.ac.abort('cancel' satisfies StopReason);
  }

  /** The user's call schedule; schedules already in the past constrain nothing and are dropped. */
  private paceFor(userId: string): UpstreamPace {
    const now = (this.d.pacing?.now ?? Date.now)();
    for (const [id, p] of this.paces) if (p.nextStart <= now && id !== userId) this.paces.delete(id);
    let pace = this.paces.get(userId);
    if (!pace) {
      pace = new UpstreamPace();
      this.paces.set(userId, pace);
    }
    return pace;
  }

  /** Stops the loops; running jobs are given back (lease ended now) for the next start to resume. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    for (const { ac } of this.running.values()) ac.abort('shutdown' satisfies StopReason);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async loop(i: number): Promise<void> {
    while (!this.stopping) {
      let ran: string | null = null;
      try {
        ran = await this.runOnce();
      } catch (err) {
        this.d.log?.error({ worker: i, errType: (err as Error)?.name }, 'sync worker could not claim a job');
      }
      if (!ran && !this.stopping) await this.idle(this.d.pollMs ?? 1000);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private async execute(row: SyncJobRow, ac: AbortController): Promise<void> {
    const { db, clock, config, log, events } = this.d;
    const jobId = row.job_id;
    const owner = this.owner;
    const state = parseState(row.state_json);
    const progress = new ProgressTracker({
      processed: state.processed,
      counts: state.counts,
      reported: Number(row.processed_items),
    });
    const finish = async (status: 'completed' | 'failed' | 'cancelled', errorMessage: string | null, p: JobProgress) => {
      const ended = await finishSyncJob(db, jobId, owner, { status, now: clock.now(), errorMessage, ...p });
      if (ended) this.ended?.inc({ status });
      publishJob(events, ended);
    };

    if (Number(row.cancel_requested) === 1) {
      await finish('cancelled', null, progress.snapshot());
      return;
    }
    log?.info({ jobId, userId: row.user_id, attempt: Number(row.attempts), resumed: state.done }, 'sync job started');

    // Heartbeat: extends the lease, writes progress when it changed, picks up cancel requests.
    const hbMs = Math.max(50, Math.min(500, Math.floor(config.leaseMs / 3)));
    let beating: Promise<void> | null = null;
    const beat = async () => {
      try {
        const r = await heartbeatSyncJob(db, jobId, owner, clock.now() + config.leaseMs, progress.takeChanged());
        publishJob(events, r?.changed);
        if (!r) ac.abort('lost_lease' satisfies StopReason);
        else if (r.cancel) ac.abort('cancel' satisfies StopReason);
      } catch (err) {
        log?.warn({ jobId, errType: (err as Error)?.name }, 'sync heartbeat failed');
      }
    };
    const timer = setInterval(() => {
      if (!beating) beating = beat().finally(() => (beating = null));
    }, hbMs);

    const limiter = new UpstreamLimiter({
      concurrency: config.garminConcurrency,
      rps: config.garminRps,
      signal: ac.signal,
      pace: this.paceFor(row.user_id),
      ...(this.d.pacing ? { now: this.d.pacing.now, sleep: this.d.pacing.sleep } : {}),
    });
    let displayName: Promise<string> | null = null;
    const done = new Set(state.done);
    try {
      const api = await step('connecting to Garmin', () => this.d.garmin.apiFor(row.user_id));
      const run: SyncRun = {
        spec: {
          jobId,
          userId: row.user_id,
          syncType: row.sync_type as SyncType,
          since: row.since_date,
          until: row.until_date,
          full: Number(row.full_sync) === 1,
        },
        db,
        clock,
        fitStore: this.d.fitStore,
        api,
        limiter,
        progress,
        signal: ac.signal,
        concurrency: config.garminConcurrency,
        displayName: () => {
          displayName ??= (async () => {
            const conn = await this.d.garmin.status(row.user_id);
            if (conn.display_name) return conn.display_name;
            return (await garminCall(run, 'reading the Garmin profile', (a) => a.getSocialProfile())).displayName;
          })();
          return displayName;
        },
        markPhaseDone: async (tx: Queryable, part: SyncPart) => {
          done.add(part);
          const s: JobState = { done: [...done], processed: progress.processedItems, counts: progress.countsSnapshot() };
          await saveJobState(tx, jobId, owner, JSON.stringify(s));
        },
      };
      await runSyncEngine(run, done);
      clearInterval(timer);
      await beating;
      await finish('completed', null, progress.snapshot(true));
      log?.info({ jobId, userId: row.user_id, processed: progress.processedItems }, 'sync job completed');
    } catch (err) {
      clearInterval(timer);
      await beating;
      const reason: StopReason | null = err instanceof SyncAborted ? err.reason : ac.signal.aborted ? (ac.signal.reason as StopReason) : null;
      if (reason === 'cancel') {
        await finish('cancelled', null, progress.snapshot());
        log?.info({ jobId, userId: row.user_id }, 'sync job cancelled');
      } else if (reason === 'shutdown') {
        publishJob(events, await releaseSyncJob(db, jobId, owner, progress.snapshot()).catch(() => undefined));
        log?.info({ jobId }, 'sync job handed back for resumption');
      } else if (reason === 'lost_lease') {
        // Another worker took it over, or it was ended elsewhere (a Garmin disconnect cancels it).
        log?.warn({ jobId }, 'sync job no longer ours; stopped');
      } else {
        const message = failureMessage(err, progress.processedItems, progress.total);
        await finish('failed', message, progress.snapshot());
        log?.warn({ jobId, userId: row.user_id, errType: (err as Error)?.name }, 'sync job failed');
      }
    } finally {
      clearInterval(timer);
      // Calls still queued at the limiter (a failed part's siblings) must not reach Garmin now.
      if (!ac.signal.aborted) ac.abort('shutdown' satisfies StopReason);
    }
  }
}
