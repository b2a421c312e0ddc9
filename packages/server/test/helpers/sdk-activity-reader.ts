import { readFile } from 'node:fs/promises';
import type { ActivityDetail, ActivityRecords, Lap, RecordField } from '@fitsync/api';
import { Decoder, Stream } from '@garmin/fitsdk';
import type { ActivityReader } from '../../src/activities/activity-reader.js';
import type { Db } from '../../src/db/db.js';
import { ApiError } from '../../src/http/api-error.js';

// The parts of the SDK's messages read here (it types them loosely).
type Msg = Record<string, unknown>;
interface Messages {
  recordMesgs?: Msg[];
  lapMesgs?: Msg[];
  sessionMesgs?: Msg[];
  fileIdMesgs?: Msg[];
}

const DEG = 180 / 2 ** 31;
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(0).toISOString());

/** The SDK's decode of a FIT file: the messages, or the reason it was refused. */
export function sdkDecode(bytes: Buffer): { messages: Messages; error: string | null } {
  const stream = Stream.fromBuffer(bytes);
  if (!Decoder.isFIT(stream)) return { messages: {}, error: 'not a FIT file' };
  const decoder = new Decoder(stream);
  if (!decoder.checkIntegrity()) return { messages: {}, error: 'integrity check failed' };
  const { messages, errors } = decoder.read();
  return { messages: messages as Messages, error: errors.length ? String(errors[0]) : null };
}

/** RECORD_FIELDS of one SDK record message, as packages/api/src/data.ts defines them. */
export function sdkRecordValue(r: Msg, f: RecordField): number | null {
  switch (f) {
    case 'time':
      return r.timestamp instanceof Date ? r.timestamp.getTime() : null;
    case 'lat':
      return num(r.positionLat) === null ? null : (r.positionLat as number) * DEG;
    case 'lon':
      return num(r.positionLong) === null ? null : (r.positionLong as number) * DEG;
    case 'altitude_m':
      return num(r.enhancedAltitude) ?? num(r.altitude);
    case 'heart_rate':
      return num(r.heartRate);
    case 'cadence':
      return num(r.cadence);
    case 'speed_mps':
      return num(r.enhancedSpeed) ?? num(r.speed);
    case 'power_w':
      return num(r.power);
    case 'temperature_c':
      return num(r.temperature);
    case 'distance_m':
      return num(r.distance);
  }
}

/**
 * An ActivityReader straight over the official SDK's decode of the stored FIT file (no stored
 * records): the reference the export tests compare with, independent of the server's codec.
 */
export class SdkActivityReader implements ActivityReader {
  constructor(
    private readonly db: Db,
    private readonly fitPath: (sha256: string) => string,
  ) {}

  private async load(userId: string, activityId: string) {
    const row = await this.db.get<{
      activity_id: string;
      name: string | null;
      activity_type: string | null;
      start_time: string;
      duration_s: number | null;
      distance_m: number | null;
      calories: number | null;
      avg_hr: number | null;
      fit_sha256: string | null;
    }>(
      `SELECT activity_id, name, activity_type, start_time, duration_s, distance_m, calories, avg_hr, fit_sha256
       FROM activities WHERE user_id = ? AND activity_id = ?`,
      [userId, activityId],
    );
    if (!row) throw new ApiError(404, 'not_found', `No activity ${activityId}.`);
    if (!row.fit_sha256) return { row, messages: {}, error: 'no FIT file' };
    const decoded = sdkDecode(await readFile(this.fitPath(row.fit_sha256)));
    return { row, ...decoded };
  }

  async detail(userId: string, activityId: string): Promise<ActivityDetail> {
    const { row, messages, error } = await this.load(userId, activityId);
    const session = messages.sessionMesgs?.[0] ?? {};
    const file = messages.fileIdMesgs?.[0];
    const laps: Lap[] = (messages.lapMesgs ?? []).map((l, index) => ({
      index,
      start_time: iso(l.startTime),
      duration_s: num(l.totalTimerTime),
      distance_m: num(l.totalDistance),
      avg_hr: num(l.avgHeartRate),
      max_hr: num(l.maxHeartRate),
      avg_speed_mps: num(l.enhancedAvgSpeed) ?? num(l.avgSpeed),
      max_speed_mps: num(l.enhancedMaxSpeed) ?? num(l.maxSpeed),
      ascent_m: num(l.totalAscent),
      descent_m: num(l.totalDescent),
      calories: num(l.totalCalories),
    }));
    const start = new Date(row.start_time);
    return {
      ...row,
      start_time: Number.isNaN(start.getTime()) ? row.start_time : start.toISOString(),
      decode_error: error,
      sport: typeof session.sport === 'string' ? session.sport : null,
      sub_sport: typeof session.subSport === 'string' ? session.subSport : null,
      device: file
        ? {
            manufacturer: typeof file.manufacturer === 'string' ? file.manufacturer : null,
            product: file.garminProduct != null ? String(file.garminProduct) : file.product != null ? String(file.product) : null,
            serial_number: file.serialNumber != null ? String(file.serialNumber) : null,
            software_version: null,
          }
        : null,
      laps: error ? [] : laps,
      record_count: error ? null : (messages.recordMesgs?.length ?? 0),
      record_fields: [],
    };
  }

  async records(userId: string, activityId: string, fields: readonly RecordField[]): Promise<ActivityRecords> {
    const { messages, error } = await this.load(userId, activityId);
    if (error) throw new ApiError(422, 'decode_error', error);
    return { fields: [...fields], points: (messages.recordMesgs ?? []).map((r) => fields.map((f) => sdkRecordValue(r, f))) };
  }
}
