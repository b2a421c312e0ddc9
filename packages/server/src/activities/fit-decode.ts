import { type Device, type Lap, RECORD_FIELDS, type RecordField } from '@fitsync/api';
import { Decoder, Stream } from '@garmin/fitsdk';
import { DECODER_VERSION, type DecodedFit, failedDecode } from './decoded-fit.js';
import { encodeRecords, type RecordColumns, SEMICIRCLE_DEG } from './records-codec.js';

export { DECODER_VERSION, type DecodedFit } from './decoded-fit.js';

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
  hrMesgs?: Mesg[];
}

/** The FIT epoch (1989-12-31T00:00:00Z) in Unix milliseconds: the SDK's date-time base. */
const FIT_EPOCH_MS = 631_065_600_000;

/**
 * Read options that give the values of the SDK's default read faster (docs/activities.md): no
 * component expansion (the enhanced speed/altitude it would add equal speed/altitude, same scale
 * and offset) and date-times as numbers (converted here as the SDK converts them). A file where
 * expansion changes values — compressed speed/distance records, heart rates in HR messages to
 * merge — is read again with the default options.
 */
const LEAN = { expandComponents: false, mergeHeartRates: false, convertDateTimesToDates: false };

/**
 * Decodes a FIT file with the official SDK; its default read defines the values the API serves
 * (packages/api/src/data.ts RECORD_FIELDS). Never throws: a file the SDK rejects gives `error`
 * and nothing else.
 */
export function decodeFit(bytes: Uint8Array): DecodedFit {
  let messages: Messages;
  try {
    const decoder = new Decoder(Stream.fromBuffer(bytes));
    if (!decoder.isFIT()) return failedDecode('not a FIT file');
    if (!decoder.checkIntegrity()) return failedDecode('the FIT file is damaged: its size or CRC check failed');
    let result = decoder.read(LEAN);
    // A second read needs a new stream: the first one is consumed.
    if (result.errors.length === 0 && needsExpansion(result.messages as unknown as Messages)) result = new Decoder(Stream.fromBuffer(bytes)).read();
    if (result.errors.length > 0) return failedDecode(`the FIT SDK could not read the file: ${reason(result.errors[0])}`);
    messages = result.messages as unknown as Messages;
  } catch (err) {
    return failedDecode(`the FIT SDK could not read the file: ${reason(err)}`);
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

/** Whether component expansion or heart-rate merging would change a value read here. */
function needsExpansion(m: Messages): boolean {
  if ((m.hrMesgs?.length ?? 0) > 0) return true;
  return (m.recordMesgs ?? []).some((r) => r.compressedSpeedDistance !== undefined);
}

/** Epoch ms of a FIT date-time, as the SDK's Date would hold it (a date-time read as a number or a Date). */
function epochMs(v: Value): number | null {
  if (v instanceof Date) return v.getTime();
  // What new Date(x).getTime() gives for a finite x in Date's range (TimeClip), without the object.
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v * 1000 + FIT_EPOCH_MS) + 0 : null;
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
    columns.time[i] = epochMs(r.timestamp);
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
  const start = epochMs(l.startTime) ?? epochMs(l.timestamp) ?? epochMs(m.fileIdMesgs?.[0]?.timeCreated) ?? 0;
  return {
    index,
    start_time: new Date(start).toISOString(),
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
