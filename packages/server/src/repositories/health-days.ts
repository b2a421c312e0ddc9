import { HEALTH_DAILY_FIELDS, type HealthDay } from '@fitsync/api';
import type { Queryable, SqlValue } from '../db/db.js';
import { userDayRange } from './day-range.js';

/** One day of health metrics (the API's HealthDay). */
export type HealthDayRecord = HealthDay;

const FIELDS = HEALTH_DAILY_FIELDS.filter((f) => f !== 'date');
const TEXT_FIELDS: ReadonlySet<string> = new Set(['sleep_start', 'sleep_end', 'hrv_status']);

/** Content hashes of the stored days among `days` (what the derived data of each day hashed to). */
export async function healthDayHashes(q: Queryable, userId: string, days: readonly string[]): Promise<Map<string, string | null>> {
  if (days.length === 0) return new Map();
  const rows = await q.all<{ day: string; content_hash: string | null }>(
    `SELECT day, content_hash FROM health_days WHERE user_id = ? AND day IN (${days.map(() => '?').join(', ')})`,
    [userId, ...days],
  );
  return new Map(rows.map((r) => [r.day, r.content_hash]));
}

/** Writes one day's row with the hash of everything derived for it. */
export async function putHealthDay(q: Queryable, userId: string, d: HealthDay, contentHash: string, now: number): Promise<void> {
  await q.run(
    `INSERT INTO health_days (user_id, day, ${FIELDS.join(', ')}, content_hash, updated_at)
     VALUES (?, ?, ${FIELDS.map(() => '?').join(', ')}, ?, ?)
     ON CONFLICT (user_id, day) DO UPDATE SET ${FIELDS.map((f) => `${f} = excluded.${f}`).join(', ')},
       content_hash = excluded.content_hash, updated_at = excluded.updated_at`,
    [userId, d.date, ...FIELDS.map((f) => d[f] as SqlValue), contentHash, now],
  );
}

/** Removes a day (it has no data any more). */
export async function deleteHealthDay(q: Queryable, userId: string, day: string): Promise<void> {
  await q.run('DELETE FROM health_days WHERE user_id = ? AND day = ?', [userId, day]);
}

/** Days in [since, until] (inclusive, YYYY-MM-DD), oldest first. */
export async function listHealthDays(q: Queryable, userId: string, since?: string, until?: string): Promise<HealthDayRecord[]> {
  const { where, params } = userDayRange(userId, since, until);
  const rows = await q.all<Record<string, unknown>>(
    `SELECT day, ${FIELDS.join(', ')} FROM health_days WHERE ${where} ORDER BY day`,
    params,
  );
  return rows.map((r) => {
    const out: Record<string, unknown> = { date: String(r.day) };
    for (const f of FIELDS) {
      const v = r[f];
      out[f] = v === null || v === undefined ? null : TEXT_FIELDS.has(f) ? String(v) : Number(v);
    }
    return out as HealthDayRecord;
  });
}
