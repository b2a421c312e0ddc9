import type { Queryable } from '../db/db.js';

export interface ThrottleRow {
  scope_key: string;
  failures: number;
  window_start: number;
  locked_until: number;
}

/** The rows of `keys` that exist. */
export async function findThrottleRows(q: Queryable, keys: readonly string[]): Promise<ThrottleRow[]> {
  if (keys.length === 0) return [];
  const rows = await q.all<ThrottleRow>(
    `SELECT scope_key, failures, window_start, locked_until FROM auth_throttle WHERE scope_key IN (${keys.map(() => '?').join(', ')})`,
    keys,
  );
  return rows.map((r) => ({
    scope_key: r.scope_key,
    failures: Number(r.failures),
    window_start: Number(r.window_start),
    locked_until: Number(r.locked_until),
  }));
}

/**
 * Reserves one attempt on `key` by counting it as a failure up front (and as `pending` until it is
 * judged), in a fixed window starting at its first failure (a window older than `windowMs` starts
 * afresh) — unless the key is locked or its window already holds `max`. One atomic upsert: the row
 * lock (PostgreSQL re-checks the WHERE on the newest row version) or the write lock (SQLite) lets
 * exactly `max` concurrent callers through, on every instance. Returns false when refused.
 */
export async function reserveAttempt(q: Queryable, key: string, max: number, now: number, windowMs: number): Promise<boolean> {
  const stale = now - windowMs;
  const row = await q.get<{ failures: number }>(
    `INSERT INTO auth_throttle (scope_key, failures, window_start, locked_until, pending) VALUES (?, 1, ?, 0, 1)
     ON CONFLICT (scope_key) DO UPDATE SET
       failures = CASE WHEN auth_throttle.window_start <= ? THEN 1 ELSE auth_throttle.failures + 1 END,
       pending = CASE WHEN auth_throttle.window_start <= ? THEN 1 ELSE auth_throttle.pending + 1 END,
       window_start = CASE WHEN auth_throttle.window_start <= ? THEN ? ELSE auth_throttle.window_start END
     WHERE auth_throttle.locked_until <= ? AND (auth_throttle.window_start <= ? OR auth_throttle.failures < ?)
     RETURNING failures`,
    [key, now, stale, stale, stale, now, now, stale, max],
  );
  return row !== undefined;
}

/**
 * Judges a reserved attempt wrong: it stays counted, and if the window holds `max` failures the key
 * is locked until `until` with a fresh window, so the next lockout needs a full set of failures.
 */
export async function failAttempt(q: Queryable, key: string, max: number, until: number, now: number): Promise<void> {
  const full = 'failures >= ? AND locked_until < ?';
  await q.run(
    `UPDATE auth_throttle SET
       pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END,
       locked_until = CASE WHEN ${full} THEN ? ELSE locked_until END,
       failures = CASE WHEN ${full} THEN 0 ELSE failures END,
       window_start = CASE WHEN ${full} THEN ? ELSE window_start END
     WHERE scope_key = ?`,
    [max, until, until, max, until, max, until, now, key],
  );
}

/** Gives one reserved attempt back (it was never judged, or a right answer at an address key). */
export async function releaseAttempt(q: Queryable, key: string): Promise<void> {
  await q.run(
    `UPDATE auth_throttle SET
       failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
       pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END
     WHERE scope_key = ?`,
    [key],
  );
}

/**
 * Judges a reserved attempt right: forgets the failures counted before it, but keeps the
 * reservations of other attempts still being checked (they hold their places in the limit) and
 * any lockout already started.
 */
export async function succeedAttempt(q: Queryable, key: string): Promise<void> {
  await q.run(
    `UPDATE auth_throttle SET
       failures = CASE WHEN failures < pending
         THEN (CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END)
         ELSE (CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END) END,
       pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END
     WHERE scope_key = ?`,
    [key],
  );
}
