import type { SyncType } from '@fitsync/api/codes';
import type { Runtime } from '@fitsync/runtime';
import type { Db } from '../db/db.js';
import type { Log } from '../log.js';
import { findGarminConnection } from '../repositories/garmin-connections.js';
import { findActiveSyncJob, type SyncJobRow } from '../repositories/sync-jobs.js';
import { advanceSyncSchedule, nextSyncSchedules, recordSyncScheduleRun, type SyncScheduleRow } from '../repositories/sync-schedules.js';
import { isUniqueViolation, type SyncJobService } from '../services/sync-job-service.js';
import { nextDueAt } from './slots.js';

export interface SyncSchedulerDeps {
  db: Db;
  /** The clock of due times, Runtime.random for their jitter, and the scheduler's sleeps. */
  runtime: Runtime;
  jobs: Pick<SyncJobService, 'insertScheduled' | 'announce'>;
  log?: Log;
  /**
   * The longest sleep between two looks at the schedules (default 20 s): a schedule another
   * instance changed is seen within it. Changes made in this process wake the loop at once.
   */
  maxSleepMs?: number;
  /** Schedules read per query (default 200). */
  batch?: number;
}

/** What became of one due schedule. */
export type ScheduledRun =
  | { outcome: 'started'; job: SyncJobRow }
  | { outcome: 'skipped'; reason: 'job_active' | 'garmin_not_connected' }
  /** Another scheduler (or a PUT/DELETE) changed the schedule first. */
  | { outcome: 'lost' }
  /** A job of the user was created at the same moment; nothing changed, the next pass decides. */
  | { outcome: 'raced' };

/** What one pass over the due schedules did. */
export interface SchedulerPass {
  started: number;
  skipped: number;
  /** When the earliest schedule not yet run is due; null when none is enabled. */
  nextDueAt: number | null;
}

/**
 * Starts the sync jobs of due schedules (product.md Part 2 §D). Each due schedule is claimed by a
 * compare-and-set on the due time it was read with; the winner moves it to the first slot after
 * now (one run after downtime, however many slots were missed) and, in the same transaction,
 * inserts the job — so each due time runs once across all instances sharing the database, and a
 * crash loses or doubles nothing. A run is skipped (no job; the schedule still moves on) while a
 * job of the user is pending or running, or while Garmin is not connected.
 *
 * Idle, it costs one query per wake-up: it sleeps until the earliest due time, at most
 * `maxSleepMs`. `runOnce()` is one pass, for tests on a fake clock.
 */
export class SyncScheduler {
  private readonly maxSleepMs: number;
  private readonly batch: number;
  private loopDone: Promise<void> | null = null;
  private stopping = false;
  private waker: AbortController | null = null;
  private poked = false;

  constructor(private readonly d: SyncSchedulerDeps) {
    this.maxSleepMs = d.maxSleepMs ?? 20_000;
    this.batch = d.batch ?? 200;
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.loopDone) return;
    this.stopping = false;
    this.loopDone = this.loop();
  }

  /** Ends the loop; a pass in progress finishes first. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.loopDone;
    this.loopDone = null;
  }

  /** A schedule changed in this process: look again now rather than at the next planned wake-up. */
  notify(): void {
    this.poked = true;
    this.waker?.abort();
  }

  /** Runs every schedule due by now; returns what it did and when the next one is due. */
  async runOnce(): Promise<SchedulerPass> {
    const pass: SchedulerPass = { started: 0, skipped: 0, nextDueAt: null };
    for (;;) {
      const rows = await nextSyncSchedules(this.d.db, this.batch);
      let failed = false;
      let i = 0;
      for (; i < rows.length && !this.stopping; i++) {
        const row = rows[i]!;
        if (Number(row.next_run_at) > this.d.runtime.now()) break;
        try {
          const run = await this.fire(row);
          if (run.outcome === 'started') pass.started++;
          else if (run.outcome === 'skipped') pass.skipped++;
          else if (run.outcome === 'raced') failed = true;
        } catch (err) {
          failed = true;
          this.d.log?.error({ userId: row.user_id, errType: (err as Error)?.name }, 'scheduled sync could not start');
        }
      }
      if (this.stopping) return pass;
      // A failure (the database, most likely) or a race is retried at the next wake-up, not in a tight loop.
      if (failed) return pass;
      if (i < rows.length) {
        pass.nextDueAt = Number(rows[i]!.next_run_at);
        return pass;
      }
      // Every row read was due: there may be more.
      if (rows.length < this.batch) return pass;
    }
  }

  /** Claims one due schedule and starts (or skips) its run. */
  private async fire(row: SyncScheduleRow): Promise<ScheduledRun> {
    const userId = row.user_id;
    const now = this.d.runtime.now();
    const next = nextDueAt(Number(row.phase_at), Number(row.every_s), now, this.d.runtime.random());
    let run: ScheduledRun;
    try {
      run = await this.d.db.transaction(async (tx): Promise<ScheduledRun> => {
        if (!(await advanceSyncSchedule(tx, userId, Number(row.next_run_at), next, now))) return { outcome: 'lost' };
        const conn = await findGarminConnection(tx, userId);
        if (conn?.status !== 'connected') return { outcome: 'skipped', reason: 'garmin_not_connected' };
        if (await findActiveSyncJob(tx, userId)) return { outcome: 'skipped', reason: 'job_active' };
        const job = await this.d.jobs.insertScheduled(tx, userId, row.sync_type as SyncType);
        await recordSyncScheduleRun(tx, userId, job.job_id, now);
        return { outcome: 'started', job };
      });
    } catch (err) {
      // A job of the user was created between the check and the insert: everything rolled back,
      // and the next pass finds the schedule still due and that job active, and skips.
      if (isUniqueViolation(err)) return { outcome: 'raced' };
      throw err;
    }
    if (run.outcome === 'started') {
      this.d.jobs.announce(run.job);
      this.d.log?.info({ userId, jobId: run.job.job_id, dueAt: Number(row.next_run_at), lateMs: now - Number(row.next_run_at) }, 'scheduled sync started');
    } else if (run.outcome === 'skipped') {
      this.d.log?.info({ userId, reason: run.reason, nextRunAt: next }, 'scheduled sync skipped');
    }
    return run;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.poked = false;
      let wakeAt: number | null = null;
      try {
        wakeAt = (await this.runOnce()).nextDueAt;
      } catch (err) {
        this.d.log?.error({ errType: (err as Error)?.name }, 'scheduler could not read the schedules');
      }
      if (this.stopping || this.poked) continue;
      const wait = wakeAt === null ? this.maxSleepMs : Math.min(this.maxSleepMs, Math.max(0, wakeAt - this.d.runtime.now()));
      await this.idle(wait);
    }
  }

  private async idle(ms: number): Promise<void> {
    const wake = new AbortController();
    this.waker = wake;
    try {
      await this.d.runtime.sleep(ms, wake.signal);
    } catch {
      // woken by notify()
    } finally {
      this.waker = null;
    }
  }
}
