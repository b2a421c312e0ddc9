import type { Queryable, SqlValue } from '../db/db.js';

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

const COLS =
  'job_id, user_id, status, sync_type, since_date, until_date, full_sync, progress, total_items, processed_items, counts_json, ' +
  'error_message, created_at, start_time, end_time, version, idempotency_key, request_hash, lease_owner, lease_expires_at, ' +
  'cancel_requested, attempts, state_json';

export interface NewSyncJob {
  jobId: string;
  userId: string;
  syncType: string;
  since: string | null;
  until: string | null;
  full: boolean;
  countsJson: string;
  now: number;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/**
 * Inserts a pending job and returns it as stored. Throws a unique violation when the user already
 * has an active job or reuses a key.
 */
export async function insertSyncJob(q: Queryable, j: NewSyncJob): Promise<SyncJobRow> {
  const row = await q.get<SyncJobRow>(
    `INSERT INTO sync_jobs (job_id, user_id, status, sync_type, since_date, until_date, full_sync, counts_json, created_at,
       idempotency_key, request_hash)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING ${COLS}`,
    [j.jobId, j.userId, j.syncType, j.since, j.until, j.full ? 1 : 0, j.countsJson, j.now, j.idempotencyKey, j.requestHash],
  );
  return row!;
}

export function findSyncJob(q: Queryable, jobId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${COLS} FROM sync_jobs WHERE job_id = ?`, [jobId]);
}

/** The job only when it belongs to `userId` (another user's job is "not found"). */
export function findUserSyncJob(q: Queryable, userId: string, jobId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${COLS} FROM sync_jobs WHERE job_id = ? AND user_id = ?`, [jobId, userId]);
}

export function findActiveSyncJob(q: Queryable, userId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${COLS} FROM sync_jobs WHERE user_id = ? AND status IN ('pending', 'running')`, [userId]);
}

export function findByIdempotencyKey(q: Queryable, userId: string, key: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${COLS} FROM sync_jobs WHERE user_id = ? AND idempotency_key = ?`, [userId, key]);
}

export function latestSyncJob(q: Queryable, userId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(`SELECT ${COLS} FROM sync_jobs WHERE user_id = ? ORDER BY created_at DESC, job_id DESC LIMIT 1`, [
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
    `SELECT ${COLS} FROM sync_jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, job_id DESC LIMIT ?`,
    params,
  );
}

/**
 * Claims the oldest claimable job for `owner`: a pending one, or a running one whose lease
 * expired (its worker died). One statement on both engines; on PostgreSQL the inner SELECT takes
 * the row with FOR UPDATE SKIP LOCKED so concurrent claimers never wait on or double-claim a job
 * (graphile-worker's getJobs); on SQLite the write lock serialises claimers.
 */
export async function claimSyncJob(q: Queryable, owner: string, now: number, leaseMs: number): Promise<SyncJobRow | undefined> {
  const lock = q.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const claimable = "(status = 'pending' OR (status = 'running' AND lease_expires_at < ?))";
  return q.get<SyncJobRow>(
    `UPDATE sync_jobs
       SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
           start_time = COALESCE(start_time, ?), version = version + 1
     WHERE job_id = (SELECT job_id FROM sync_jobs WHERE ${claimable} ORDER BY created_at, job_id LIMIT 1${lock})
       AND ${claimable}
     RETURNING ${COLS}`,
    [owner, now + leaseMs, now, now, now],
  );
}

/**
 * The larger of two values in SQL. Progress and processed_items are written through it so they
 * never go backwards: a job resumed after its worker died recounts from its last finished part,
 * below what the dead worker had already reported.
 */
function greatest(q: Queryable): string {
  return q.dialect === 'postgres' ? 'GREATEST' : 'MAX';
}

export interface JobProgress {
  progress: number;
  totalItems: number | null;
  processedItems: number;
  countsJson: string;
}

/**
 * Extends the lease and records progress; returns whether cancel was requested and, when progress
 * was written, the job as it is now (for its watchers); null when this worker no longer owns the
 * job (another worker took it over after a missed lease).
 */
export async function heartbeatSyncJob(
  q: Queryable,
  jobId: string,
  owner: string,
  leaseUntil: number,
  p: JobProgress | null,
): Promise<{ cancel: boolean; changed: SyncJobRow | null } | null> {
  if (p) {
    const row = await q.get<SyncJobRow>(
      `UPDATE sync_jobs SET lease_expires_at = ?, progress = ${greatest(q)}(progress, ?), total_items = ?,
         processed_items = ${greatest(q)}(processed_items, ?), counts_json = ?, version = version + 1
       WHERE job_id = ? AND lease_owner = ? AND status = 'running' RETURNING ${COLS}`,
      [leaseUntil, p.progress, p.totalItems, p.processedItems, p.countsJson, jobId, owner],
    );
    return row ? { cancel: Number(row.cancel_requested) === 1, changed: row } : null;
  }
  const row = await q.get<{ cancel_requested: number }>(
    `UPDATE sync_jobs SET lease_expires_at = ? WHERE job_id = ? AND lease_owner = ? AND status = 'running'
     RETURNING cancel_requested`,
    [leaseUntil, jobId, owner],
  );
  return row ? { cancel: Number(row.cancel_requested) === 1, changed: null } : null;
}

/** Saves the engine's resume state (phases done) while the job runs. */
export async function saveJobState(q: Queryable, jobId: string, owner: string, stateJson: string): Promise<void> {
  await q.run("UPDATE sync_jobs SET state_json = ? WHERE job_id = ? AND lease_owner = ? AND status = 'running'", [
    stateJson,
    jobId,
    owner,
  ]);
}

/** Ends a running job owned by `owner`; returns it as ended, or undefined when it is no longer ours. */
export function finishSyncJob(
  q: Queryable,
  jobId: string,
  owner: string,
  f: { status: 'completed' | 'failed' | 'cancelled'; now: number; errorMessage: string | null } & JobProgress,
): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(
    `UPDATE sync_jobs SET status = ?, end_time = ?, error_message = ?, progress = ${greatest(q)}(progress, ?), total_items = ?,
       processed_items = ${greatest(q)}(processed_items, ?), counts_json = ?, lease_owner = NULL, lease_expires_at = NULL, version = version + 1
     WHERE job_id = ? AND lease_owner = ? AND status = 'running'
     RETURNING ${COLS}`,
    [f.status, f.now, f.errorMessage, f.progress, f.totalItems, f.processedItems, f.countsJson, jobId, owner],
  );
}

