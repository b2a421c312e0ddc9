import type { Runtime } from '@fitsync/runtime';
import type { Db, Queryable } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { SYNC_JOB_COLS as COLS, type SyncJobRow } from '../repositories/sync-jobs.js';
import type { JobProgress } from '../sync/progress-tracker.js';
import { publishJob } from '../sync/publish-job.js';

export interface SyncJobQueueDeps {
  db: Db;
  runtime: Runtime;
  events: EventBus;
  /** How long a claim or heartbeat holds a job (FITSYNC_JOB_LEASE_MS). */
  leaseMs: number;
  /** Claims a job may take before the next one fails it instead (FITSYNC_JOB_MAX_ATTEMPTS). */
  maxAttempts: number;
}

/** How a job ended. */
export type JobEnd = 'completed' | 'failed' | 'cancelled';

/**
 * The queue over `sync_jobs`: claim, heartbeat, finish, release. Every statement that changes a
 * row returns it, and the change is published on the event bus (graphile-worker's getJobs /
 * completeJob / failJob, one module).
 */
export class SyncJobQueue {
  constructor(private readonly d: SyncJobQueueDeps) {}

  /**
   * Claims the claimable job queued longest for `owner`: a pending one, or a running one whose lease
   * expired (its worker died, or it was handed back). "Queued" is its creation, or its last yield
   * (`queued_at`): a job that gave its worker back after its time slice waits behind the others, so
   * users take turns (one active job per user). One statement on both engines; on PostgreSQL the
   * inner SELECT takes the row with FOR UPDATE SKIP LOCKED so concurrent claimers never wait on or
   * double-claim a job; on SQLite the write lock serialises claimers.
   *
   * A job already claimed `maxAttempts` times is failed by that same statement instead of being
   * handed out ("the worker stopped N times while <where it was>"), and the next one is tried.
   */
  async claim(owner: string): Promise<SyncJobRow | undefined> {
    for (;;) {
      const row = await this.claimOne(owner);
      if (!row) return undefined;
      publishJob(this.d.events, row);
      if (row.status === 'running') return row;
      // failed: it was past the cap; look for the next one
    }
  }

  private async claimOne(owner: string): Promise<SyncJobRow | undefined> {
    const { db, leaseMs, maxAttempts } = this.d;
    const now = this.d.runtime.now();
    const pg = db.dialect === 'postgres';
    const lock = pg ? ' FOR UPDATE SKIP LOCKED' : '';
    const claimable = "(status = 'pending' OR (status = 'running' AND lease_expires_at < ?))";
    // `at` is plain text we wrote ourselves (JobOwner's heartbeat); SQLite's json_extract would
    // throw on anything else, so it is checked first.
    const at = pg ? "(state_json::jsonb ->> 'at')" : "(CASE WHEN json_valid(state_json) THEN json_extract(state_json, '$.at') END)";
    const over = 'attempts >= ?';
    // Parameters inside CASE carry no column type on PostgreSQL: the casts give them one.
    const row = await db.get<SyncJobRow>(
      `UPDATE sync_jobs
         SET status = CASE WHEN ${over} THEN 'failed' ELSE 'running' END,
             error_message = CASE WHEN ${over}
               THEN 'the worker stopped ' || CAST(attempts AS TEXT) || ' times while ' || COALESCE(${at}, 'starting')
               ELSE error_message END,
             end_time = CASE WHEN ${over} THEN CAST(? AS BIGINT) ELSE end_time END,
             lease_owner = CASE WHEN ${over} THEN NULL ELSE ? END,
             lease_expires_at = CASE WHEN ${over} THEN NULL ELSE CAST(? AS BIGINT) END,
             attempts = CASE WHEN ${over} THEN attempts ELSE attempts + 1 END,
             start_time = COALESCE(start_time, ?), version = version + 1
       WHERE job_id = (SELECT job_id FROM sync_jobs WHERE ${claimable} ORDER BY COALESCE(queued_at, created_at), job_id LIMIT 1${lock})
         AND ${claimable}
       RETURNING ${COLS}`,
      [maxAttempts, maxAttempts, maxAttempts, now, maxAttempts, owner, maxAttempts, now + leaseMs, maxAttempts, now, now, now],
    );
    return row;
  }

