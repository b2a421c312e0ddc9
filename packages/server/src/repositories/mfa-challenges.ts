import type { Queryable } from '../db/db.js';

export interface ChallengeRow {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  failed_attempts: number;
  consumed_at: number | null;
}

export async function insertChallenge(q: Queryable, c: { id: string; userId: string; now: number; expiresAt: number }) {
  await q.run('INSERT INTO mfa_challenges (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
    c.id,
    c.userId,
    c.now,
    c.expiresAt,
  ]);
}

export function findChallenge(q: Queryable, id: string): Promise<ChallengeRow | undefined> {
  return q.get<ChallengeRow>(
    'SELECT id, user_id, created_at, expires_at, failed_attempts, consumed_at FROM mfa_challenges WHERE id = ?',
    [id],
  );
}

/**
 * Reserves one code attempt on a live challenge before the code is checked, by counting it as a
 * wrong code up front: one conditional UPDATE, so concurrent attempts on any instance get at most
 * `maxAttempts` reservations between them. Returns the new count, or null when the challenge is
 * used, spent, expired or unknown.
 */
export async function reserveChallengeAttempt(q: Queryable, id: string, maxAttempts: number, now: number): Promise<number | null> {
  const row = await q.get<{ failed_attempts: number }>(
    `UPDATE mfa_challenges SET failed_attempts = failed_attempts + 1
     WHERE id = ? AND consumed_at IS NULL AND failed_attempts < ? AND expires_at > ?
     RETURNING failed_attempts`,
    [id, maxAttempts, now],
  );
  return row ? Number(row.failed_attempts) : null;
}

/**
 * Consumes a challenge whose attempt was reserved (the right code), giving the reservation back;
 * true for exactly one caller.
 */
export async function consumeChallenge(q: Queryable, id: string, now: number): Promise<boolean> {
  const r = await q.run(
    'UPDATE mfa_challenges SET consumed_at = ?, failed_attempts = failed_attempts - 1 WHERE id = ? AND consumed_at IS NULL AND expires_at > ?',
    [now, id, now],
  );
  return r.changes === 1;
}

/** Deletes challenges that ended more than `olderThanMs` ago (housekeeping). */
export async function deleteOldChallenges(q: Queryable, before: number): Promise<void> {
  await q.run('DELETE FROM mfa_challenges WHERE expires_at < ?', [before]);
}
