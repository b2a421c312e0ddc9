import type { Device, Lap, RecordField } from '@fitsync/api';
import type { DecodedFit } from '../activities/decoded-fit.js';
import type { Queryable, SqlValue } from '../db/db.js';

/** A decoded FIT file to store for an activity (the file it came from, by hash). */
export interface DecodedRow {
  activityId: string;
  fitSha256: string;
  decoded: DecodedFit;
}

/** What the detail route reads: the decoded file without its records blob. */
export type DecodedMeta = Omit<DecodedFit, 'records'>;

const COLS =
  'user_id, activity_id, fit_sha256, decoder_version, decode_error, sport, sub_sport, device_json, laps_json, record_count, record_fields, records';
const ROW = `(${COLS.split(',').map(() => '?').join(', ')})`;
/** Rows per INSERT (each carries a records blob of a few kB). */
const ROWS_PER_STATEMENT = 25;

/** Stores decoded files, replacing what an activity had (call in the transaction that stores its row). */
export async function upsertDecoded(q: Queryable, userId: string, rows: readonly DecodedRow[]): Promise<void> {
  const unique = [...new Map(rows.map((r) => [r.activityId, r])).values()];
  for (let i = 0; i < unique.length; i += ROWS_PER_STATEMENT) {
    const part = unique.slice(i, i + ROWS_PER_STATEMENT);
    const params: SqlValue[] = [];
    for (const { activityId, fitSha256, decoded: d } of part) {
      params.push(
        userId,
        activityId,
        fitSha256,
        d.decoderVersion,
        d.error,
        d.sport,
        d.subSport,
        d.device ? JSON.stringify(d.device) : null,
        JSON.stringify(d.laps),
        d.recordCount,
        d.recordFields.join(','),
        d.records,
      );
    }
    await q.run(
      `INSERT INTO activity_decoded (${COLS}) VALUES ${part.map(() => ROW).join(', ')}
       ON CONFLICT (user_id, activity_id) DO UPDATE SET fit_sha256 = excluded.fit_sha256,
         decoder_version = excluded.decoder_version, decode_error = excluded.decode_error, sport = excluded.sport,
         sub_sport = excluded.sub_sport, device_json = excluded.device_json, laps_json = excluded.laps_json,
         record_count = excluded.record_count, record_fields = excluded.record_fields, records = excluded.records`,
      params,
    );
  }
}

interface MetaRow {
  decoder_version: number;
  decode_error: string | null;
  sport: string | null;
  sub_sport: string | null;
  device_json: string | null;
  laps_json: string;
  record_count: number | null;
  record_fields: string;
}

/** The decoded data of an activity's current FIT file, without the records; undefined when not decoded. */
export async function findDecodedMeta(q: Queryable, userId: string, activityId: string): Promise<DecodedMeta | undefined> {
  const r = await q.get<MetaRow>(
    `SELECT d.decoder_version, d.decode_error, d.sport, d.sub_sport, d.device_json, d.laps_json, d.record_count, d.record_fields
     FROM activity_decoded d JOIN activities a ON a.user_id = d.user_id AND a.activity_id = d.activity_id AND a.fit_sha256 = d.fit_sha256
     WHERE d.user_id = ? AND d.activity_id = ?`,
    [userId, activityId],
  );
  if (!r) return undefined;
  return {
    decoderVersion: Number(r.decoder_version),
    error: r.decode_error,
    sport: r.sport,
    subSport: r.sub_sport,
    device: r.device_json ? (JSON.parse(r.device_json) as Device) : null,
    laps: JSON.parse(r.laps_json) as Lap[],
    recordCount: r.record_count === null ? null : Number(r.record_count),
    recordFields: r.record_fields === '' ? [] : (r.record_fields.split(',') as RecordField[]),
  };
}

/** The encoded records of an activity's current FIT file (null when it could not be decoded); undefined when not decoded. */
export async function findDecodedRecords(
  q: Queryable,
  userId: string,
  activityId: string,
): Promise<{ records: Buffer | null; decodeError: string | null } | undefined> {
  const r = await q.get<{ records: Buffer | null; decode_error: string | null }>(
    `SELECT d.records, d.decode_error
     FROM activity_decoded d JOIN activities a ON a.user_id = d.user_id AND a.activity_id = d.activity_id AND a.fit_sha256 = d.fit_sha256
     WHERE d.user_id = ? AND d.activity_id = ?`,
    [userId, activityId],
  );
  return r && { records: r.records, decodeError: r.decode_error };
}

/**
 * Up to `limit` of the user's activities with a stored FIT file that is not decoded, decoded from
 * another file, or decoded by an older decoder; after `afterId` in id order (a rebuild's cursor).
 */
export function undecodedActivities(
  q: Queryable,
  userId: string,
  decoderVersion: number,
  afterId: string,
  limit: number,
): Promise<{ activity_id: string; fit_sha256: string; decoded: number }[]> {
  return q.all(
    `SELECT a.activity_id, a.fit_sha256, CASE WHEN d.activity_id IS NULL THEN 0 ELSE 1 END AS decoded
     FROM activities a LEFT JOIN activity_decoded d ON d.user_id = a.user_id AND d.activity_id = a.activity_id
     WHERE a.user_id = ? AND a.fit_sha256 IS NOT NULL AND a.activity_id > ?
       AND (d.activity_id IS NULL OR d.fit_sha256 <> a.fit_sha256 OR d.decoder_version < ?)
     ORDER BY a.activity_id LIMIT ?`,
    [userId, afterId, decoderVersion, limit],
  );
}

/** How many of the user's activities have a stored FIT file. */
export async function countFitActivities(q: Queryable, userId: string): Promise<number> {
  const r = await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM activities WHERE user_id = ? AND fit_sha256 IS NOT NULL', [userId]);
  return Number(r?.n ?? 0);
}
