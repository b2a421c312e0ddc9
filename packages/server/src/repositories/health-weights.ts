import type { Queryable, SqlValue } from '../db/db.js';
import { userDayRange } from './day-range.js';
import type { WeightRecord } from '../health/derive-health.js';

const COLS = ['day', 'time_ms', 'weight_g', 'bmi', 'body_fat_pct', 'body_water_pct', 'bone_mass_g', 'muscle_mass_g', 'source'] as const;

/** Replaces a day's weigh-ins (upsert by Garmin's samplePk; entries gone from Garmin are removed). */
export async function replaceDayWeights(q: Queryable, userId: string, day: string, weights: readonly WeightRecord[]): Promise<void> {
  const keep = weights.map((w) => w.sample_pk);
  await q.run(
    `DELETE FROM health_weights WHERE user_id = ? AND day = ?${keep.length ? ` AND sample_pk NOT IN (${keep.map(() => '?').join(', ')})` : ''}`,
    [userId, day, ...keep],
  );
  for (const w of weights) {
    const values: SqlValue[] = [w.date, w.time_ms, w.weight_g, w.bmi, w.body_fat_pct, w.body_water_pct, w.bone_mass_g, w.muscle_mass_g, w.source];
    await q.run(
      `INSERT INTO health_weights (user_id, sample_pk, ${COLS.join(', ')}) VALUES (?, ?, ${COLS.map(() => '?').join(', ')})
       ON CONFLICT (user_id, sample_pk) DO UPDATE SET ${COLS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      [userId, w.sample_pk, ...values],
    );
  }
}

/** Weigh-ins with day in [since, until], oldest first. */
export async function listWeights(q: Queryable, userId: string, since?: string, until?: string): Promise<WeightRecord[]> {
  const { where, params } = userDayRange(userId, since, until);
  const rows = await q.all<Record<string, unknown>>(
    `SELECT sample_pk, ${COLS.join(', ')} FROM health_weights WHERE ${where} ORDER BY time_ms, sample_pk`,
    params,
  );
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    sample_pk: String(r.sample_pk),
    date: String(r.day),
    time_ms: Number(r.time_ms),
    weight_g: Number(r.weight_g),
    bmi: n(r.bmi),
    body_fat_pct: n(r.body_fat_pct),
    body_water_pct: n(r.body_water_pct),
    bone_mass_g: n(r.bone_mass_g),
    muscle_mass_g: n(r.muscle_mass_g),
    source: r.source === null || r.source === undefined ? null : String(r.source),
  }));
}
