import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { RECORD_FIELDS, type RecordField } from '@fitsync/api';
import { ByteReader, ByteWriter, unzigzag, varintLength, zigzag } from '../codec/byte-io.js';

/**
 * Compact, exact storage of an activity's record points (docs/activities.md, "Records codec").
 *
 * A column per RECORD_FIELDS entry. Each value the API serves is the FIT SDK's value after its own
 * scaling; the codec undoes that scaling to get back the integer the file held (semicircles,
 * altitude in 1/5 m above -500 m, speed in mm/s …), keeps those integers as zigzag varints of
 * their first or second differences (whichever is shorter for the column), and proves the round
 * trip per value (`fromInt(toInt(v))` must be `Object.is`-identical to `v`): a column where one
 * value does not come back exactly is stored as raw float64s instead. Nulls cost a presence
 * bitmap, only in columns that have both values and nulls.
 *
 * Layout: version byte, flags byte (bit 0: body deflated), varint point count, then the body:
 * per column a mode byte (0 all null, 1 first differences, 2 second differences, 3 float64; +0x80
 * when a presence bitmap of ceil(count/8) bytes follows), then the present values.
 */

const VERSION = 1;
const DEFLATED = 1;
const MODE_NULL = 0;
const MODE_DELTA1 = 1;
const MODE_DELTA2 = 2;
const MODE_FLOAT = 3;
const HAS_BITMAP = 0x80;
/** Integers beyond this (or their differences, doubled by zigzag) fall back to float64. */
const SAFE_INT = 2 ** 48;
/** More points than a week of 1-second recording: not a record stream this codec wrote. */
const MAX_POINTS = 2 ** 24;
/** Bodies below this size are stored as they are: deflate's header costs more than it saves. */
const DEFLATE_MIN_BYTES = 64;

/** Degrees per semicircle: the API's lat/lon = the SDK's semicircles × (180 / 2^31). */
export const SEMICIRCLE_DEG = 180 / 2 ** 31;

interface Transform {
  /** The file's integer for an API value (may be inexact: the round trip is checked). */
  toInt(v: number): number;
  /** The API value of the file's integer, computed as the SDK computes it. */
  fromInt(n: number): number;
}

// value = raw / scale - offset, the SDK's own formula (decoder.js applyScaleAndOffset).
const scaled = (scale: number, offset = 0): Transform => ({
  toInt: (v) => Math.round((v + offset) * scale),
  fromInt: (n) => n / scale - offset,
});

/** Per field: how the FIT profile scales it (record message: altitude 5/500, speed 1000, distance 100). */
const TRANSFORMS: Record<RecordField, Transform> = {
  time: { toInt: (v) => Math.round(v / 1000), fromInt: (n) => n * 1000 },
  lat: { toInt: (v) => Math.round(v / SEMICIRCLE_DEG), fromInt: (n) => n * SEMICIRCLE_DEG },
  lon: { toInt: (v) => Math.round(v / SEMICIRCLE_DEG), fromInt: (n) => n * SEMICIRCLE_DEG },
  altitude_m: scaled(5, 500),
  heart_rate: scaled(1),
  cadence: scaled(1),
  speed_mps: scaled(1000),
  power_w: scaled(1),
  temperature_c: scaled(1),
  distance_m: scaled(100),
};

/** Columns of record values, one array per RECORD_FIELDS entry, all `count` long. */
export type RecordColumns = Record<RecordField, (number | null)[]>;

/** Encodes the columns (each `count` long); `decodeRecords` gives back identical numbers. */
export function encodeRecords(columns: RecordColumns, count: number, opts: { deflate?: boolean } = {}): Buffer {
  const body = new ByteWriter();
  for (const field of RECORD_FIELDS) encodeColumn(body, columns[field], count, TRANSFORMS[field]);
  let bytes = body.bytes();
  let flags = 0;
  if ((opts.deflate ?? true) && bytes.length >= DEFLATE_MIN_BYTES) {
    const packed = deflateRawSync(bytes);
    if (packed.length < bytes.length) {
      bytes = packed;
      flags |= DEFLATED;
    }
  }
  const out = new ByteWriter();
  out.byte(VERSION);
  out.byte(flags);
  out.varint(count);
  out.raw(bytes);
  return out.bytes();
}

