import { type ActivityDetail, type ActivityRecords, RECORD_FIELDS, type RecordField } from '@fitsync/api';
import type { Queryable } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import { findDecodedMeta, findDecodedRecords, upsertDecoded } from '../repositories/activity-decoded.js';
import { findActivity } from '../repositories/activity-rows.js';
import type { ActivityReader } from './activity-reader.js';
import { activityView } from './activity-view.js';
import type { FitBlobs } from '../blobs/blob-store.js';
import type { FitDecodePool } from './decode-pool.js';
import { decodeRecords } from './records-codec.js';

const ACTIVITY_ID = /^\d{1,20}$/;

/**
 * Decoded activities as stored by the sync (and `rebuild`): the ActivityReader the routes and exports
 * use. Given the FIT store and the decoder, a stored file not decoded yet (an import leaves that to
 * the decode backlog) is decoded on the spot when it is read, and the decode stored.
 */
export class ActivityStore implements ActivityReader {
  constructor(private readonly d: { db: Queryable; fitStore?: FitBlobs; decoder?: FitDecodePool }) {}

  async detail(userId: string, activityId: string): Promise<ActivityDetail> {
    const row = ACTIVITY_ID.test(activityId) ? await findActivity(this.d.db, userId, activityId) : undefined;
    if (!row) throw notFound(activityId);
    let meta = row.fit_sha256 ? await findDecodedMeta(this.d.db, userId, activityId) : undefined;
    if (!meta && row.fit_sha256 && (await this.decodeNow(userId, activityId, row.fit_sha256))) {
      meta = await findDecodedMeta(this.d.db, userId, activityId);
    }
    return {
      ...activityView(row),
      sport: meta?.sport ?? null,
      sub_sport: meta?.subSport ?? null,
      device: meta?.device ?? null,
      laps: meta?.laps ?? [],
      record_count: meta?.recordCount ?? null,
      record_fields: meta?.recordFields ?? [],
    };
  }

  async records(userId: string, activityId: string, fields: readonly RecordField[]): Promise<ActivityRecords> {
    if (!ACTIVITY_ID.test(activityId)) throw notFound(activityId);
    let found = await findDecodedRecords(this.d.db, userId, activityId);
    if (!found) {
      const row = await findActivity(this.d.db, userId, activityId);
      if (row?.fit_sha256 && (await this.decodeNow(userId, activityId, row.fit_sha256))) {
        found = await findDecodedRecords(this.d.db, userId, activityId);
      }
    }
    if (!found) {
      const row = await findActivity(this.d.db, userId, activityId);
      if (!row) throw notFound(activityId);
      if (!row.fit_sha256) throw new ApiError(422, 'decode_error', `Activity ${activityId} has no stored FIT file.`);
      throw new ApiError(422, 'decode_error', `Activity ${activityId}: its FIT file is not decoded yet (run \`fitsync-server rebuild\`).`);
    }
    if (!found.records) {
      throw new ApiError(422, 'decode_error', `Activity ${activityId}: its FIT file could not be decoded: ${found.decodeError ?? 'unknown reason'}.`);
    }
    const { count, columns } = decodeRecords(found.records);
    const cols = fields.map((f) => columns[f]);
    const points: (number | null)[][] = new Array(count);
    for (let i = 0; i < count; i++) points[i] = cols.map((c) => c[i]!);
    return { fields: [...fields], points };
  }

  /** Decodes a stored file now and stores the decode; false without a decoder or when the file is missing. */
  private async decodeNow(userId: string, activityId: string, fitSha256: string): Promise<boolean> {
    const { fitStore, decoder, db } = this.d;
    if (!fitStore || !decoder) return false;
    const bytes = await fitStore.read(fitSha256).catch(() => null);
    if (!bytes) return false;
    const decoded = await decoder.decode(bytes);
    await upsertDecoded(db, userId, [{ activityId, fitSha256, decoded }]);
    return true;
  }
}

function notFound(activityId: string): ApiError {
  return new ApiError(404, 'not_found', `No activity ${activityId}.`);
}

/** Parses `?fields=` (comma-separated RECORD_FIELDS; default all); 400 naming an unknown or repeated field. */
export function parseRecordFields(raw: string | undefined): RecordField[] {
  if (raw === undefined) return [...RECORD_FIELDS];
  const out: RecordField[] = [];
  for (const part of raw.split(',')) {
    const f = part.trim();
    let message: string | undefined;
    if (!(RECORD_FIELDS as readonly string[]).includes(f)) message = `unknown field ${JSON.stringify(f)}; fields are ${RECORD_FIELDS.join(', ')}`;
    else if (out.includes(f as RecordField)) message = `field ${f} is asked for twice`;
    if (message) throw new ApiError(400, 'validation_error', `fields: ${message}.`, { errors: [{ path: 'querystring/fields', message }] });
    out.push(f as RecordField);
  }
  return out;
}
