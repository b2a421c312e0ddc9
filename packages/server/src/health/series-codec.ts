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
  const r = new ByteReader(buf);
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

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

class ByteWriter {
  private buf = Buffer.allocUnsafe(64);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned varint of a safe integer (arithmetic, not bit operations: values exceed 32 bits). */
  varint(n: number): void {
    this.room(8);
    let v = n;
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) + 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  float64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

class ByteReader {
  private at = 0;
  private readonly view: Buffer;

  constructor(buf: Uint8Array) {
    this.view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  byte(): number {
    if (this.at >= this.view.length) throw new Error('series: truncated');
    return this.view[this.at++]!;
  }

  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      n += (b % 128) * mul;
      if (b < 128) return n;
      mul *= 128;
      if (mul > 2 ** 56) throw new Error('series: varint too long');
    }
  }

  float64(): number {
    if (this.at + 8 > this.view.length) throw new Error('series: truncated');
    const v = this.view.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  done(): boolean {
    return this.at === this.view.length;
  }
}
