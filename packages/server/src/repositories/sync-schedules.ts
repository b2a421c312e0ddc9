import type { Queryable } from '../db/db.js';

/** A `sync_schedules` row as stored (timestamps epoch ms, enabled 0/1). */
export interface SyncScheduleRow {
  user_id: string;
  every_s: number;
  sync_type: string;
  enabled: number;
  /** The jittered due time of the next run; null while disabled. */
  next_run_at: number | null;
  /** When the slots are counted from (slot k is phase_at + k·every_s): the time of the last PUT. */
  phase_at: number;
  last_run_at: number | null;
  last_job_id: string | null;
  updated_at: number;
}

const COLS = 'user_id, every_s, sync_type, enabled, next_run_at, phase_at, last_run_at, last_job_id, updated_at';

/** A schedule to store (enabled, due at nextRunAt). */
export interface NewSyncSchedule {
  userId: string;
  everyS: number;
  syncType: string;
  nextRunAt: number;
  now: number;
}

export function findSyncSchedule(q: Queryable, userId: string): Promise<SyncScheduleRow | undefined> {
  return q.get<SyncScheduleRow>(`SELECT ${COLS} FROM sync_schedules WHERE user_id = ?`, [userId]);
}

/** Creates or replaces the user's schedule, enabled; its slots count from now. Run history is kept. */
export async function putSyncSchedule(q: Queryable, s: NewSyncSchedule): Promise<SyncScheduleRow> {
  const row = await q.get<SyncScheduleRow>(
    `INSERT INTO sync_schedules (user_id, every_s, sync_type, enabled, next_run_at, phase_at, updated_at)
     VALUES (?, ?, ?, 1, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET every_s = excluded.every_s, sync_type = excluded.sync_type, enabled = 1,
       next_run_at = excluded.next_run_at, phase_at = excluded.phase_at, updated_at = excluded.updated_at
     RETURNING ${COLS}`,
    [s.userId, s.everyS, s.syncType, s.nextRunAt, s.now, s.now],
  );
  return row!;
}

/** Stores the schedule only when the user never had one (a user who turned theirs off stays off). True when stored. */
export async function insertSyncScheduleIfAbsent(q: Queryable, s: NewSyncSchedule): Promise<boolean> {
  const r = await q.run(
    `INSERT INTO sync_schedules (user_id, every_s, sync_type, enabled, next_run_at, phase_at, updated_at)
     VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING`,
    [s.userId, s.everyS, s.syncType, s.nextRunAt, s.now, s.now],
  );
  return r.changes > 0;
}

/** Turns the schedule off (every_s and run history stay). Returns the row, or undefined when the user has none. */
export function disableSyncSchedule(q: Queryable, userId: string, now: number): Promise<SyncScheduleRow | undefined> {
  return q.get<SyncScheduleRow>(
    `UPDATE sync_schedules SET enabled = 0, next_run_at = NULL, updated_at = ? WHERE user_id = ? RETURNING ${COLS}`,
    [now, userId],
  );
}

/**
 * The enabled schedules due soonest, earliest first (the partial index answers it without a scan):
 * those due by now are to run; the first one not yet due says when to look again.
 */
export function nextSyncSchedules(q: Queryable, limit: number): Promise<SyncScheduleRow[]> {
  return q.all<SyncScheduleRow>(
    `SELECT ${COLS} FROM sync_schedules WHERE next_run_at IS NOT NULL ORDER BY next_run_at, user_id LIMIT ?`,
    [limit],
  );
}

/**
 * Compare-and-set: moves the schedule from the due time a scheduler read to its next one. Only one
 * caller can win for a given due time (on PostgreSQL a concurrent UPDATE waits for the winner's
 * commit and then finds next_run_at changed). True when this caller won.
 */
export async function advanceSyncSchedule(q: Queryable, userId: string, dueAt: number, nextRunAt: number, now: number): Promise<boolean> {
  const r = await q.run('UPDATE sync_schedules SET next_run_at = ?, updated_at = ? WHERE user_id = ? AND next_run_at = ?', [
    nextRunAt,
    now,
    userId,
    dueAt,
  ]);
  return r.changes === 1;
}

/** Records the run a scheduler started. */
export async function recordSyncScheduleRun(q: Queryable, userId: string, jobId: string, at: number): Promise<void> {
  await q.run('UPDATE sync_schedules SET last_run_at = ?, last_job_id = ? WHERE user_id = ?', [at, jobId, userId]);
}
