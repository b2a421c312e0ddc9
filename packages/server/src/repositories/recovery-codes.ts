import type { Queryable } from '../db/db.js';

export async function replaceRecoveryCodes(
  q: Queryable,
  userId: string,
  codes: readonly { id: string; hash: string }[],
  now: number,
): Promise<void> {
  await q.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
  for (const c of codes) {
    await q.run('INSERT INTO recovery_codes (id, user_id, code_hash, created_at) VALUES (?, ?, ?, ?)', [c.id, userId, c.hash, now]);
  }
}

/** Spends an unused recovery code; true for exactly one caller. */
export async function useRecoveryCode(q: Queryable, userId: string, hash: string, now: number): Promise<boolean> {
  const r = await q.run('UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL', [
    now,
    userId,
    hash,
  ]);
  return r.changes === 1;
}

export async function deleteRecoveryCodes(q: Queryable, userId: string): Promise<void> {
  await q.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
}

export async function countUnusedRecoveryCodes(q: Queryable, userId: string): Promise<number> {
  const row = await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL', [userId]);
  return Number(row?.n ?? 0);
}
