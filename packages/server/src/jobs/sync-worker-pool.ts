import { createHash, randomBytes } from 'node:crypto';
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
import type { BlobStore } from '../blobs/blob-store.js';
import type { SyncGarminSource } from '../sync/garmin-source.js';
import { GarminPacer, type UpstreamPace } from '../sync/garmin-pacer.js';
import { MemoryPaceBook } from '../sync/pace-book.js';
import { PgPaceBook } from '../sync/pg-pace-book.js';
import type { SyncJobRow } from '../repositories/sync-jobs.js';
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
  /** FIT files and import uploads. */
  blobs: BlobStore;
  decoder: FitDecodePool;
  garmin: SyncGarminSource;
  /** This instance's data dir (import jobs' local scratch space). */
  dataDir: string;
  log?: WorkerLog;
  /** How long an idle worker waits before looking for jobs again (default 1000 ms). */
  pollMs?: number;
  /** Called when an import job ended in this process (the FIT files it stored wait to be decoded). */
  onImportEnded?: (userId: string) => void;
  /** FIT files an import commits per transaction (FITSYNC_IMPORT_BATCH_FILES). */
  importBatchFiles?: number;
  /** Registry for `fitsync_sync_jobs_total{status}` (jobs ended in this process). */
  metrics?: Metrics;
  /**
   * The pace key of a Garmin account from its display name (the identity the connection stores):
   * the server passes a keyed hash (SecretBox.keyedHash), so `garmin_pace` names no account. Default:
   * SHA-256 (tests).
   */
  paceKey?: (displayName: string) => string;
}

/**
 * Sync workers in this process (graphile-worker style): each loop claims a job from the queue and
 * hands it to a JobOwner, which runs it to its end, or until its time slice is over while other
 * users wait (FITSYNC_JOB_SLICE: it goes back to the queue and users take turns). A job whose
 * worker died is claimed again once its lease expires and resumes (at most FITSYNC_JOB_MAX_ATTEMPTS
 * times). `runOnce()` lets tests drain deterministically; `stop()` must be awaited (it gives running
 * jobs back so a restart resumes them at once).
 */
export class SyncWorkerPool {
  // The lease owner's id is an identity, not chance a test would replay: crypto, not Runtime.random.
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<string, { userId: string; ac: AbortController; done: Promise<void> }>();
  /** Garmin politeness per account and deployment, shared with other instances on PostgreSQL. */
  private readonly pacer: GarminPacer;
  private loops: Promise<void>[] = [];
  /** Loops waiting for work now: while one is idle, no job needs to give its worker back. */
  private idleLoops = 0;
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
      blobs: d.blobs,
      decoder: d.decoder,
      garmin: d.garmin,
      dataDir: d.dataDir,
      ...(d.onImportEnded ? { onImportEnded: d.onImportEnded } : {}),
      ...(d.importBatchFiles !== undefined ? { importBatchFiles: d.importBatchFiles } : {}),
      log: d.log,
      ended: d.metrics?.counter('fitsync_sync_jobs_total', 'Sync jobs ended by workers of this process, by final status.'),
      shouldYield: (userId) => this.shouldYield(userId),
      ...(d.metrics ? { phases: syncPhaseHistogram(d.metrics) } : {}),
    });
    // One SQLite file has one server process in practice: its lanes live in memory (server README,
    // "Garmin politeness"); instances on PostgreSQL share the table garmin_pace.
    this.pacer = new GarminPacer({
      book: d.db.dialect === 'postgres' ? new PgPaceBook(d.db) : new MemoryPaceBook(),
      runtime: d.runtime,
      accountRps: d.config.garminRps,
      deploymentRps: d.config.deploymentRps,
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
    const done = this.paceFor(row).then((pace) => this.jobOwner.run(row, this.owner, ac, pace));
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
      await removeEndedImportFiles(this.d.db, this.d.blobs, this.d.dataDir, since);
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

  /**
   * The pace of the job's Garmin account: two FitSync users linked to one Garmin account share it.
   * Keyed by the display name the connection stored at linking (Garmin's account identity), or by
   * the user while none is known (the job fails at connecting anyway when there is no connection).
   */
  private async paceFor(row: SyncJobRow): Promise<UpstreamPace | undefined> {
    if (row.sync_type === 'import') return undefined;
    const name = await this.d.garmin.status(row.user_id).then(
      (c) => c.display_name,
      () => null,
    );
    const key = name ? (this.d.paceKey ?? sha256)(name) : `user:${row.user_id}`;
    return this.pacer.account(key);
  }

  /**
   * A job past its time slice gives its worker back when another user's job is claimable and no
   * loop of this process is idle to take that one (an idle loop is woken instead).
   */
  private async shouldYield(userId: string): Promise<boolean> {
    if (this.idleLoops > 0) {
      this.notify();
      return false;
    }
    return this.queue.othersWaiting(userId);
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
    this.idleLoops++;
    try {
      await this.d.runtime.sleep(ms, wake.signal);
    } catch {
      // woken
    } finally {
      this.idleLoops--;
      this.wakers.delete(wake);
    }
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
