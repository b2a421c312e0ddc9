import type { Queryable } from '../db/db.js';
import { replaceUserRows } from './user-snapshot.js';

/** A personal record as stored (label and unit are looked up when read: they are our reading of typeId). */
export interface PersonalRecordRow {
  record_id: string;
  type_id: number;
  value: number | null;
  activity_id: string | null;
  activity_name: string | null;
  activity_type: string | null;
  /** When the record was set, ISO-8601 UTC. */
  set_at: string | null;
}

const PR_COLS = ['record_id', 'position', 'type_id', 'value', 'activity_id', 'activity_name', 'activity_type', 'set_at', 'raw_json', 'fetched_at'];

/** Replaces the user's personal records (a snapshot). Call inside a transaction. */
export async function replacePersonalRecords(
  q: Queryable,
  userId: string,
  records: readonly (PersonalRecordRow & { rawJson: string })[],
  now: number,
): Promise<void> {
  const rows = records.map((r, i) => [r.record_id, i, r.type_id, r.value, r.activity_id, r.activity_name, r.activity_type, r.set_at, r.rawJson, now]);
  await replaceUserRows(q, 'personal_records', PR_COLS, userId, rows);
}

/** The user's personal records in Garmin's order. */
export async function listPersonalRecords(q: Queryable, userId: string): Promise<PersonalRecordRow[]> {
  const rows = await q.all<PersonalRecordRow>(
    `SELECT record_id, type_id, value, activity_id, activity_name, activity_type, set_at
     FROM personal_records WHERE user_id = ? ORDER BY position`,
    [userId],
  );
  return rows.map((r) => ({ ...r, type_id: Number(r.type_id), value: r.value === null ? null : Number(r.value) }));
}
