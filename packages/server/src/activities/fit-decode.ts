import { type Device, type Lap, RECORD_FIELDS, type RecordField } from '@fitsync/api';
import { Decoder, Stream } from '@garmin/fitsdk';
import { encodeRecords, type RecordColumns, SEMICIRCLE_DEG } from './records-codec.js';

/**
 * Bumped whenever what is decoded from a FIT file changes: `fitsync-server rebuild` re-decodes
 * every activity stored by an older version (src/rebuild/activities-rebuilder.ts).
 */
export const DECODER_VERSION = 1;

/** What one FIT file holds, ready to store (the records already encoded by records-codec.ts). */
export interface DecodedFit {
  decoderVersion: number;
  sport: string | null;
  subSport: string | null;
  device: Device | null;
  laps: Lap[];
  /** null when the file could not be decoded. */
  recordCount: number | null;
  recordFields: RecordField[];
  records: Buffer | null;
  /** Why the SDK rejected the file; null when it decoded. */
  error: string | null;
}

/** The parts of the SDK's messages read here (it types them loosely). */
type Value = string | number | Date | undefined;
type Mesg = Record<string, Value>;
interface Messages {
  fileIdMesgs?: Mesg[];
  deviceInfoMesgs?: Mesg[];
  sessionMesgs?: Mesg[];
  sportMesgs?: Mesg[];
  lapMesgs?: Mesg[];
  recordMesgs?: Mesg[];
}

/** Longest decode_error kept: a reason, not a dump. */
const MAX_ERROR = 200;

/**
 * Decodes a FIT file with the official SDK, default read options: those define the values the
 * API serves (packages/api/src/data.ts RECORD_FIELDS). Leaner options (no component expansion, no
 * Date objects) measured at most ~20 % faster and would change values (enhanced speed/altitude
 * from compressed fields, merged heart rates), so exactness wins. Never throws: a file the SDK
 * rejects gives `error` and nothing else.
 */
export function decodeFit(bytes: Uint8Array): DecodedFit {
  let messages: Messages;
  try {
    const decoder = new Decoder(Stream.fromBuffer(bytes));
    if (!decoder.isFIT()) return failed('not a FIT file');
    if (!decoder.checkIntegrity()) return failed('the FIT file is damaged: its size or CRC check failed');
    const result = decoder.read();
    if (result.errors.length > 0) return failed(`the FIT SDK could not read the file: ${reason(result.errors[0])}`);
    messages = result.messages as unknown as Messages;
  } catch (err) {
    return failed(`the FIT SDK could not read the file: ${reason(err)}`);
  }
  const session = messages.sessionMesgs?.[0] ?? messages.sportMesgs?.[0];
  const { count, columns, fields } = recordColumns(messages.recordMesgs ?? []);
  return {
    decoderVersion: DECODER_VERSION,
    sport: name(session?.sport),
    subSport: name(session?.subSport),
    device: device(messages),
    laps: (messages.lapMesgs ?? []).map((l, index) => lap(l, index, messages)),
    recordCount: count,
    recordFields: fields,
    records: encodeRecords(columns, count),
    error: null,
  };
}

function failed(error: string): DecodedFit {
  return {
    decoderVersion: DECODER_VERSION,
    sport: null,
    subSport: null,
    device: null,
    laps: [],
    recordCount: null,
    recordFields: [],
    records: null,
    error: error.length > MAX_ERROR ? `${error.slice(0, MAX_ERROR - 1)}…` : error,
  };
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim() || 'unknown error';
}

/** Record values as the API serves them (RECORD_FIELDS' comment), one column per field. */
function recordColumns(recs: readonly Mesg[]): { count: number; columns: RecordColumns; fields: RecordField[] } {
  const columns = {} as RecordColumns;
  for (const f of RECORD_FIELDS) columns[f] = new Array<number | null>(recs.length);
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    const ts = r.timestamp;
    columns.time[i] = ts instanceof Date ? ts.getTime() : null;
    const lat = num(r.positionLat);
    const lon = num(r.positionLong);
    columns.lat[i] = lat === null ? null : lat * SEMICIRCLE_DEG;
    columns.lon[i] = lon === null ? null : lon * SEMICIRCLE_DEG;
    columns.altitude_m[i] = num(r.enhancedAltitude) ?? num(r.altitude);
    columns.heart_rate[i] = num(r.heartRate);
    columns.cadence[i] = num(r.cadence);
    columns.speed_mps[i] = num(r.enhancedSpeed) ?? num(r.speed);
    columns.power_w[i] = num(r.power);
    columns.temperature_c[i] = num(r.temperature);
    columns.distance_m[i] = num(r.distance);
  }
  const fields = RECORD_FIELDS.filter((f) => columns[f].some((v) => v !== null));
  return { count: recs.length, columns, fields };
}

function lap(l: Mesg, index: number, m: Messages): Lap {
  const start = l.startTime ?? l.timestamp ?? m.fileIdMesgs?.[0]?.timeCreated;
  return {
    index,
    start_time: (start instanceof Date ? start : new Date(0)).toISOString(),
    duration_s: num(l.totalTimerTime),
    distance_m: num(l.totalDistance),
    avg_hr: num(l.avgHeartRate),
    max_hr: num(l.maxHeartRate),
    avg_speed_mps: num(l.enhancedAvgSpeed) ?? num(l.avgSpeed),
    max_speed_mps: num(l.enhancedMaxSpeed) ?? num(l.maxSpeed),
    ascent_m: num(l.totalAscent),
    descent_m: num(l.totalDescent),
    calories: num(l.totalCalories),
  };
}

function device(m: Messages): Device | null {
  const id = m.fileIdMesgs?.[0];
  if (!id) return null;
  // device_info of the creator (device index 0, which the SDK names "creator").
  const creator = m.deviceInfoMesgs?.find((d) => d.deviceIndex === 'creator' || d.deviceIndex === 0);
  const sw = num(creator?.softwareVersion);
  return {
    manufacturer: name(id.manufacturer),
    // The SDK expands product into garminProduct (or faveroProduct) when it knows the maker's names.
    product: name(id.garminProduct ?? id.faveroProduct ?? id.product),
    serial_number: name(id.serialNumber),
    software_version: sw === null ? null : sw.toFixed(2),
  };
}

function num(v: Value): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function name(v: Value): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}
