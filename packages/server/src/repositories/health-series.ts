import type { Queryable } from '../db/db.js';

/** Replaces a day's series with `series` (encoded points; a metric absent = no points that day). */
export async function replaceDaySeries(
  q: Queryable,
  userId: string,
  day: string,
  series: readonly { metric: string; count: number; points: Buffer }[],
): Promise<void> {
  await q.run('DELETE FROM health_series WHERE user_id = ? AND day = ?', [userId, day]);
  for (const s of series) {
    await q.run('INSERT INTO health_series (user_id, metric, day, count, points) VALUES (?, ?, ?, ?, ?)', [
      userId,
      s.metric,
      day,
      s.count,
      s.points,
    ]);
  }
}

/** One day's encoded points of a metric, or undefined. */
export async function getSeries(q: Queryable, userId: string, metric: string, day: string): Promise<Uint8Array | undefined> {
  const r = await q.get<{ points: Uint8Array }>('SELECT points FROM health_series WHERE user_id = ? AND metric = ? AND day = ?', [
    userId,
    metric,
    day,
  ]);
  return r?.points;
}

/** The latest day holding points of `metric`, or null. */
export async function latestSeriesDay(q: Queryable, userId: string, metric: string): Promise<string | null> {
  const r = await q.get<{ day: string | null }>('SELECT MAX(day) AS day FROM health_series WHERE user_id = ? AND metric = ?', [
    userId,
    metric,
  ]);
  return r?.day ?? null;
}

/** Point counts per day and metric (tests compare them with the sim's truth; the bench sums bytes). */
export async function seriesCounts(q: Queryable, userId: string): Promise<{ day: string; metric: string; count: number; bytes: number }[]> {
  const rows = await q.all<{ day: string; metric: string; count: number; points: Uint8Array }>(
    'SELECT day, metric, count, points FROM health_series WHERE user_id = ? ORDER BY day, metric',
    [userId],
  );
  return rows.map((r) => ({ day: r.day, metric: r.metric, count: Number(r.count), bytes: r.points.length }));
}
