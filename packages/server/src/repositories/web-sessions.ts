import type { Queryable } from '../db/db.js';

/** A browser session's cookie as stored (only its secret's sha256), with what its session says. */
export interface WebSessionRow {
  session_id: string;
  user_id: string;
  mfa_verified: number;
  expires_at: number;
}

export async function insertWebSession(q: Queryable, w: { secretHash: string; sessionId: string; now: number; expiresAt: number }) {
  await q.run('INSERT INTO web_sessions (secret_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
    w.secretHash,
    w.sessionId,
    w.now,
    w.expiresAt,
  ]);
}

/** The cookie's session, revoked or not (the caller checks liveness through the session cache). */
export function findWebSession(q: Queryable, secretHash: string): Promise<WebSessionRow | undefined> {
  return q.get<WebSessionRow>(
    `SELECT w.session_id, s.user_id, s.mfa_verified, w.expires_at
       FROM web_sessions w JOIN sessions s ON s.id = w.session_id
      WHERE w.secret_hash = ?`,
    [secretHash],
  );
}
