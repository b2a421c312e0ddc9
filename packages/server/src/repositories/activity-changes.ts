import type { Queryable } from '../db/db.js';

/** Whether any of the user's activities was stored or updated after `sinceMs` (the sync's own clock). */
export async function activitiesChangedSince(q: Queryable, userId: string, sinceMs: number): Promise<boolean> {
  const r = await q.get<{ one: number }>('SELECT 1 AS one FROM activities WHERE user_id = ? AND updated_at > ? LIMIT 1', [userId, sinceMs]);
  return r !== undefined;
}