/** Decodes bytes written by `encodeRecords`; throws on truncated or unknown input. */
export function decodeRecords(buf: Uint8Array): { count: number; columns: RecordColumns } {
  const head = new ByteReader(buf, 'records');
  if (head.byte() !== VERSION) throw new Error('records: unknown encoding version');
  const flags = head.byte();
  const count = head.varint();
  const rest = head.rest();
  const body = new ByteReader(flags & DEFLATED ? inflateRawSync(rest) : rest, 'records');
  if (count > MAX_POINTS) throw new Error('records: bad point count');
  const columns = {} as RecordColumns;
  for (const field of RECORD_FIELDS) columns[field] = decodeColumn(body, count, TRANSFORMS[field]);
  if (!body.done()) throw new Error('records: trailing bytes');
  return { count, columns };
}

function encodeColumn(out: ByteWriter, values: readonly (number | null)[], count: number, t: Transform): void {
  const present: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) present.push(v);
  }
  if (present.length === 0) {
    out.byte(MODE_NULL);
    return;
  }
  const ints = exactInts(present, t);
  let mode = MODE_FLOAT;
  if (ints) mode = deltaCost(ints, 1) <= deltaCost(ints, 2) ? MODE_DELTA1 : MODE_DELTA2;
  const bitmap = present.length < count;
  out.byte(mode | (bitmap ? HAS_BITMAP : 0));
  if (bitmap) {
    const bits = Buffer.alloc(Math.ceil(count / 8));
    for (let i = 0; i < count; i++) if (values[i] !== null && values[i] !== undefined) bits[i >> 3]! |= 1 << (i & 7);
    out.raw(bits);
  }
  if (!ints) for (const v of present) out.float64(v);
  else {
    let p1 = 0;
    let p2 = 0;
    for (const n of ints) {
      out.varint(zigzag(mode === MODE_DELTA1 ? n - p1 : n - 2 * p1 + p2));
      p2 = p1;
      p1 = n;
    }
  }
}

function decodeColumn(r: ByteReader, count: number, t: Transform): (number | null)[] {
  const head = r.byte();
  const mode = head & ~HAS_BITMAP;
  if (mode === MODE_NULL) {
    if (head !== MODE_NULL) throw new Error('records: bad column mode');
    return new Array<number | null>(count).fill(null);
  }
  if (mode !== MODE_DELTA1 && mode !== MODE_DELTA2 && mode !== MODE_FLOAT) throw new Error('records: bad column mode');
  const bits = head & HAS_BITMAP ? r.take(Math.ceil(count / 8)) : null;
  const out = new Array<number | null>(count);
  let p1 = 0;
  let p2 = 0;
  for (let i = 0; i < count; i++) {
    if (bits && !(bits[i >> 3]! & (1 << (i & 7)))) {
      out[i] = null;
      continue;
    }
    if (mode === MODE_FLOAT) {
      out[i] = r.float64();
      continue;
    }
    const d = unzigzag(r.varint());
    const n = mode === MODE_DELTA1 ? p1 + d : d + 2 * p1 - p2;
    p2 = p1;
    p1 = n;
    out[i] = t.fromInt(n);
  }
  return out;
}

/** The file's integers for the values, or null when one of them does not round-trip exactly. */
function exactInts(values: readonly number[], t: Transform): number[] | null {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const n = t.toInt(v);
    if (!Number.isSafeInteger(n) || Math.abs(n) > SAFE_INT || !Object.is(t.fromInt(n), v)) return null;
    out[i] = n;
  }
  return out;
}

/** Varint bytes of the column's first or second differences. */
function deltaCost(ints: readonly number[], order: 1 | 2): number {
  let cost = 0;
  let p1 = 0;
  let p2 = 0;
  for (const n of ints) {
    cost += varintLength(zigzag(order === 1 ? n - p1 : n - 2 * p1 + p2));
    p2 = p1;
    p1 = n;
  }
  return cost;
}
