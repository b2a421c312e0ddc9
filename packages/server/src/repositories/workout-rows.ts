import type { Queryable } from '../db/db.js';

export interface WorkoutRecord {
  workoutId: string;
  name: string | null;
  sport: string | null;
  garminUpdatedAt: string | null;
  summaryJson: string;
}

/** Upserts workouts; returns new/updated/unchanged counts (unchanged: same summary JSON). */
export async function upsertWorkouts(
  q: Queryable,
  userId: string,
  list: readonly WorkoutRecord[],
  now: number,
): Promise<{ new: number; updated: number; unchanged: number }> {
  const counts = { new: 0, updated: 0, unchanged: 0 };
  if (list.length === 0) return counts;
  const rows = await q.all<{ workout_id: string; summary_json: string }>(
    `SELECT workout_id, summary_json FROM workouts WHERE user_id = ? AND workout_id IN (${list.map(() => '?').join(', ')})`,
    [userId, ...list.map((w) => w.workoutId)],
  );
  const old = new Map(rows.map((r) => [r.workout_id, r.summary_json]));
  for (const w of list) {
    const prev = old.get(w.workoutId);
    if (prev === w.summaryJson) {
      counts.unchanged++;
      continue;
    }
    counts[prev === undefined ? 'new' : 'updated']++;
    await q.run(
      `INSERT INTO workouts (user_id, workout_id, name, sport, garmin_updated_at, summary_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, workout_id) DO UPDATE SET name = excluded.name, sport = excluded.sport,
         garmin_updated_at = excluded.garmin_updated_at, summary_json = excluded.summary_json, updated_at = excluded.updated_at`,
      [userId, w.workoutId, w.name, w.sport, w.garminUpdatedAt, w.summaryJson, now],
    );
  }
  return counts;
}

export function listWorkouts(
  q: Queryable,
  userId: string,
): Promise<{ workout_id: string; name: string | null; sport: string | null; garmin_updated_at: string | null }[]> {
  return q.all(
    'SELECT workout_id, name, sport, garmin_updated_at FROM workouts WHERE user_id = ? ORDER BY garmin_updated_at DESC, workout_id DESC',
    [userId],
  );
}

/**
 * Inserts workouts not stored yet and replaces stored ones only when `garminUpdatedAt` is later
 * (an import must not undo what a sync stored of the same edit); others count as unchanged.
 */
export async function insertOrNewerWorkouts(
  q: Queryable,
  userId: string,
  list: readonly WorkoutRecord[],
  now: number,
): Promise<{ new: number; updated: number; unchanged: number }> {
  const counts = { new: 0, updated: 0, unchanged: 0 };
  if (list.length === 0) return counts;
  const rows = await q.all<{ workout_id: string; garmin_updated_at: string | null }>(
    `SELECT workout_id, garmin_updated_at FROM workouts WHERE user_id = ? AND workout_id IN (${list.map(() => '?').join(', ')})`,
    [userId, ...list.map((w) => w.workoutId)],
  );
  const stored = new Map(rows.map((r) => [r.workout_id, r.garmin_updated_at]));
  const newer = list.filter((w) => {
    if (!stored.has(w.workoutId)) return true;
    const at = stored.get(w.workoutId);
    return w.garminUpdatedAt !== null && (at === null || at === undefined || Date.parse(w.garminUpdatedAt) > Date.parse(at));
  });
  const c = await upsertWorkouts(q, userId, newer, now);
  return { new: c.new, updated: c.updated, unchanged: c.unchanged + list.length - newer.length };
}
