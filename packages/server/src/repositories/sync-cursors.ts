import type { Queryable } from '../db/db.js';

/** Cursor keys: one per user and data kind (its name), plus cached Garmin facts the sync needs. */
export type CursorKey = string;

export async function getCursor(q: Queryable, userId: string, key: CursorKey): Promise<string | undefined> {
  const r = await q.get<{ cursor_value: string }>('SELECT cursor_value FROM sync_cursors WHERE user_id = ? AND cursor_key = ?', [
    userId,
    key,
  ]);
  return r?.cursor_value;
}

/** Upserts a cursor; call it in the transaction that stores the data it vouches for. */
export async function setCursor(q: Queryable, userId: string, key: CursorKey, value: string, now: number): Promise<void> {
  await q.run(
    `INSERT INTO sync_cursors (user_id, cursor_key, cursor_value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, cursor_key) DO UPDATE SET cursor_value = excluded.cursor_value, updated_at = excluded.updated_at`,
    [userId, key, value, now],
  );
}
