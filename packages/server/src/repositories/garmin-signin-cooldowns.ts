import type { Queryable } from '../db/db.js';

/** The per-user sign-in state: a cool-down of the MFA step (Retry-After) and the Garmin account last signed in with. */
export interface GarminSigninUserRow {
  until_ms: number;
  /** SecretBox.keyedHash of the normalised Garmin e-mail; null before the first sign-in since migration 36. */
  account_key: string | null;
}

export async function findGarminSigninUser(q: Queryable, userId: string): Promise<GarminSigninUserRow | undefined> {
  const row = await q.get<GarminSigninUserRow>('SELECT until_ms, account_key FROM garmin_signin_cooldowns WHERE user_id = ?', [userId]);
  return row ? { until_ms: Number(row.until_ms), account_key: row.account_key } : undefined;
}

/** Records Garmin's Retry-After for this user's MFA step (shared by all instances through the database). */
export async function setGarminCooldown(q: Queryable, userId: string, untilMs: number): Promise<void> {
  await q.run(
    `INSERT INTO garmin_signin_cooldowns (user_id, until_ms) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET until_ms = excluded.until_ms`,
    [userId, untilMs],
  );
}

/** Remembers which Garmin account (keyed hash) the user signs in with. */
export async function setGarminSigninAccount(q: Queryable, userId: string, accountKey: string): Promise<void> {
  await q.run(
    `INSERT INTO garmin_signin_cooldowns (user_id, until_ms, account_key) VALUES (?, 0, ?)
     ON CONFLICT (user_id) DO UPDATE SET account_key = excluded.account_key`,
    [userId, accountKey],
  );
}