  /**
   * Extends the lease, records where the job is (`at`, for the max-attempts message) and its
   * progress when it changed (published, and its new row version returned). Returns whether cancel was requested, or null when
   * this worker no longer owns the job (another worker took it over after a missed lease, or it
   * was cancelled outright).
   */
  async heartbeat(
    jobId: string,
    owner: string,
    at: string | null,
    p: JobProgress | null,
  ): Promise<{ cancel: boolean; version?: number } | null> {
    const { db } = this.d;
    const g = greatest(db);
    const leaseUntil = this.d.runtime.now() + this.d.leaseMs;
    const setAt =
      db.dialect === 'postgres'
        ? "state_json = jsonb_set(COALESCE(state_json, '{}')::jsonb, '{at}', to_jsonb(?::text))::text"
        : "state_json = json_set(CASE WHEN json_valid(state_json) THEN state_json ELSE '{}' END, '$.at', ?)";
    const atSql = at === null ? '' : `, ${setAt}`;
    const atParams = at === null ? [] : [at];
    const mine = "WHERE job_id = ? AND lease_owner = ? AND status = 'running'";
    if (!p) {
      const r = await db.get<{ cancel_requested: number }>(
        `UPDATE sync_jobs SET lease_expires_at = ?${atSql} ${mine} RETURNING cancel_requested`,
        [leaseUntil, ...atParams, jobId, owner],
      );
      return r ? { cancel: Number(r.cancel_requested) === 1 } : null;
    }
    const row = await db.get<SyncJobRow>(
      `UPDATE sync_jobs SET lease_expires_at = ?, progress = ${g}(progress, ?), total_items = ?,
         processed_items = ${g}(processed_items, ?), counts_json = ?, version = version + 1${atSql}
       ${mine} RETURNING ${COLS}`,
      [leaseUntil, p.progress, p.totalItems, p.processedItems, p.countsJson, ...atParams, jobId, owner],
    );
    if (!row) return null;
    publishJob(this.d.events, row);
    return { cancel: Number(row.cancel_requested) === 1, version: Number(row.version) };
  }

  /** Saves the resume state while the job runs (inside the transaction that stored what it vouches for). */
  async saveState(tx: Queryable, jobId: string, owner: string, stateJson: string): Promise<void> {
    await tx.run("UPDATE sync_jobs SET state_json = ? WHERE job_id = ? AND lease_owner = ? AND status = 'running'", [
      stateJson,
      jobId,
      owner,
    ]);
  }

  /**
   * Ends a running job owned by `owner`; false when it is no longer ours. `message` says how a job
   * that did not fail ended (e.g. a scheduled run that found nothing changed at Garmin).
   */
  async finish(
    jobId: string,
    owner: string,
    status: JobEnd,
    errorMessage: string | null,
    p: JobProgress,
    message: string | null = null,
  ): Promise<boolean> {
    const { db } = this.d;
    const g = greatest(db);
    const row = await db.get<SyncJobRow>(
      `UPDATE sync_jobs SET status = ?, end_time = ?, error_message = ?, message = ?, progress = ${g}(progress, ?), total_items = ?,
         processed_items = ${g}(processed_items, ?), counts_json = ?, lease_owner = NULL, lease_expires_at = NULL, version = version + 1
       WHERE job_id = ? AND lease_owner = ? AND status = 'running' RETURNING ${COLS}`,
      [status, this.d.runtime.now(), errorMessage, message, p.progress, p.totalItems, p.processedItems, p.countsJson, jobId, owner],
    );
    if (row) publishJob(this.d.events, row);
    return row !== undefined;
  }

  /**
   * Gives a running job back (graceful shutdown, or the end of its time slice): its lease ends now,
   * so any worker resumes it. A handed-back job did not see its worker die, so this claim is not
   * counted against FITSYNC_JOB_MAX_ATTEMPTS (restarts of a server, and yields, must not fail the
   * jobs). With `requeue` (a yield) it goes to the back of the queue; a shutdown keeps its place.
   * It stays `running` for the API: it is underway, between workers.
   */
  async release(jobId: string, owner: string, p: JobProgress, requeue = false): Promise<void> {
    const { db } = this.d;
    const g = greatest(db);
    const requeued = requeue ? ', queued_at = ?' : '';
    const row = await db.get<SyncJobRow>(
      `UPDATE sync_jobs SET lease_expires_at = 0, attempts = attempts - 1, progress = ${g}(progress, ?), total_items = ?,
         processed_items = ${g}(processed_items, ?), counts_json = ?, version = version + 1${requeued}
       WHERE job_id = ? AND lease_owner = ? AND status = 'running' RETURNING ${COLS}`,
      [p.progress, p.totalItems, p.processedItems, p.countsJson, ...(requeue ? [this.d.runtime.now()] : []), jobId, owner],
    );
    if (row) publishJob(this.d.events, row);
  }

  /**
   * Whether a job of another user than `userId` is claimable now (pending, or handed back or
   * abandoned): then a job past its time slice gives its worker back.
   */
  async othersWaiting(userId: string): Promise<boolean> {
    const row = await this.d.db.get<{ one: number }>(
      `SELECT 1 AS one FROM sync_jobs
       WHERE (status = 'pending' OR (status = 'running' AND lease_expires_at < ?)) AND user_id <> ? LIMIT 1`,
      [this.d.runtime.now(), userId],
    );
    return row !== undefined;
  }
}

/**
 * The larger of two values in SQL. Progress and processed_items are written through it so they
 * never go backwards: a job resumed after its worker died recounts from its last finished kind,
 * below what the dead worker had already reported.
 */
function greatest(q: Queryable): string {
  return q.dialect === 'postgres' ? 'GREATEST' : 'MAX';
}
