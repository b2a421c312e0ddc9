import type { Queryable, SqlValue } from '../db/db.js';

/**
 * Replaces all rows of a user in `table` with `rows` (each the values of `columns` after
 * user_id, in order): a snapshot of what Garmin holds now. Call inside a transaction.
 */
export async function replaceUserRows(
  q: Queryable,
  table: 'gear' | 'personal_records',
  columns: readonly string[],
  userId: string,
  rows: readonly (readonly SqlValue[])[],
): Promise<void> {
  await q.run(`DELETE FROM ${table} WHERE user_id = ?`, [userId]);
  const sql = `INSERT INTO ${table} (user_id, ${columns.join(', ')}) VALUES (?${', ?'.repeat(columns.length)})`;
  for (const row of rows) await q.run(sql, [userId, ...row]);
}
