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

/** Consumes a live challenge; true for exactly one caller. */
export async function consumeChallenge(q: Queryable, id: string, maxAttempts: number, now: number): Promise<boolean> {
  const r = await q.run(
    'UPDATE mfa_challenges SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL AND failed_attempts < ? AND expires_at > ?',
    [now, id, maxAttempts, now],
  );
  return r.changes === 1;
}

/** Counts a wrong code against a live challenge; returns the new count, or null if it was no longer live. */
export async function failChallenge(q: Queryable, id: string, maxAttempts: number, now: number): Promise<number | null> {
  const row = await q.get<{ failed_attempts: number }>(
    `UPDATE mfa_challenges SET failed_attempts = failed_attempts + 1
     WHERE id = ? AND consumed_at IS NULL AND failed_attempts < ? AND expires_at > ?
     RETURNING failed_attempts`,
    [id, maxAttempts, now],
  );
  return row ? Number(row.failed_attempts) : null;
}

/** Deletes challenges that ended more than `olderThanMs` ago (housekeeping). */
export async function deleteOldChallenges(q: Queryable, before: number): Promise<void> {
  await q.run('DELETE FROM mfa_challenges WHERE expires_at < ?', [before]);
}
