import type { Queryable, SqlValue } from '../db/db.js';

/** One day of health metrics (the API's HealthDay). */
export interface HealthDayRecord {
  date: string;
  steps: number | null;
  distance_m: number | null;
  calories: number | null;
  resting_hr: number | null;
  avg_stress: number | null;
  body_battery_high: number | null;
  body_battery_low: number | null;
  sleep_s: number | null;
  weight_g: number | null;
}

const FIELDS = [
  'steps',
  'distance_m',
  'calories',
  'resting_hr',
  'avg_stress',
  'body_battery_high',
  'body_battery_low',
  'sleep_s',
  'weight_g',
] as const;

/** Upserts days; returns which were new, updated or unchanged (compares every field). */
export async function upsertHealthDays(
  q: Queryable,
  userId: string,
  days: readonly HealthDayRecord[],
  now: number,
): Promise<{ new: number; updated: number; unchanged: number }> {
  const counts = { new: 0, updated: 0, unchanged: 0 };
  if (days.length === 0) return counts;
  const existing = new Map<string, Record<string, unknown>>();
  const rows = await q.all<Record<string, unknown>>(
    `SELECT day, ${FIELDS.join(', ')} FROM health_days WHERE user_id = ? AND day IN (${days.map(() => '?').join(', ')})`,
    [userId, ...days.map((d) => d.date)],
  );
  for (const r of rows) existing.set(String(r.day), r);
  for (const d of days) {
    const old = existing.get(d.date);
    if (old && FIELDS.every((f) => numOrNull(old[f]) === d[f])) {
      counts.unchanged++;
      continue;
    }
    counts[old ? 'updated' : 'new']++;
    await q.run(
      `INSERT INTO health_days (user_id, day, ${FIELDS.join(', ')}, updated_at) VALUES (?, ?, ${FIELDS.map(() => '?').join(', ')}, ?)
       ON CONFLICT (user_id, day) DO UPDATE SET ${FIELDS.map((f) => `${f} = excluded.${f}`).join(', ')}, updated_at = excluded.updated_at`,
      [userId, d.date, ...FIELDS.map((f) => d[f] as SqlValue), now],
    );
  }
  return counts;
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** Days in [since, until] (inclusive, YYYY-MM-DD), oldest first. */
export async function listHealthDays(q: Queryable, userId: string, since?: string, until?: string): Promise<HealthDayRecord[]> {
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
  const rows = await q.all<Record<string, unknown>>(
    `SELECT day, ${FIELDS.join(', ')} FROM health_days WHERE ${where.join(' AND ')} ORDER BY day`,
    params,
  );
  return rows.map((r) => {
    const out = { date: String(r.day) } as HealthDayRecord;
    for (const f of FIELDS) out[f] = numOrNull(r[f]);
    return out;
  });
}
