import type { Queryable } from '../db/db.js';

export interface TotpRow {
  user_id: string;
  secret_enc: string;
  confirmed_at: number | null;
  last_used_step: number | null;
}

export function findTotp(q: Queryable, userId: string): Promise<TotpRow | undefined> {
  return q.get<TotpRow>('SELECT user_id, secret_enc, confirmed_at, last_used_step FROM totp_credentials WHERE user_id = ?', [userId]);
}

/** Stores a new pending (unconfirmed) secret, replacing an earlier pending one. Never replaces a confirmed one. */
export async function putPendingTotp(q: Queryable, userId: string, secretEnc: string, now: number): Promise<boolean> {
  const r = await q.run(
    `INSERT INTO totp_credentials (user_id, secret_enc, created_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET secret_enc = excluded.secret_enc, created_at = excluded.created_at, last_used_step = NULL
     WHERE totp_credentials.confirmed_at IS NULL`,
    [userId, secretEnc, now],
  );
  return r.changes === 1;
}

/**
 * Records that `step` was used, only if it is later than every step used before (RFC 6238 §5.2:
 * a verified OTP must not be accepted again). The conditional UPDATE makes concurrent submissions
 * of one code race for a single row: exactly one wins. `confirmed` selects the confirmed or the
 * pending credential.
 */
export async function useTotpStep(q: Queryable, userId: string, step: number, confirmed: boolean): Promise<boolean> {
  const r = await q.run(
    `UPDATE totp_credentials SET last_used_step = ?
     WHERE user_id = ? AND (last_used_step IS NULL OR last_used_step < ?) AND confirmed_at IS ${confirmed ? 'NOT NULL' : 'NULL'}`,
    [step, userId, step],
  );
  return r.changes === 1;
}

export async function confirmTotp(q: Queryable, userId: string, now: number): Promise<boolean> {
  const r = await q.run('UPDATE totp_credentials SET confirmed_at = ? WHERE user_id = ? AND confirmed_at IS NULL', [now, userId]);
  return r.changes === 1;
}

export async function deleteTotp(q: Queryable, userId: string): Promise<number> {
  return (await q.run('DELETE FROM totp_credentials WHERE user_id = ?', [userId])).changes;
}
