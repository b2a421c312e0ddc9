import type { Queryable } from '../db/db.js';

export interface SessionRow {
  id: string;
  user_id: string;
  mfa_verified: number;
  created_at: number;
  revoked_at: number | null;
}

export interface RefreshTokenRow {
  token_hash: string;
  session_id: string;
  expires_at: number;
  spent_at: number | null;
}

export async function insertSession(q: Queryable, s: { id: string; userId: string; mfaVerified: boolean; now: number }) {
  await q.run('INSERT INTO sessions (id, user_id, mfa_verified, created_at) VALUES (?, ?, ?, ?)', [
    s.id,
    s.userId,
    s.mfaVerified ? 1 : 0,
    s.now,
  ]);
}

export function findSession(q: Queryable, id: string): Promise<SessionRow | undefined> {
  return q.get<SessionRow>('SELECT id, user_id, mfa_verified, created_at, revoked_at FROM sessions WHERE id = ?', [id]);
}

/** A session this call revoked. */
export interface RevokedSession {
  id: string;
  user_id: string;
}

/**
 * Revokes a session (idempotent: keeps the first revocation time and reason). Returns it when
 * this call revoked it, undefined when it was already revoked or unknown.
 */
export function revokeSession(q: Queryable, id: string, reason: string, now: number): Promise<RevokedSession | undefined> {
  return q.get<RevokedSession>(
    'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL RETURNING id, user_id',
    [now, reason, id],
  );
}

/** Revokes every live session of the user except `keepId`; returns the sessions revoked. */
export function revokeOtherSessions(q: Queryable, userId: string, keepId: string, reason: string, now: number): Promise<RevokedSession[]> {
  return q.all<RevokedSession>(
    'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL RETURNING id, user_id',
    [now, reason, userId, keepId],
  );
}

/** Whether the session exists, belongs to `userId` and is not revoked. */
export async function isSessionLive(q: Queryable, id: string, userId: string): Promise<boolean> {
  const s = await findSession(q, id);
  return !!s && s.revoked_at === null && s.user_id === userId;
}

export async function insertRefreshToken(q: Queryable, t: { hash: string; sessionId: string; now: number; expiresAt: number }) {
  await q.run('INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
    t.hash,
    t.sessionId,
    t.now,
    t.expiresAt,
  ]);
}

/**
 * Marks an unspent, unexpired refresh token spent. Exactly one of several concurrent callers gets
 * `true` — the conditional UPDATE is the arbiter on both engines.
 */
export async function spendRefreshToken(q: Queryable, hash: string, now: number): Promise<boolean> {
  const r = await q.run('UPDATE refresh_tokens SET spent_at = ? WHERE token_hash = ? AND spent_at IS NULL AND expires_at > ?', [
    now,
    hash,
    now,
  ]);
  return r.changes === 1;
}

export function findRefreshToken(q: Queryable, hash: string): Promise<RefreshTokenRow | undefined> {
  return q.get<RefreshTokenRow>('SELECT token_hash, session_id, expires_at, spent_at FROM refresh_tokens WHERE token_hash = ?', [
    hash,
  ]);
}
