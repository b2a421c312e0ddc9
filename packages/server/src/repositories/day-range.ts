import type { SqlValue } from '../db/db.js';

/** `WHERE` text and parameters for a user's rows whose `day` lies in [since, until] (each optional). */
export function userDayRange(userId: string, since?: string, until?: string): { where: string; params: SqlValue[] } {
  const where = ['user_id = ?'];
  const params: SqlValue[] = [userId];
  if (since) {
    where.push('day >= ?');
    params.push(since);
  }
  if (until) {
    where.push('day <= ?');
    params.push(until);
  }
  return { where: where.join(' AND '), params };
}
