import type { Queryable } from '../db/db.js';

/** Until when (epoch ms) sign-ins of the Garmin account are backed off; 0 when free. */
export async function garminBackoffUntil(q: Queryable, accountKey: string): Promise<number> {
  const row = await q.get<{ until_ms: number }>('SELECT until_ms FROM garmin_signin_backoffs WHERE account_key = ?', [accountKey]);
  return row ? Number(row.until_ms) : 0;
}

/**
 * Records a block (429 or Cloudflare) of the account's sign-in and returns the back-off's end.
 * `waitFor(level)` gives the wait of the level'th block in a row. The level rises only when the
 * previous back-off had ended: a block seen by a sign-in that started before another instance
 * recorded one is the same episode, not a repeat. A longer Retry-After (`atLeastMs`) wins.
 * Run it in a transaction (two statements).
 */
export async function recordGarminBlock(
  q: Queryable,
  accountKey: string,
  now: number,
  waitFor: (level: number) => number,
  atLeastMs: number,
): Promise<number> {
  const row = await q.get<{ level: number }>(
    `INSERT INTO garmin_signin_backoffs (account_key, level, until_ms, updated_at) VALUES (?, 1, 0, ?)
     ON CONFLICT (account_key) DO UPDATE SET updated_at = excluded.updated_at,
       level = CASE WHEN garmin_signin_backoffs.until_ms <= excluded.updated_at THEN garmin_signin_backoffs.level + 1 ELSE garmin_signin_backoffs.level END
     RETURNING level`,
    [accountKey, now],
  );
  const until = now + Math.max(waitFor(Number(row!.level)), atLeastMs);
  const out = await q.get<{ until_ms: number }>(
    `UPDATE garmin_signin_backoffs SET until_ms = CASE WHEN until_ms < ? THEN ? ELSE until_ms END WHERE account_key = ? RETURNING until_ms`,
    [until, until, accountKey],
  );
  return Number(out!.until_ms);
}

/** A successful sign-in ends the account's back-off and its escalation. */
export async function clearGarminBackoff(q: Queryable, accountKey: string): Promise<void> {
  await q.run('DELETE FROM garmin_signin_backoffs WHERE account_key = ?', [accountKey]);
}
