/**
 * Compact, exact encoding of one intraday series (`[epoch_ms, value]` points, oldest first).
 *
 * Layout: version byte, flags byte, decimal scale byte, varint count, then the times and the values.
 * Times: the first as a zigzag varint, then zigzag varints of delta-of-delta (regular sampling —
 * Garmin's 2-minute HR, 3-minute stress, 15-minute steps — costs one byte a point). Values: scaled
 * by 10^scale to integers (the smallest scale ≤ 6 that round-trips every value exactly), then
 * zigzag varints of their deltas. A series that does not fit (non-integer times, values with more
 * than 6 decimals, beyond 2^52) falls back to raw float64s for that column: decoding is always exact.
 */
import { ByteReader, ByteWriter, unzigzag, zigzag } from '../codec/byte-io.js';

export type SeriesPoint = [number, number];

const VERSION = 1;
const RAW_TIMES = 1;
const RAW_VALUES = 2;
const MAX_SCALE = 6;
const SAFE = 2 ** 52;

/** Encodes points into bytes; `decodeSeries` gives back exactly the same numbers. */
export function encodeSeries(points: readonly SeriesPoint[]): Buffer {
  const out = new ByteWriter();
  const times = points.map((p) => p[0]);
  const values = points.map((p) => p[1]);
  const rawTimes = !times.every((t) => Number.isInteger(t) && Math.abs(t) < SAFE / 4);
  const scale = rawTimes || points.length === 0 ? 0 : decimalScale(values);
  const rawValues = scale < 0;
  out.byte(VERSION);
  out.byte((rawTimes ? RAW_TIMES : 0) | (rawValues ? RAW_VALUES : 0));
  out.byte(rawValues ? 0 : scale);
  out.varint(points.length);
  if (rawTimes) for (const t of times) out.float64(t);
  else {
    let prev = 0;
    let prevDelta = 0;
    for (const t of times) {
      const delta = t - prev;
      out.varint(zigzag(delta - prevDelta));
      prevDelta = delta;
      prev = t;
    }
  }
  if (rawValues) for (const v of values) out.float64(v);
  else {
    const f = 10 ** scale;
    let prev = 0;
    for (const v of values) {
      const n = Math.round(v * f);
      out.varint(zigzag(n - prev));
      prev = n;
    }
  }
  return out.bytes();
}

/** Decodes bytes written by `encodeSeries`; throws on truncated or unknown input. */
export function decodeSeries(buf: Uint8Array): SeriesPoint[] {
  const r = new ByteReader(buf, 'series');
  if (r.byte() !== VERSION) throw new Error('series: unknown encoding version');
  const flags = r.byte();
  const scale = r.byte();
  if (scale > MAX_SCALE) throw new Error('series: bad decimal scale');
  const count = r.varint();
  if (count > buf.length * 8) throw new Error('series: bad point count');
  const times: number[] = [];
  if (flags & RAW_TIMES) for (let i = 0; i < count; i++) times.push(r.float64());
  else {
    let prev = 0;
    let prevDelta = 0;
    for (let i = 0; i < count; i++) {
      const delta = prevDelta + unzigzag(r.varint());
      prev += delta;
      prevDelta = delta;
      times.push(prev);
    }
  }
  const out: SeriesPoint[] = [];
  const f = 10 ** scale;
  let prev = 0;
  for (let i = 0; i < count; i++) {
    if (flags & RAW_VALUES) out.push([times[i]!, r.float64()]);
    else {
      prev += unzigzag(r.varint());
      out.push([times[i]!, prev / f]);
    }
  }
  if (!r.done()) throw new Error('series: trailing bytes');
  return out;
}

/** Average encoded bytes per point of `points` (what the benchmark reports); 0 for an empty series. */
export function bytesPerPoint(points: readonly SeriesPoint[]): number {
  return points.length === 0 ? 0 : encodeSeries(points).length / points.length;
}

/** The smallest decimal scale that makes every value an exact integer, or -1 when none ≤ 6 does. */
function decimalScale(values: readonly number[]): number {
  for (let s = 0; s <= MAX_SCALE; s++) {
    const f = 10 ** s;
    let prev = 0;
    const ok = values.every((v) => {
      const n = Math.round(v * f);
      // The delta must stay a safe integer too (zigzag doubles it).
      const fits = Number.isFinite(v) && n / f === v && Math.abs(n) < SAFE / 4 && Math.abs(n - prev) < SAFE / 2;
      prev = n;
      return fits;
    });
    if (ok) return s;
  }
  return -1;
}
