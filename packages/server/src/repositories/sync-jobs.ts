import type { Queryable, SqlValue } from '../db/db.js';
import type { SyncJobSpec } from '../sync/sync-job-spec.js';

/** A `sync_jobs` row as stored (timestamps epoch ms, booleans 0/1). */
export interface SyncJobRow {
  job_id: string;
  user_id: string;
  status: string;
  sync_type: string;
  since_date: string | null;
  until_date: string | null;
  full_sync: number;
  progress: number;
  total_items: number | null;
  processed_items: number;
  counts_json: string;
  error_message: string | null;
  /** manual | schedule | import (SYNC_TRIGGERS). */
  trigger: string;
  /** How a job that did not fail ended, for people (null when nothing to say). */
  message: string | null;
  created_at: number;
  start_time: number | null;
  end_time: number | null;
  version: number;
  idempotency_key: string | null;
  request_hash: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  attempts: number;
  state_json: string | null;
}

/** Every column, for SELECT and RETURNING (the queue module returns whole rows too). */
export const SYNC_JOB_COLS =
  'job_id, user_id, status, sync_type, since_date, until_date, full_sync, progress, total_items, processed_items, counts_json, ' +
  'error_message, created_at, start_time, end_time, version, idempotency_key, request_hash, lease_owner, lease_expires_at, ' +
  'cancel_requested, attempts, state_json, trigger, message';

/** A job to insert: what it asks for, and how it was asked. */
export interface NewSyncJob extends SyncJobSpec {
  countsJson: string;
  now: number;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** Inserts a pending job and returns it. Throws a unique violation when the user already has an active job or reuses a key. */
export async function insertSyncJob(q: Queryable, j: NewSyncJob): Promise<SyncJobRow> {
  const row = await q.get<SyncJobRow>(
    `INSERT INTO sync_jobs (job_id, user_id, status, sync_type, since_date, until_date, full_sync, counts_json, created_at,
       queued_at, idempotency_key, request_hash, trigger)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${SYNC_JOB_COLS}`,
    [j.jobId, j.userId, j.syncType, j.since, j.until, j.full ? 1 : 0, j.countsJson, j.now, j.now, j.idempotencyKey, j.requestHash, j.trigger],
  );
  return row!;
}

export function findSyncJob(q: Queryable, jobId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${SYNC_JOB_COLS} FROM sync_jobs WHERE job_id = ?`, [jobId]);
}

/** The job only when it belongs to `userId` (another user's job is "not found"). */
export function findUserSyncJob(q: Queryable, userId: string, jobId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${SYNC_JOB_COLS} FROM sync_jobs WHERE job_id = ? AND user_id = ?`, [jobId, userId]);
}

export function findActiveSyncJob(q: Queryable, userId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${SYNC_JOB_COLS} FROM sync_jobs WHERE user_id = ? AND status IN ('pending', 'running')`, [userId]);
}

export function findByIdempotencyKey(q: Queryable, userId: string, key: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${SYNC_JOB_COLS} FROM sync_jobs WHERE user_id = ? AND idempotency_key = ?`, [userId, key]);
}

export function latestSyncJob(q: Queryable, userId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${SYNC_JOB_COLS} FROM sync_jobs WHERE user_id = ? ORDER BY created_at DESC, job_id DESC LIMIT 1`, [
    userId,
  ]);
}

/** created_at of the user's newest `limit` jobs created after `sinceMs`, newest first (the job budget). */
export async function recentSyncJobStarts(q: Queryable, userId: string, sinceMs: number, limit: number): Promise<number[]> {
  const rows = await q.all<{ created_at: number }>(
    'SELECT created_at FROM sync_jobs WHERE user_id = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?',
    [userId, sinceMs, limit],
  );
  return rows.map((r) => Number(r.created_at));
}

/** Newest first, keyset-paged on (created_at, job_id). */
export function listSyncJobs(
  q: Queryable,
  userId: string,
  opts: { status?: string; limit: number; before?: { createdAt: number; jobId: string } },
): Promise<SyncJobRow[]> {
  const where = ['user_id = ?'];
  const params: SqlValue[] = [userId];
  if (opts.status) {
    where.push('status = ?');
    params.push(opts.status);
  }
  if (opts.before) {
    where.push('(created_at < ? OR (created_at = ? AND job_id < ?))');
    params.push(opts.before.createdAt, opts.before.createdAt, opts.before.jobId);
  }
  params.push(opts.limit);
  return q.all<SyncJobRow>(
    `SELECT ${SYNC_JOB_COLS} FROM sync_jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, job_id DESC LIMIT ?`,
    params,
  );
}

/**
 * Cancels at once what no live worker holds: a pending job, or a running one whose lease
 * expired. Returns the cancelled row, or undefined when the job was not idle.
 */
export function cancelIdleSyncJob(q: Queryable, jobId: string, now: number): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(
    `UPDATE sync_jobs SET status = 'cancelled', end_time = ?, cancel_requested = 1, lease_owner = NULL, lease_expires_at = NULL,
       version = version + 1
     WHERE job_id = ? AND (status = 'pending' OR (status = 'running' AND lease_expires_at < ?))
     RETURNING ${SYNC_JOB_COLS}`,
    [now, jobId, now],
  );
}

/**
 * Cancels the user's active job (pending or running) at once, whoever runs it: a running job's
 * worker finds it no longer running at its next heartbeat (≤ 0.5 s) and stops without writing.
 * Returns the rows cancelled.
 */
export function cancelActiveSyncJobs(q: Queryable, userId: string, now: number): Promise<SyncJobRow[]> {
  return q.all<SyncJobRow>(
    `UPDATE sync_jobs SET status = 'cancelled', end_time = ?, cancel_requested = 1, lease_owner = NULL, lease_expires_at = NULL,
       version = version + 1
     WHERE user_id = ? AND status IN ('pending', 'running')
     RETURNING ${SYNC_JOB_COLS}`,
    [now, userId],
  );
}

/** Asks the worker running the job to stop (it checks at its next heartbeat, well within 2 s); the row when flagged now. */
export function requestCancel(q: Queryable, jobId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(
    `UPDATE sync_jobs SET cancel_requested = 1, version = version + 1
     WHERE job_id = ? AND status = 'running' AND cancel_requested = 0 RETURNING ${SYNC_JOB_COLS}`,
    [jobId],
  );
}

/** The change counter of a job, for event streams that poll cheaply. */
export async function syncJobVersion(q: Queryable, jobId: string): Promise<number | undefined> {
  const r = await q.get<{ version: number }>('SELECT version FROM sync_jobs WHERE job_id = ?', [jobId]);
  return r ? Number(r.version) : undefined;
}
