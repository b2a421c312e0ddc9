import type { Queryable } from '../db/db.js';

/** Until when (epoch ms) Garmin asked us not to sign this user in again; 0 when free. */
export async function garminCooldownUntil(q: Queryable, userId: string): Promise<number> {
  const row = await q.get<{ until_ms: number }>('SELECT until_ms FROM garmin_signin_cooldowns WHERE user_id = ?', [userId]);
  return row ? Number(row.until_ms) : 0;
}

/** Records Garmin's Retry-After for this user's sign-ins (shared by all instances through the database). */
export async function setGarminCooldown(q: Queryable, userId: string, untilMs: number): Promise<void> {
  await q.run(
    `INSERT INTO garmin_signin_cooldowns (user_id, until_ms) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET until_ms = excluded.until_ms`,
    [userId, untilMs],
  );
}
