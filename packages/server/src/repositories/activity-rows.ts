import type { Queryable, SqlValue } from '../db/db.js';

/** What the sync stores per activity (summary columns parsed from Garmin's list item). */
export interface ActivityRecord {
  activityId: string;
  name: string | null;
  activityType: string | null;
  startTime: string;
  startMs: number;
  durationS: number | null;
  distanceM: number | null;
  calories: number | null;
  avgHr: number | null;
  fitSha256: string | null;
  fitSize: number | null;
  summaryHash: string;
  summaryJson: string;
}

/** A stored activity as the read API returns it. */
export interface ActivityRow {
  activity_id: string;
  name: string | null;
  activity_type: string | null;
  start_time: string;
  start_ms: number;
  duration_s: number | null;
  distance_m: number | null;
  calories: number | null;
  avg_hr: number | null;
  fit_sha256: string | null;
  /** From the decoded data of the activity's current FIT file (null when decoded fine or not yet). */
  decode_error: string | null;
}

const ACTIVITY_COLS =
  'user_id, activity_id, name, activity_type, start_time, start_ms, duration_s, distance_m, calories, avg_hr, fit_sha256, ' +
  'fit_size, summary_hash, summary_json, created_at, updated_at';
const ACTIVITY_ROW = `(${ACTIVITY_COLS.split(',').map(() => '?').join(', ')})`;
/** Rows per INSERT: one statement per batch keeps SQLite's prepare cost off the per-item path. */
const ROWS_PER_STATEMENT = 50;

/** Upserts activities, several rows per statement (call inside a transaction for a batch). */
export async function upsertActivities(q: Queryable, userId: string, rows: readonly ActivityRecord[], now: number): Promise<void> {
  // One statement must not touch a row twice (PostgreSQL refuses): the last version of an id wins.
  const unique = [...new Map(rows.map((r) => [r.activityId, r])).values()];
  for (let i = 0; i < unique.length; i += ROWS_PER_STATEMENT) {
    const part = unique.slice(i, i + ROWS_PER_STATEMENT);
    const params: SqlValue[] = [];
    for (const a of part) {
      params.push(
        userId,
        a.activityId,
        a.name,
        a.activityType,
        a.startTime,
        a.startMs,
        a.durationS,
        a.distanceM,
        a.calories,
        a.avgHr,
        a.fitSha256,
        a.fitSize,
        a.summaryHash,
        a.summaryJson,
        now,
        now,
      );
    }
    await q.run(
      `INSERT INTO activities (${ACTIVITY_COLS}) VALUES ${part.map(() => ACTIVITY_ROW).join(', ')}
       ON CONFLICT (user_id, activity_id) DO UPDATE SET name = excluded.name, activity_type = excluded.activity_type,
         start_time = excluded.start_time, start_ms = excluded.start_ms, duration_s = excluded.duration_s,
         distance_m = excluded.distance_m, calories = excluded.calories, avg_hr = excluded.avg_hr,
         fit_sha256 = COALESCE(excluded.fit_sha256, activities.fit_sha256), fit_size = COALESCE(excluded.fit_size, activities.fit_size),
         summary_hash = excluded.summary_hash, summary_json = excluded.summary_json, updated_at = excluded.updated_at`,
      params,
    );
  }
}

/** What the sync needs to decide whether an activity is unchanged: keyed by activity id. */
export async function knownActivities(
  q: Queryable,
  userId: string,
  ids: readonly string[],
): Promise<Map<string, { fitSha256: string | null; summaryHash: string }>> {
  const out = new Map<string, { fitSha256: string | null; summaryHash: string }>();
  if (ids.length === 0) return out;
  const rows = await q.all<{ activity_id: string; fit_sha256: string | null; summary_hash: string }>(
    `SELECT activity_id, fit_sha256, summary_hash FROM activities WHERE user_id = ? AND activity_id IN (${ids.map(() => '?').join(', ')})`,
    [userId, ...ids],
  );
  for (const r of rows) out.set(r.activity_id, { fitSha256: r.fit_sha256, summaryHash: r.summary_hash });
  return out;
}

/** Newest first, keyset-paged on (start_ms, activity_id); `sinceMs`/`untilMs` bound the start time. */
export function listActivities(
  q: Queryable,
  userId: string,
  opts: { sinceMs?: number; untilMs?: number; limit: number; before?: { startMs: number; activityId: string } },
): Promise<ActivityRow[]> {
  const where = ['a.user_id = ?'];
  const params: SqlValue[] = [userId];
  if (opts.sinceMs !== undefined) {
    where.push('a.start_ms >= ?');
    params.push(opts.sinceMs);
  }
  if (opts.untilMs !== undefined) {
    where.push('a.start_ms < ?');
    params.push(opts.untilMs);
  }
  if (opts.before) {
    where.push('(a.start_ms < ? OR (a.start_ms = ? AND a.activity_id < ?))');
    params.push(opts.before.startMs, opts.before.startMs, opts.before.activityId);
  }
  params.push(opts.limit);
  return q.all<ActivityRow>(
    `SELECT ${LIST_COLS} FROM activities a ${DECODED_JOIN}
     WHERE ${where.join(' AND ')} ORDER BY a.start_ms DESC, a.activity_id DESC LIMIT ?`,
    params,
  );
}

/** One activity as the list shows it; undefined when the user has no such activity. */
export function findActivity(q: Queryable, userId: string, activityId: string): Promise<ActivityRow | undefined> {
  return q.get<ActivityRow>(`SELECT ${LIST_COLS} FROM activities a ${DECODED_JOIN} WHERE a.user_id = ? AND a.activity_id = ?`, [
    userId,
    activityId,
  ]);
}

const LIST_COLS =
  'a.activity_id, a.name, a.activity_type, a.start_time, a.start_ms, a.duration_s, a.distance_m, a.calories, a.avg_hr, a.fit_sha256, d.decode_error';
// Decoded data of another file (a re-downloaded activity before its decode is stored) does not count.
const DECODED_JOIN = 'LEFT JOIN activity_decoded d ON d.user_id = a.user_id AND d.activity_id = a.activity_id AND d.fit_sha256 = a.fit_sha256';

export async function findActivityFit(q: Queryable, userId: string, activityId: string): Promise<{ fit_sha256: string | null } | undefined> {
  return q.get<{ fit_sha256: string | null }>('SELECT fit_sha256 FROM activities WHERE user_id = ? AND activity_id = ?', [
    userId,
    activityId,
  ]);
}

/** Local-date bounds help nothing here: the newest stored start, for the incremental cursor. */
export async function newestActivityStart(q: Queryable, userId: string): Promise<number | undefined> {
  const r = await q.get<{ m: number | null }>('SELECT MAX(start_ms) AS m FROM activities WHERE user_id = ?', [userId]);
  return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
}
