import type { Queryable } from '../db/db.js';

/** A Garmin sign-in parked for Garmin's MFA code (garmin-protocol.md, "The MFA pause…"). */
export interface GarminChallengeRow {
  id: string;
  user_id: string;
  /** SecretBox-sealed JSON of GarminPendingLogin (context `garmin-pending:<id>:<user_id>`). */
  pending_enc: string;
  created_at: number;
  expires_at: number;
  failed_attempts: number;
  consumed_at: number | null;
}

export async function insertGarminChallenge(
  q: Queryable,
  c: { id: string; userId: string; pendingEnc: string; now: number; expiresAt: number },
): Promise<void> {
  await q.run('INSERT INTO garmin_mfa_challenges (id, user_id, pending_enc, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
    c.id,
    c.userId,
    c.pendingEnc,
    c.now,
    c.expiresAt,
  ]);
}

/** The challenge if it belongs to `userId` (another user's id reads as unknown). */
export async function findGarminChallenge(q: Queryable, id: string, userId: string): Promise<GarminChallengeRow | undefined> {
  const row = await q.get<GarminChallengeRow>(
    `SELECT id, user_id, pending_enc, created_at, expires_at, failed_attempts, consumed_at
     FROM garmin_mfa_challenges WHERE id = ? AND user_id = ?`,
    [id, userId],
  );
  return row ? { ...row, failed_attempts: Number(row.failed_attempts) } : undefined;
}

/**
 * Reserves one code attempt on a live challenge of `userId` *before* Garmin is asked, counting it
 * as wrong up front, so concurrent attempts cannot take more than `maxAttempts` places between
 * them (one atomic UPDATE; PostgreSQL re-checks the WHERE on the newest row version). Returns the
 * new count, or null when the challenge is used, spent, expired or unknown.
 */
export async function reserveGarminChallengeAttempt(
  q: Queryable,
  id: string,
  userId: string,
  maxAttempts: number,
  now: number,
): Promise<number | null> {
  const row = await q.get<{ failed_attempts: number }>(
    `UPDATE garmin_mfa_challenges SET failed_attempts = failed_attempts + 1
     WHERE id = ? AND user_id = ? AND consumed_at IS NULL AND failed_attempts < ? AND expires_at > ?
     RETURNING failed_attempts`,
    [id, userId, maxAttempts, now],
  );
  return row ? Number(row.failed_attempts) : null;
}

/** Keeps Garmin's newer pending state after a wrong code (the attempt stays counted). */
export async function storeGarminChallengePending(q: Queryable, id: string, pendingEnc: string): Promise<void> {
  await q.run('UPDATE garmin_mfa_challenges SET pending_enc = ? WHERE id = ? AND consumed_at IS NULL', [pendingEnc, id]);
}

/** Gives a reserved attempt back: Garmin gave no verdict on the code (it was throttling us). */
export async function releaseGarminChallengeAttempt(q: Queryable, id: string): Promise<void> {
  await q.run('UPDATE garmin_mfa_challenges SET failed_attempts = failed_attempts - 1 WHERE id = ? AND failed_attempts > 0', [id]);
}

/** Marks a challenge used; true for exactly one caller. */
export async function consumeGarminChallenge(q: Queryable, id: string, now: number): Promise<boolean> {
  const r = await q.run('UPDATE garmin_mfa_challenges SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL', [now, id]);
  return r.changes === 1;
}

/** Removes a user's challenges (after linking, or on disconnect). */
export async function deleteGarminChallenges(q: Queryable, userId: string): Promise<void> {
  await q.run('DELETE FROM garmin_mfa_challenges WHERE user_id = ?', [userId]);
}

/** Housekeeping: drops challenges that expired before `before` (their sealed cookies with them). */
export async function deleteExpiredGarminChallenges(q: Queryable, before: number): Promise<void> {
  await q.run('DELETE FROM garmin_mfa_challenges WHERE expires_at < ?', [before]);
}
