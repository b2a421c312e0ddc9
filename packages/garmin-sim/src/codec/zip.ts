import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { crc32 } from '@fitsync/garmin';

/**
 * A small ZIP writer (PKWARE APPNOTE 6.3: local headers, data descriptors, central directory; no
 * ZIP64, so archives stay under 4 GiB). It writes what the sim's export needs — deflated members
 * and stored members streamed through a data descriptor (nested zips written as they are built) —
 * and, for tests of hostile archives, whatever a test asks for: any name, a symlink's mode, sizes
 * that lie. Output is deterministic (fixed times unless given), so two runs give identical bytes.
 */

/** CRC-32 as ZIP uses it (the Garmin client's, shared by the whole project). */
export { crc32 };

export interface ZipEntryOptions {
  /** 'deflate' (default for buffers) or 'store'. */
  method?: 'store' | 'deflate';
  /** zlib level for 'deflate' (default zlib's own, 6). */
  level?: number;
  /** Unix mode kept in the external attributes (e.g. 0o120777 marks a symlink); default 0o100644. */
  unixMode?: number;
  /** Modification time (default 2024-01-01 00:00, for deterministic output). */
  mtime?: Date;
  /** Hostile tests: the uncompressed size written in the headers instead of the real one. */
  declaredSize?: number;
  /** Hostile tests: the CRC written instead of the real one. */
  declaredCrc?: number;
}

/** Where the archive's bytes go; awaited, so a slow consumer applies back-pressure. */
export type ZipSink = (chunk: Buffer) => void | Promise<void>;

interface CentralEntry {
  name: Buffer;
  method: number;
  flags: number;
  time: number;
  date: number;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  external: number;
}

const FIXED_TIME = new Date(Date.UTC(2024, 0, 1));
const MAX32 = 0xffffffff;

/** Writes one ZIP archive to a sink, member by member. */
export class ZipWriter {
  private offset = 0;
  private readonly central: CentralEntry[] = [];
  private open = false;

  constructor(private readonly sink: ZipSink) {}

  /** Bytes written so far. */
  get size(): number {
    return this.offset;
  }

