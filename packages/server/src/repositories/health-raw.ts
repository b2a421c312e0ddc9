import type { Queryable } from '../db/db.js';

/** One row of the per-user index of raw answers: which answer (by hash) holds a source's period. */
export interface RawIndexRow {
  source: string;
  period: string;
  sha256: string;
  fetched_at: number;
  first_day: string;
  last_day: string;
}

/** Records (or replaces) the answer of `source` for `period` (a date, or `start..end`). */
export async function recordRaw(
  q: Queryable,
  userId: string,
  row: { source: string; period: string; sha256: string; first: string; last: string },
  now: number,
): Promise<void> {
  await q.run(
    `INSERT INTO health_raw (user_id, source, period, sha256, fetched_at, first_day, last_day) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id, source, period) DO UPDATE SET sha256 = excluded.sha256, fetched_at = excluded.fetched_at,
       first_day = excluded.first_day, last_day = excluded.last_day`,
    [userId, row.source, row.period, row.sha256, now, row.first, row.last],
  );
}

/** Forgets a day's per-day answers except `keep` (a re-read day asked fewer sources than before). */
export async function forgetDayAnswers(q: Queryable, userId: string, day: string, sources: readonly string[], keep: readonly string[]) {
  const drop = sources.filter((s) => !keep.includes(s));
  if (drop.length === 0) return;
  await q.run(`DELETE FROM health_raw WHERE user_id = ? AND period = ? AND source IN (${drop.map(() => '?').join(', ')})`, [
    userId,
    day,
    ...drop,
  ]);
}

/** Hashes of the stored answers of `source` for the given days (period = the day). */
export async function hashesOf(q: Queryable, userId: string, source: string, days: readonly string[]): Promise<Map<string, string>> {
  if (days.length === 0) return new Map();
  const rows = await q.all<{ period: string; sha256: string }>(
    `SELECT period, sha256 FROM health_raw WHERE user_id = ? AND source = ? AND period IN (${days.map(() => '?').join(', ')})`,
    [userId, source, ...days],
  );
  return new Map(rows.map((r) => [r.period, r.sha256]));
}

/** Index rows overlapping [first, last], oldest fetch first (later answers about a day win). */
export async function rawOverlapping(q: Queryable, userId: string, first: string, last: string): Promise<RawIndexRow[]> {
  const rows = await q.all<RawIndexRow>(
    `SELECT source, period, sha256, fetched_at, first_day, last_day FROM health_raw
     WHERE user_id = ? AND first_day <= ? AND last_day >= ? ORDER BY fetched_at, period`,
    [userId, last, first],
  );
  return rows.map((r) => ({ ...r, fetched_at: Number(r.fetched_at) }));
}

/** The first and last day any stored answer of the user covers, or null when there is none. */
export async function rawDayBounds(q: Queryable, userId: string): Promise<{ first: string; last: string } | null> {
  const r = await q.get<{ first: string | null; last: string | null }>(
    'SELECT MIN(first_day) AS first, MAX(last_day) AS last FROM health_raw WHERE user_id = ?',
    [userId],
  );
  return r?.first && r.last ? { first: r.first, last: r.last } : null;
}
