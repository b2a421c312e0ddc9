/**
 * Byte-level pieces shared by the compact codecs (health series, activity records): unsigned
 * varints of safe integers, zigzag for signed ones, float64s. Arithmetic, not bit operations:
 * values exceed 32 bits.
 */

/** Maps a signed safe integer to an unsigned one (0, -1, 1, -2 … → 0, 1, 2, 3 …). */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Bytes the unsigned varint of `n` takes. */
export function varintLength(n: number): number {
  let len = 1;
  for (let v = n; v >= 128; v = Math.floor(v / 128)) len++;
  return len;
}

/** A growing output buffer. */
export class ByteWriter {
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

  /** Unsigned varint of a safe integer. */
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

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Reads what a ByteWriter wrote; every read past the end throws `<label>: truncated`. */
export class ByteReader {
  private at = 0;
  private readonly view: Buffer;

  constructor(
    buf: Uint8Array,
    private readonly label: string,
  ) {
    this.view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  byte(): number {
    if (this.at >= this.view.length) throw new Error(`${this.label}: truncated`);
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
      if (mul > 2 ** 56) throw new Error(`${this.label}: varint too long`);
    }
  }

  float64(): number {
    if (this.at + 8 > this.view.length) throw new Error(`${this.label}: truncated`);
    const v = this.view.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  /** The next `n` bytes (a view, not a copy). */
  take(n: number): Buffer {
    if (this.at + n > this.view.length) throw new Error(`${this.label}: truncated`);
    const out = this.view.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** Everything not read yet. */
  rest(): Buffer {
    return this.take(this.view.length - this.at);
  }

  done(): boolean {
    return this.at === this.view.length;
  }
}
