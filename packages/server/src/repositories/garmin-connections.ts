import type { Queryable } from '../db/db.js';

/** Stored state of a user's Garmin link. `status` is never `not_connected`: that is "no row". */
export type GarminConnectionStatus = 'connected' | 'reauth_required';

export interface GarminConnectionRow {
  user_id: string;
  status: GarminConnectionStatus;
  display_name: string | null;
  /** SecretBox-sealed JSON of GarminTokens (context `garmin-tokens:<user_id>`). */
  tokens_enc: string;
  /** Bumped on every token write, so an instance can tell its tokens were replaced meanwhile. */
  token_version: number;
  connected_at: number;
  updated_at: number;
  /** When Garmin stopped accepting the tokens (set with status reauth_required). */
  reauth_required_at: number | null;
  /** The Garmin account's IANA time zone, once learned. */
  time_zone: string | null;
}

const COLUMNS = 'user_id, status, display_name, tokens_enc, token_version, connected_at, updated_at, reauth_required_at, time_zone';

export async function findGarminConnection(q: Queryable, userId: string): Promise<GarminConnectionRow | undefined> {
  const row = await q.get<GarminConnectionRow>(`SELECT ${COLUMNS} FROM garmin_connections WHERE user_id = ?`, [userId]);
  return row ? { ...row, token_version: Number(row.token_version) } : undefined;
}

/** When the sealed tokens expire (not secret; the token keeper selects on them). */
export interface GarminTokenExpiry {
  accessExpiresAt: number;
  refreshExpiresAt: number | null;
}

/**
 * Creates or replaces the connection after a successful sign-in (a new link, or a re-link). A
 * re-link may be another Garmin account, so its time zone is learned again.
 */
export async function putGarminConnection(
  q: Queryable,
  c: { userId: string; displayName: string; tokensEnc: string; now: number; expiry?: GarminTokenExpiry },
): Promise<void> {
  await q.run(
    `INSERT INTO garmin_connections (user_id, status, display_name, tokens_enc, token_version, connected_at, updated_at, access_expires_at, refresh_expires_at)
     VALUES (?, 'connected', ?, ?, 1, ?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET status = 'connected', reauth_required_at = NULL, time_zone = NULL, display_name = excluded.display_name,
       tokens_enc = excluded.tokens_enc, token_version = garmin_connections.token_version + 1,
       connected_at = excluded.connected_at, updated_at = excluded.updated_at,
       access_expires_at = excluded.access_expires_at, refresh_expires_at = excluded.refresh_expires_at, keeper_claimed_until = NULL`,
    [c.userId, c.displayName, c.tokensEnc, c.now, c.now, c.expiry?.accessExpiresAt ?? null, c.expiry?.refreshExpiresAt ?? null],
  );
}

/**
 * Stores rotated tokens of a live connection; returns the new token_version, or null when the
 * connection is gone or no longer `connected` (disconnected meanwhile: nothing is resurrected).
 */
export async function updateGarminTokens(
  q: Queryable,
  userId: string,
  tokensEnc: string,
  now: number,
  expiry?: GarminTokenExpiry,
): Promise<number | null> {
  const row = await q.get<{ token_version: number }>(
    `UPDATE garmin_connections SET tokens_enc = ?, token_version = token_version + 1, updated_at = ?,
       access_expires_at = ?, refresh_expires_at = ?
     WHERE user_id = ? AND status = 'connected' RETURNING token_version`,
    [tokensEnc, now, expiry?.accessExpiresAt ?? null, expiry?.refreshExpiresAt ?? null, userId],
  );
  return row ? Number(row.token_version) : null;
}

/**
 * Marks the connection `reauth_required`. With `ifVersion`, only when the tokens are still the
 * ones that failed (another instance may have refreshed them meanwhile). True when it changed.
 */
export async function markGarminReauth(q: Queryable, userId: string, now: number, ifVersion?: number): Promise<boolean> {
  const r =
    ifVersion === undefined
      ? await q.run(`UPDATE garmin_connections SET status = 'reauth_required', reauth_required_at = ?, updated_at = ? WHERE user_id = ? AND status = 'connected'`, [
          now,
          now,
          userId,
        ])
      : await q.run(
          `UPDATE garmin_connections SET status = 'reauth_required', reauth_required_at = ?, updated_at = ?
           WHERE user_id = ? AND status = 'connected' AND token_version = ?`,
          [now, now, userId, ifVersion],
        );
  return r.changes === 1;
}

/** Stores the account's IANA time zone (validated by the caller); the tokens' updated_at stays. */
export async function setGarminTimeZone(q: Queryable, userId: string, zone: string): Promise<void> {
  await q.run('UPDATE garmin_connections SET time_zone = ? WHERE user_id = ?', [zone, userId]);
}

export async function deleteGarminConnection(q: Queryable, userId: string): Promise<void> {
  await q.run('DELETE FROM garmin_connections WHERE user_id = ?', [userId]);
}
