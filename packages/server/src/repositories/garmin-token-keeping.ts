import type { Queryable } from '../db/db.js';
import type { GarminTokenExpiry } from './garmin-connections.js';

/** A connection the token keeper may refresh. */
export interface KeepCandidate {
  user_id: string;
  token_version: number;
}

/**
 * Live connections whose refresh token expires before `refreshBefore`, whose access token expired
 * before `accessBefore` (an idle account), or whose expiries are unknown (rows from before the
 * keeper) — and that no keeper holds now. A user with an active sync job is left to it: the job
 * refreshes its own tokens, and two refreshes of one token would spend it twice. Oldest first.
 */
export async function findKeepCandidates(
  q: Queryable,
  o: { now: number; refreshBefore: number; accessBefore: number; limit: number },
): Promise<KeepCandidate[]> {
  const rows = await q.all<KeepCandidate>(
    `SELECT c.user_id, c.token_version FROM garmin_connections c
     WHERE c.status = 'connected' AND (c.keeper_claimed_until IS NULL OR c.keeper_claimed_until <= ?)
       AND ((c.refresh_expires_at IS NOT NULL AND c.refresh_expires_at <= ?) OR c.access_expires_at IS NULL OR c.access_expires_at <= ?)
       AND NOT EXISTS (SELECT 1 FROM sync_jobs j WHERE j.user_id = c.user_id AND j.status IN ('pending', 'running'))
     ORDER BY c.updated_at LIMIT ?`,
    [o.now, o.refreshBefore, o.accessBefore, o.limit],
  );
  return rows.map((r) => ({ user_id: r.user_id, token_version: Number(r.token_version) }));
}

/**
 * Claims a connection for one keeper until `until`, only if its tokens are still those of
 * `version` (compare-and-set) and no other keeper holds it. Returns the sealed tokens, or null
 * when another instance got there first or the tokens changed.
 */
export async function claimForKeeping(q: Queryable, userId: string, version: number, now: number, until: number): Promise<string | null> {
  const row = await q.get<{ tokens_enc: string }>(
    `UPDATE garmin_connections SET keeper_claimed_until = ?
     WHERE user_id = ? AND token_version = ? AND status = 'connected' AND (keeper_claimed_until IS NULL OR keeper_claimed_until <= ?)
     RETURNING tokens_enc`,
    [until, userId, version, now],
  );
  return row ? row.tokens_enc : null;
}

/**
 * Stores the refreshed pair in one statement if the tokens are still those of `version`, and ends
 * the claim. Returns the new token_version, or null when the connection was removed or replaced
 * meanwhile (nothing is resurrected or overwritten).
 */
export async function storeKeptTokens(
  q: Queryable,
  c: { userId: string; version: number; tokensEnc: string; expiry: GarminTokenExpiry; now: number },
): Promise<number | null> {
  const row = await q.get<{ token_version: number }>(
    `UPDATE garmin_connections SET tokens_enc = ?, token_version = token_version + 1, updated_at = ?,
       access_expires_at = ?, refresh_expires_at = ?, keeper_claimed_until = NULL
     WHERE user_id = ? AND token_version = ? AND status = 'connected' RETURNING token_version`,
    [c.tokensEnc, c.now, c.expiry.accessExpiresAt, c.expiry.refreshExpiresAt, c.userId, c.version],
  );
  return row ? Number(row.token_version) : null;
}

/** Ends a claim without a change (the refresh failed for a passing reason). */
export async function releaseKeeping(q: Queryable, userId: string): Promise<void> {
  await q.run('UPDATE garmin_connections SET keeper_claimed_until = NULL WHERE user_id = ?', [userId]);
}

/** Records the expiries of a row from before the keeper (tokens unchanged) and ends the claim. */
export async function setKeptExpiry(q: Queryable, userId: string, version: number, expiry: GarminTokenExpiry): Promise<void> {
  await q.run(
    `UPDATE garmin_connections SET access_expires_at = ?, refresh_expires_at = ?, keeper_claimed_until = NULL
     WHERE user_id = ? AND token_version = ?`,
    [expiry.accessExpiresAt, expiry.refreshExpiresAt, userId, version],
  );
}