/**
 * Gives a running job back (graceful shutdown): its lease ends now, so any worker resumes it.
 * Returns it as given back, or undefined when it was no longer ours.
 */
export function releaseSyncJob(q: Queryable, jobId: string, owner: string, p: JobProgress): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(
    `UPDATE sync_jobs SET lease_expires_at = 0, progress = ${greatest(q)}(progress, ?), total_items = ?,
       processed_items = ${greatest(q)}(processed_items, ?), counts_json = ?, version = version + 1
     WHERE job_id = ? AND lease_owner = ? AND status = 'running'
     RETURNING ${COLS}`,
    [p.progress, p.totalItems, p.processedItems, p.countsJson, jobId, owner],
  );
}

/**
 * Cancels at once what no live worker holds: a pending job, or a running one whose lease
 * expired. Returns the job when it is now cancelled, else undefined.
 */
export function cancelIdleSyncJob(q: Queryable, jobId: string, now: number): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(
    `UPDATE sync_jobs SET status = 'cancelled', end_time = ?, cancel_requested = 1, lease_owner = NULL, lease_expires_at = NULL,
       version = version + 1
     WHERE job_id = ? AND (status = 'pending' OR (status = 'running' AND lease_expires_at < ?))
     RETURNING ${COLS}`,
    [now, jobId, now],
  );
}

/**
 * Cancels the user's active job (pending or running) at once, whoever runs it: a running job's
 * worker finds it no longer running at its next heartbeat (≤ 0.5 s) and stops without writing.
 * Returns the jobs cancelled.
 */
export function cancelActiveSyncJobs(q: Queryable, userId: string, now: number): Promise<SyncJobRow[]> {
  return q.all<SyncJobRow>(
    `UPDATE sync_jobs SET status = 'cancelled', end_time = ?, cancel_requested = 1, lease_owner = NULL, lease_expires_at = NULL,
       version = version + 1
     WHERE user_id = ? AND status IN ('pending', 'running')
     RETURNING ${COLS}`,
    [now, userId],
  );
}

/**
 * Asks the worker running the job to stop (it checks at its next heartbeat, well within 2 s).
 * Returns the job when the request was recorded now, else undefined.
 */
export function requestCancel(q: Queryable, jobId: string): Promise<SyncJobRow | undefined> {
  return q.get<SyncJobRow>(
    `UPDATE sync_jobs SET cancel_requested = 1, version = version + 1 WHERE job_id = ? AND status = 'running' AND cancel_requested = 0
     RETURNING ${COLS}`,
    [jobId],
  );
}
