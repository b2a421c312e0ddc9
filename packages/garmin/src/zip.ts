/**
 * Minimal ZIP reader for Garmin's original-file download, which is a zip
 * holding `{id}_ACTIVITY.fit` (garmin-protocol.md, data endpoints). Reads the
 * end-of-central-directory record and the central directory (sizes there are
 * reliable even when the local header uses a data descriptor), inflates with
 * node:zlib `inflateRawSync`, and verifies CRC-32. No zip dependency.
 *
 * The download is outside input: a small entry may inflate to gigabytes (a zip bomb), and a
 * header may lie about its size. Every inflate is capped at the entry's declared size, and the
 * declared sizes at a total budget, so memory stays bounded whatever the archive says.
 * The writer is here too: the sim builds Garmin-like downloads with it (one zip codec, one CRC).
 */
import * as zlib from 'node:zlib';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** One file extracted from a zip. */
export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Modification time written to the headers (default 1980-01-01, the DOS epoch). */
  modified?: Date;
}

/** The archive is not a readable zip (or an entry fails its CRC). */
export class ZipFormatError extends Error {}

/** The archive inflates past the budget or past an entry's declared size: refused, not retried. */
export class ZipTooLargeError extends ZipFormatError {}

/**
 * Default budget of inflated bytes per archive. A FIT file of a day-long activity is a few
 * megabytes; 64 MiB leaves room without letting a hostile answer exhaust memory.
 */
export const MAX_UNZIPPED_BYTES = 64 * 1024 * 1024;

/** Options of {@link readZip}. */
export interface ReadZipOptions {
  /** Most bytes all entries may inflate to together (default {@link MAX_UNZIPPED_BYTES}). */
  maxBytes?: number;
}

type Crc32 = (data: Uint8Array, value?: number) => number;

let crcTable: Uint32Array | undefined;

function tableCrc32(buf: Uint8Array, value = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < buf.length; i++) crc = crcTable[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/**
 * CRC-32 (IEEE 802.3, as zip and gzip use it), continuing from `value` (0 to start): zlib's own
 * (Node 20.15+), else a table (the engines field allows Node 20.10). Shared by the server's archive
 * reader and the emulator's zip writer.
 */
export const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? tableCrc32;

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

/** Reads every file entry (directories skipped) of a zip archive, within a budget of inflated bytes. */
export function readZip(zip: Buffer, opts: ReadZipOptions = {}): ZipEntry[] {
  const maxBytes = opts.maxBytes ?? MAX_UNZIPPED_BYTES;
  let budget = maxBytes;
  if (zip.length < 22) throw new ZipFormatError('not a zip archive (too short)');
  // The EOCD record sits at the end, followed by a comment of at most 65535 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (cdOffset + cdSize > eocd) throw new ZipFormatError('zip central directory out of bounds');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let e = 0; e < count; e++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CEN_SIG) throw new ZipFormatError('bad zip central directory');
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 0x1) throw new ZipFormatError(`zip entry ${name} is encrypted`);
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOC_SIG) {
      throw new ZipFormatError(`bad local header for zip entry ${name}`);
    }
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compSize > zip.length) throw new ZipFormatError(`zip entry ${name} is truncated`);
    if (size > budget) {
      throw new ZipTooLargeError(`zip entry ${name} declares ${size} bytes, over the limit of ${maxBytes} unzipped bytes`);
    }
    budget -= size;
    const raw = zip.subarray(dataStart, dataStart + compSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        // zlib stops at the declared size: a lying header costs no more memory than an honest one.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new ZipTooLargeError(`zip entry ${name} inflates past its declared ${size} bytes`);
        }
        throw new ZipFormatError(`zip entry ${name} does not inflate: ${(err as Error).message}`);
      }
    } else throw new ZipFormatError(`zip entry ${name} uses unsupported method ${method}`);
    if (data.length !== size) throw new ZipFormatError(`zip entry ${name} has the wrong size`);
    if (crc32(data) !== crc) throw new ZipFormatError(`zip entry ${name} fails its CRC-32 check`);
    entries.push({ name, data });
  }
  return entries;
}

/**
 * The FIT file inside a Garmin original-file zip: the entry ending in `.fit`
 * (case-insensitive), preferring `{id}_ACTIVITY.fit`.
 */
export function extractFitFromZip(zip: Buffer, activityId?: string, opts: ReadZipOptions = {}): Buffer {
  const fits = readZip(zip, opts).filter((e) => /\.fit$/i.test(e.name));
  const preferred = activityId ? fits.find((e) => e.name === `${activityId}_ACTIVITY.fit`) : undefined;
  const entry = preferred ?? fits[0];
  if (!entry) throw new ZipFormatError('zip holds no .fit file');
  return entry.data;
}

/** MS-DOS date/time fields of ZIP headers (local time is taken as UTC). */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getUTCFullYear());
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** Options of {@link writeZip}. */
export interface WriteZipOptions {
  /** zlib deflate level (default 6); the sim uses 1: half the CPU for nearly the same size. */
  level?: number;
}

/**
 * Builds a deflate zip in memory (APPNOTE 6.3.x: local headers, data, central directory, end
 * record), like Garmin's original-file download. The sim serves these; tests build answers.
 */
export function writeZip(files: ZipEntry[], opts: WriteZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const comp = deflateRawSync(f.data, { level: opts.level ?? 6 });
    const crc = crc32(f.data);
    const dt = dosDateTime(f.modified ?? new Date(Date.UTC(1980, 0, 1)));
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(LOC_SIG, 0);
    loc.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    loc.writeUInt16LE(0x800, 6); // names are UTF-8
    loc.writeUInt16LE(8, 8); // method: deflate
    loc.writeUInt16LE(dt.time, 10);
    loc.writeUInt16LE(dt.date, 12);
    loc.writeUInt32LE(crc, 14);
    loc.writeUInt32LE(comp.length, 18);
    loc.writeUInt32LE(f.data.length, 22);
    loc.writeUInt16LE(name.length, 26);
    locals.push(loc, name, comp);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(CEN_SIG, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x800, 8);
    cen.writeUInt16LE(8, 10);
    cen.writeUInt16LE(dt.time, 12);
    cen.writeUInt16LE(dt.date, 14);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(comp.length, 20);
    cen.writeUInt32LE(f.data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(offset, 42);
    central.push(cen, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(EOCD_SIG, 0);
  eocd.writeUInt16LE(files.length, 8);
  eocd.writeUInt16LE(files.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
