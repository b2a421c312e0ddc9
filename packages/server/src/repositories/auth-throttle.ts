import type { Queryable } from '../db/db.js';

/** The largest `locked_until` among `keys` (0 when none is locked or known). */
export async function lockedUntil(q: Queryable, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await q.all<{ locked_until: number }>(
    `SELECT locked_until FROM auth_throttle WHERE scope_key IN (${keys.map(() => '?').join(', ')})`,
    keys,
  );
  return rows.reduce((m, r) => Math.max(m, Number(r.locked_until)), 0);
}

/**
 * Counts one failure for `key` in a fixed window starting at its first failure (a window older
 * than `windowMs` starts afresh). One atomic upsert, so concurrent failures on several instances
 * are all counted. Returns the count in the current window.
 */
export async function recordFailure(q: Queryable, key: string, now: number, windowMs: number): Promise<number> {
  const row = await q.get<{ failures: number }>(
    `INSERT INTO auth_throttle (scope_key, failures, window_start, locked_until) VALUES (?, 1, ?, 0)
     ON CONFLICT (scope_key) DO UPDATE SET
       failures = CASE WHEN auth_throttle.window_start <= ? THEN 1 ELSE auth_throttle.failures + 1 END,
       window_start = CASE WHEN auth_throttle.window_start <= ? THEN ? ELSE auth_throttle.window_start END
     RETURNING failures`,
    [key, now, now - windowMs, now - windowMs, now],
  );
  return Number(row?.failures ?? 1);
}

/** Locks `key` until `until` and starts a fresh window, so the next lockout needs a full set of failures. */
export async function lock(q: Queryable, key: string, until: number, now: number): Promise<void> {
  await q.run('UPDATE auth_throttle SET locked_until = ?, failures = 0, window_start = ? WHERE scope_key = ? AND locked_until < ?', [
    until,
    now,
    key,
    until,
  ]);
}

/** Forgets failures for `key` (after a success). */
export async function clearFailures(q: Queryable, key: string): Promise<void> {
  await q.run('DELETE FROM auth_throttle WHERE scope_key = ?', [key]);
}
