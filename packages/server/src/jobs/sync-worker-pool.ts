import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Runtime } from '@fitsync/runtime';
import type { SyncConfig } from '../config.js';
import type { Db } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { type Metrics, syncPhaseHistogram } from '../metrics.js';
import { registerQueueDepth } from './queue-depth.js';
import type { StopReason } from '../sync/abortable.js';
import type { FitDecodePool } from '../activities/decode-pool.js';
import type { FitStore } from '../sync/fit-store.js';
import type { SyncGarminSource } from '../sync/garmin-source.js';
import { UpstreamPace } from '../sync/upstream-limiter.js';
import { removeEndedImportFiles } from '../imports/import-cleanup.js';
import { JobOwner, type WorkerLog } from './job-owner.js';
import { SyncJobQueue } from './sync-job-queue.js';

export type { WorkerLog } from './job-owner.js';

export interface SyncWorkerPoolDeps {
  db: Db;
  /** Time of leases, heartbeats, idle polling and upstream pacing. */
  runtime: Runtime;
  /** Where job changes are published. */
  events: EventBus;
  config: SyncConfig;
  fitStore: FitStore;
  decoder: FitDecodePool;
  garmin: SyncGarminSource;
  /** The data dir (uploaded imports); default: the FIT store's. */
  dataDir?: string;
  log?: WorkerLog;
  /** How long an idle worker waits before looking for jobs again (default 1000 ms). */
  pollMs?: number;
  /** Called when an import job ended in this process (the FIT files it stored wait to be decoded). */
  onImportEnded?: (userId: string) => void;
  /** FIT files an import commits per transaction (FITSYNC_IMPORT_BATCH_FILES). */
  importBatchFiles?: number;
  /** Registry for `fitsync_sync_jobs_total{status}` (jobs ended in this process). */
  metrics?: Metrics;
}

/**
 * Sync workers in this process (graphile-worker style): each loop claims a job from the queue and
 * hands it to a JobOwner, which runs it to its end. A job whose worker died is claimed again once
 * its lease expires and resumes (at most FITSYNC_JOB_MAX_ATTEMPTS times). `runOnce()` lets tests
 * drain deterministically; `stop()` must be awaited (it gives running jobs back so a restart
 * resumes them at once).
 */
export class SyncWorkerPool {
  // The lease owner's id is an identity, not chance a test would replay: crypto, not Runtime.random.
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<string, { userId: string; ac: AbortController; done: Promise<void> }>();
  /** Per-user Garmin call schedules, kept across jobs (per process; see UpstreamPace). */
  private readonly paces = new Map<string, UpstreamPace>();
  private loops: Promise<void>[] = [];
  private stopping = false;
  private lastSweep: number | null = null;
  private wakers = new Set<AbortController>();
  readonly queue: SyncJobQueue;
  private readonly jobOwner: JobOwner;

  constructor(private readonly d: SyncWorkerPoolDeps) {
    this.queue = new SyncJobQueue({
      db: d.db,
      runtime: d.runtime,
      events: d.events,
      leaseMs: d.config.leaseMs,
      maxAttempts: d.config.maxAttempts,
    });
    this.jobOwner = new JobOwner({
      db: d.db,
      runtime: d.runtime,
      queue: this.queue,
      config: d.config,
      fitStore: d.fitStore,
      decoder: d.decoder,
      garmin: d.garmin,
      ...(d.dataDir !== undefined ? { dataDir: d.dataDir } : {}),
      ...(d.onImportEnded ? { onImportEnded: d.onImportEnded } : {}),
      ...(d.importBatchFiles !== undefined ? { importBatchFiles: d.importBatchFiles } : {}),
      log: d.log,
      ended: d.metrics?.counter('fitsync_sync_jobs_total', 'Sync jobs ended by workers of this process, by final status.'),
      ...(d.metrics ? { phases: syncPhaseHistogram(d.metrics) } : {}),
    });
    if (d.metrics) registerQueueDepth(d.metrics, d.db);
  }

  /** Starts `n` worker loops (default config.workers). */
  start(n = this.d.config.workers): void {
    this.stopping = false;
    for (let i = 0; i < n; i++) this.loops.push(this.loop(i));
  }

  /** Wakes idle loops (a job was just created in this process). */
  notify(): void {
    for (const w of [...this.wakers]) w.abort();
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
    const row = await this.queue.claim(this.owner);
    if (!row) {
      await this.sweepImports();
      return null;
    }
    const ac = new AbortController();
    // Every waiting Garmin call listens for the stop; dozens may wait at once.
    setMaxListeners(0, ac.signal);
    const done = this.jobOwner.run(row, this.owner, ac, this.paceFor(row.user_id));
    this.running.set(row.job_id, { userId: row.user_id, ac, done });
    try {
      await done;
    } finally {
      this.running.delete(row.job_id);
    }
    return row.job_id;
  }

  /**
   * When idle: deletes the uploads of import jobs that ended without a worker (cancelled while
   * pending, failed at claim), looking back a minute before the previous sweep.
   */
  private async sweepImports(): Promise<void> {
    const now = this.d.runtime.now();
    const since = this.lastSweep === null ? 0 : this.lastSweep - 60_000;
    try {
      await removeEndedImportFiles(this.d.db, this.d.dataDir ?? dirname(this.d.fitStore.root), since);
      this.lastSweep = now;
    } catch (err) {
      this.d.log?.warn({ errType: (err as Error)?.name }, 'could not delete ended imports');
    }
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
    const now = this.d.runtime.now();
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

  /** Waits `ms` of runtime time, or until notify() wakes the loop. */
  private async idle(ms: number): Promise<void> {
    const wake = new AbortController();
    this.wakers.add(wake);
    try {
      await this.d.runtime.sleep(ms, wake.signal);
    } catch {
      // woken
    } finally {
      this.wakers.delete(wake);
    }
  }
}
