import type { Queryable } from '../db/db.js';

export type DeviceStatus = 'pending' | 'approved' | 'denied' | 'redeemed';

export interface DeviceRow {
  id: string;
  user_code: string;
  status: DeviceStatus;
  user_id: string | null;
  session_id: string | null;
  mfa_verified: number;
  interval_s: number;
  last_poll_at: number | null;
  created_at: number;
  expires_at: number;
}

const COLUMNS = 'id, user_code, status, user_id, session_id, mfa_verified, interval_s, last_poll_at, created_at, expires_at';

/** BIGINT columns come back as strings from PostgreSQL. */
function row(r: DeviceRow | undefined): DeviceRow | undefined {
  if (!r) return undefined;
  return {
    ...r,
    mfa_verified: Number(r.mfa_verified),
    interval_s: Number(r.interval_s),
    last_poll_at: r.last_poll_at === null ? null : Number(r.last_poll_at),
    created_at: Number(r.created_at),
    expires_at: Number(r.expires_at),
  };
}

/** Inserts a pending authorization; false when its user code is taken (the caller draws another). */
export async function insertDeviceAuthorization(
  q: Queryable,
  a: { id: string; deviceCodeHash: string; userCode: string; clientId: string | null; intervalS: number; now: number; expiresAt: number },
): Promise<boolean> {
  const r = await q.run(
    `INSERT INTO device_authorizations (id, device_code_hash, user_code, client_id, status, interval_s, created_at, expires_at)
     VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (user_code) DO NOTHING`,
    [a.id, a.deviceCodeHash, a.userCode, a.clientId, a.intervalS, a.now, a.expiresAt],
  );
  return r.changes === 1;
}

export async function findByDeviceCodeHash(q: Queryable, hash: string): Promise<DeviceRow | undefined> {
  return row(await q.get<DeviceRow>(`SELECT ${COLUMNS} FROM device_authorizations WHERE device_code_hash = ?`, [hash]));
}

/** The pending, unexpired authorization of a (normalised) user code. */
export async function findPendingByUserCode(q: Queryable, userCode: string, now: number): Promise<DeviceRow | undefined> {
  return row(
    await q.get<DeviceRow>(`SELECT ${COLUMNS} FROM device_authorizations WHERE user_code = ? AND status = 'pending' AND expires_at > ?`, [
      userCode,
      now,
    ]),
  );
}

/**
 * Records a poll. When the previous one was less than the interval ago, the interval grows by
 * `stepS` (RFC 8628 §3.5 slow_down) in the same statement; returns whether it did.
 */
export async function recordPoll(q: Queryable, id: string, now: number, stepS: number): Promise<{ slowDown: boolean }> {
  const slowed = await q.run(
    `UPDATE device_authorizations SET interval_s = interval_s + ?, last_poll_at = ?
     WHERE id = ? AND last_poll_at IS NOT NULL AND last_poll_at + interval_s * 1000 > ?`,
    [stepS, now, id, now],
  );
  if (slowed.changes === 1) return { slowDown: true };
  await q.run('UPDATE device_authorizations SET last_poll_at = ? WHERE id = ?', [now, id]);
  return { slowDown: false };
}

/** Approves or denies a pending, unexpired authorization; true for exactly one caller. */
export async function decide(
  q: Queryable,
  d: { userCode: string; status: 'approved' | 'denied'; userId: string; sessionId: string; mfaVerified: boolean; now: number },
): Promise<boolean> {
  const r = await q.run(
    `UPDATE device_authorizations SET status = ?, user_id = ?, session_id = ?, mfa_verified = ?, decided_at = ?
     WHERE user_code = ? AND status = 'pending' AND expires_at > ?`,
    [d.status, d.userId, d.sessionId, d.mfaVerified ? 1 : 0, d.now, d.userCode, d.now],
  );
  return r.changes === 1;
}

/** Marks an approved, unexpired authorization redeemed: one atomic UPDATE, true for exactly one caller. */
export async function redeem(q: Queryable, id: string, now: number): Promise<boolean> {
  const r = await q.run("UPDATE device_authorizations SET status = 'redeemed' WHERE id = ? AND status = 'approved' AND expires_at > ?", [id, now]);
  return r.changes === 1;
}