  /** Adds a member whose bytes are all at hand (deflated unless `method: 'store'`). */
  async add(name: string, data: Uint8Array, opts: ZipEntryOptions = {}): Promise<void> {
    this.idle();
    const method = opts.method === 'store' ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data, opts.level === undefined ? {} : { level: opts.level }) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const e = this.entry(name, method, 0, opts);
    e.crc = opts.declaredCrc ?? crc32(data);
    e.compressed = body.length;
    e.size = opts.declaredSize ?? data.length;
    await this.emit(localHeader(e));
    await this.emit(body);
    this.central.push(e);
  }

  /**
   * Starts a member whose bytes come later (a nested zip as it is built): sizes and CRC follow the
   * data in a data descriptor (general-purpose flag bit 3). Stored unless `method: 'deflate'`, which
   * compresses the bytes as they pass (a deflate stream fed in order gives the same bytes every run).
   * Nothing else may be added until `end()` resolved.
   */
  async begin(name: string, opts: ZipEntryOptions = {}): Promise<{ write: ZipSink; end: () => Promise<void> }> {
    this.idle();
    const deflate = opts.method === 'deflate';
    const e = this.entry(name, deflate ? 8 : 0, 0x08, opts);
    await this.emit(localHeader(e));
    this.open = true;
    let crc = 0;
    let size = 0;
    let compressed = 0;
    const z = deflate ? createDeflateRaw(opts.level === undefined ? {} : { level: opts.level }) : null;
    const out: Buffer[] = [];
    z?.on('data', (c: Buffer) => out.push(c));
    const drain = async () => {
      for (let c = out.shift(); c; c = out.shift()) {
        compressed += c.length;
        await this.emit(c);
      }
    };
    return {
      write: async (chunk) => {
        crc = crc32(chunk, crc);
        size += chunk.length;
        if (!z) {
          compressed += chunk.length;
          await this.emit(chunk);
          return;
        }
        await new Promise<void>((resolve, reject) => z.write(chunk, (err) => (err ? reject(err) : resolve())));
        await drain();
      },
      end: async () => {
        if (z) {
          await new Promise<void>((resolve, reject) => {
            z.once('end', resolve);
            z.once('error', reject);
            z.end();
          });
          await drain();
        }
        e.crc = opts.declaredCrc ?? crc;
        e.compressed = compressed;
        e.size = opts.declaredSize ?? size;
        const dd = Buffer.alloc(16);
        dd.writeUInt32LE(0x08074b50, 0);
        dd.writeUInt32LE(e.crc, 4);
        dd.writeUInt32LE(e.compressed, 8);
        dd.writeUInt32LE(e.size, 12);
        await this.emit(dd);
        this.central.push(e);
        this.open = false;
      },
    };
  }

  /** Writes the central directory and its end record. */
  async finish(): Promise<void> {
    this.idle();
    const start = this.offset;
    for (const e of this.central) await this.emit(centralHeader(e));
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.central.length, 8);
    end.writeUInt16LE(this.central.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.emit(end);
  }

  private idle(): void {
    if (this.open) throw new Error('a streamed member is still open');
    if (this.central.length >= 0xffff) throw new Error('too many members for a zip without ZIP64');
  }

  private entry(name: string, method: number, flags: number, opts: ZipEntryOptions): CentralEntry {
    const { time, date } = dosTime(opts.mtime ?? FIXED_TIME);
    // Bit 11: the name is UTF-8.
    return {
      name: Buffer.from(name, 'utf8'),
      method,
      flags: flags | 0x800,
      time,
      date,
      crc: 0,
      compressed: 0,
      size: 0,
      offset: this.offset,
      external: ((opts.unixMode ?? 0o100644) << 16) >>> 0,
    };
  }

  private async emit(chunk: Buffer): Promise<void> {
    if (this.offset + chunk.length > MAX32) throw new Error('archive too large for a zip without ZIP64');
    this.offset += chunk.length;
    await this.sink(chunk);
  }
}

/** A whole archive in memory (small archives: tests, fixtures). */
export async function zipBuffer(members: readonly { name: string; data: Uint8Array; opts?: ZipEntryOptions }[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const w = new ZipWriter((c) => {
    parts.push(Buffer.from(c));
  });
  for (const m of members) await w.add(m.name, m.data, m.opts);
  await w.finish();
  return Buffer.concat(parts);
}

function localHeader(e: CentralEntry): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(e.flags, 6);
  h.writeUInt16LE(e.method, 8);
  h.writeUInt16LE(e.time, 10);
  h.writeUInt16LE(e.date, 12);
  // With a data descriptor the sizes here are zero (the descriptor and the central directory carry them).
  const streamed = (e.flags & 0x08) !== 0;
  h.writeUInt32LE(streamed ? 0 : e.crc, 14);
  h.writeUInt32LE(streamed ? 0 : e.compressed, 18);
  h.writeUInt32LE(streamed ? 0 : e.size, 22);
  h.writeUInt16LE(e.name.length, 26);
  h.writeUInt16LE(0, 28);
  return Buffer.concat([h, e.name]);
}

function centralHeader(e: CentralEntry): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, spec 2.0 (external attributes hold a Unix mode)
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(e.flags, 8);
  h.writeUInt16LE(e.method, 10);
  h.writeUInt16LE(e.time, 12);
  h.writeUInt16LE(e.date, 14);
  h.writeUInt32LE(e.crc, 16);
  h.writeUInt32LE(e.compressed, 20);
  h.writeUInt32LE(e.size, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt32LE(e.external, 38);
  h.writeUInt32LE(e.offset, 42);
  return Buffer.concat([h, e.name]);
}

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}
