// Builders of hostile and odd zip archives, for the archive reader's tests and the import job's
// end-to-end refusals. Each returns the archive's bytes (writeArchive puts them in a file); all
// are deterministic and small on disk, however much they claim to unpack to.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { type ZipEntryOptions, ZipWriter, zipBuffer } from '@fitsync/garmin-sim';

export interface Member {
  name: string;
  data: Uint8Array;
  opts?: ZipEntryOptions;
}

const MIB = 1024 * 1024;
const harmless: Member = { name: 'DI_CONNECT/DI-Connect-User/user_profile.json', data: Buffer.from('{"firstName":"Test"}') };

/** Writes `bytes` to `file` (creating its folder) and returns the path. */
export function writeArchive(file: string, bytes: Uint8Array): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

/** A plain archive of the given members (deflated unless a member says otherwise). */
export function plainArchive(members: readonly Member[]): Promise<Buffer> {
  return zipBuffer(members);
}

export const UNSAFE_NAMES = {
  dotdot: '../../evil.json',
  inner_dotdot: 'DI_CONNECT/../../../etc/cron.d/evil',
  absolute: '/etc/passwd',
  drive: 'C:/Windows/System32/evil.dll',
  backslash: '..\\..\\evil.json',
  control: 'DI_CONNECT/a\u001b[2Jb.json',
  nul: 'DI_CONNECT/a.fit\u0000.json',
  empty: '',
} as const;
export type UnsafeNameKind = keyof typeof UNSAFE_NAMES;

/** A harmless member, then one whose name escapes the extraction folder or hides characters. */
export function unsafeNameArchive(kind: UnsafeNameKind): Promise<Buffer> {
  return zipBuffer([harmless, { name: UNSAFE_NAMES[kind], data: Buffer.from('pwned') }]);
}

/** A member whose Unix mode (external attributes) says symbolic link, pointing out of the tree. */
export function symlinkArchive(): Promise<Buffer> {
  return zipBuffer([harmless, { name: 'DI_CONNECT/link', data: Buffer.from('/etc/passwd'), opts: { unixMode: 0o120777, method: 'store' } }]);
}

/** A member flagged as encrypted (traditional PKWARE encryption, general-purpose bit 0). */
export async function encryptedArchive(): Promise<Buffer> {
  const buf = await zipBuffer([harmless, { name: 'secret.json', data: Buffer.from('{"a":1}') }]);
  patchMember(buf, 1, { flags: (f) => f | 0x01 });
  return buf;
}

/** A member compressed with a method the reader does not speak (12 = bzip2 unless told). */
export async function unsupportedMethodArchive(method = 12): Promise<Buffer> {
  const buf = await zipBuffer([harmless, { name: 'odd.json', data: Buffer.from('{"a":1}'), opts: { method: 'store' } }]);
  patchMember(buf, 1, { method: () => method });
  return buf;
}

/**
 * `bytes` of zeros deflated into one member (100 MB compress to about 100 kB). The body is built
 * with zlib chunk by chunk, so the test never holds the expansion. `declaredSize` lets the headers
 * lie (the default tells the truth).
 */
export async function ratioBombArchive(bytes = 100 * MIB, opts: { declaredSize?: number; name?: string } = {}): Promise<Buffer> {
  const { body, crc } = deflatedZeros(bytes);
  const name = opts.name ?? 'DI_CONNECT/DI-Connect-Aggregator/UDSFile_2024-01-01_2024-04-01.json';
  const buf = await zipBuffer([harmless, { name, data: body, opts: { method: 'store', declaredSize: opts.declaredSize ?? bytes, declaredCrc: crc } }]);
  patchMember(buf, 1, { method: () => 8 });
  return buf;
}

/** A deflated member whose headers understate ('bigger': actual > declared) or overstate ('smaller') its size. */
export function lyingSizeArchive(actual: 'bigger' | 'smaller', bytes = 64 * 1024): Promise<Buffer> {
  const data = Buffer.alloc(bytes, 'x');
  const declaredSize = actual === 'bigger' ? Math.floor(bytes / 2) : bytes * 2;
  return zipBuffer([harmless, { name: 'lying.json', data, opts: { declaredSize } }]);
}

/** A member whose bytes do not match its CRC-32. */
export function crcMismatchArchive(method: 'store' | 'deflate' = 'deflate'): Promise<Buffer> {
  const data = Buffer.from('{"calendarDate":"2024-06-01","totalSteps":12345}');
  return zipBuffer([harmless, { name: 'bad-crc.json', data, opts: { method, declaredCrc: (crc32(data) ^ 0x5a5a5a5a) >>> 0 } }]);
}

/** An archive with `count` tiny members (stored, to keep it quick). */
export function manyEntriesArchive(count: number): Promise<Buffer> {
  const members: Member[] = [];
  for (let i = 0; i < count; i++) members.push({ name: `f/${i}.json`, data: Buffer.from('{}'), opts: { method: 'store' } });
  return zipBuffer(members);
}

/** Two central-directory entries pointing at the same local data (the overlapping-member bomb construction). */
export async function overlappingArchive(): Promise<Buffer> {
  const buf = await zipBuffer([
    { name: 'a.json', data: Buffer.alloc(4096, 'a') },
    { name: 'b.json', data: Buffer.alloc(4096, 'a') },
  ]);
  patchMember(buf, 1, { offset: () => 0 });
  return buf;
}

export interface NestOptions {
  /** How each nested zip is kept in its parent: stored (read in place), deflated (spilled), or alternating. */
  method?: 'store' | 'deflate' | 'alternate';
  /** Stored nested zips written through a data descriptor (sizes after the data), as Garmin's streamed parts are. */
  streamed?: boolean;
  /** The innermost archive's members (default: one FIT-named file). */
  leaf?: readonly Member[];
}

/** `levels` zips inside each other: the outer archive is level 0, the innermost holds `leaf`. */
export async function nestedArchive(levels: number, opts: NestOptions = {}): Promise<Buffer> {
  let current = await zipBuffer(opts.leaf ?? [{ name: 'user@example.com_100000001.fit', data: Buffer.from('fit bytes at the bottom') }]);
  for (let level = levels - 1; level >= 0; level--) {
    const method = opts.method === 'deflate' ? 'deflate' : opts.method === 'alternate' && level % 2 === 1 ? 'deflate' : 'store';
    const name = `level${level}/UploadedFiles_0-_Part${level + 1}.zip`;
    const parts: Buffer[] = [];
    const w = new ZipWriter((c) => {
      parts.push(Buffer.from(c));
    });
    await w.add('readme.txt', Buffer.from(`level ${level}`));
    if (opts.streamed && method === 'store') {
      const m = await w.begin(name);
      // Two writes: a member streamed as it is built, not one buffer.
      await m.write(current.subarray(0, current.length >> 1));
      await m.write(current.subarray(current.length >> 1));
      await m.end();
    } else {
      await w.add(name, current, { method });
    }
    await w.finish();
    current = Buffer.concat(parts);
  }
  return current;
}

/**
 * An export-shaped archive (a profile file, then the part) holding `part` where Garmin keeps its
 * nested FIT archives: the way to get any hostile archive above one level down.
 */
export function asUploadedFilesPart(part: Uint8Array, method: 'store' | 'deflate' = 'store'): Promise<Buffer> {
  return zipBuffer([harmless, { name: 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip', data: part, opts: { method } }]);
}

/** The first `length` bytes (a download that stopped). */
export function truncated(bytes: Uint8Array, length: number): Buffer {
  return Buffer.from(bytes.subarray(0, length));
}

/** Files that are not zips at all. */
export function notZipFiles(): Record<'empty' | 'html' | 'random' | 'pk_prefix_text', Buffer> {
  const random = Buffer.alloc(4096);
  let x = 0x12345678;
  for (let i = 0; i < random.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    random[i] = x >>> 24;
  }
  return {
    empty: Buffer.alloc(0),
    html: Buffer.from('<!DOCTYPE html><html><head><title>Garmin Connect</title></head><body>Sign in</body></html>\n'),
    random,
    pk_prefix_text: Buffer.from('PKG-INFO: not a zip, just text that starts with PK\n'),
  };
}

export interface Zip64Member {
  name: string;
  /** The member's bytes (stored). */
  data?: Buffer;
  /** Instead of data: this many zero bytes left as a hole in the file (sparse: costs no disk). CRC is not computed. */
  holeBytes?: number;
}

/**
 * Writes a ZIP64 archive (APPNOTE 4.5.3: sizes and offsets in the Zip64 extra field, Zip64 end
 * record and locator) with positional writes, so a member can be a multi-GiB hole: an archive over
 * 4 GiB that takes a few kB of disk. Every member is stored.
 */
export function writeZip64Archive(file: string, members: readonly Zip64Member[]): string {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    let pos = 0;
    const put = (b: Buffer) => {
      writeSync(fd, b, 0, b.length, pos);
      pos += b.length;
    };
    const central: Buffer[] = [];
    for (const m of members) {
      const name = Buffer.from(m.name, 'utf8');
      const size = m.data ? m.data.length : (m.holeBytes ?? 0);
      const crc = m.data ? crc32(m.data) : 0;
      const offset = pos;
      const local = Buffer.alloc(30 + name.length + 20);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(45, 4);
      local.writeUInt16LE(0x800, 6);
      local.writeUInt16LE(0, 8);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(0xffffffff, 18);
      local.writeUInt32LE(0xffffffff, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(20, 28);
      name.copy(local, 30);
      local.writeUInt16LE(0x0001, 30 + name.length);
      local.writeUInt16LE(16, 32 + name.length);
      local.writeBigUInt64LE(BigInt(size), 34 + name.length);
      local.writeBigUInt64LE(BigInt(size), 42 + name.length);
      put(local);
      if (m.data) put(m.data);
      else pos += size;
      const c = Buffer.alloc(46 + name.length + 28);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE((3 << 8) | 45, 4);
      c.writeUInt16LE(45, 6);
      c.writeUInt16LE(0x800, 8);
      c.writeUInt32LE(crc, 16);
      c.writeUInt32LE(0xffffffff, 20);
      c.writeUInt32LE(0xffffffff, 24);
      c.writeUInt16LE(name.length, 28);
      c.writeUInt16LE(28, 30);
      c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
      c.writeUInt32LE(0xffffffff, 42);
      name.copy(c, 46);
      c.writeUInt16LE(0x0001, 46 + name.length);
      c.writeUInt16LE(24, 48 + name.length);
      c.writeBigUInt64LE(BigInt(size), 50 + name.length);
      c.writeBigUInt64LE(BigInt(size), 58 + name.length);
      c.writeBigUInt64LE(BigInt(offset), 66 + name.length);
      central.push(c);
    }
    const cdStart = pos;
    for (const c of central) put(c);
    const cdSize = pos - cdStart;
    const zip64End = pos;
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(members.length), 24);
    rec.writeBigUInt64LE(BigInt(members.length), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdStart), 48);
    put(rec);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(zip64End), 8);
    loc.writeUInt32LE(1, 16);
    put(loc);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
    put(end);
  } finally {
    closeSync(fd);
  }
  return file;
}

function deflatedZeros(bytes: number): { body: Buffer; crc: number } {
  const chunk = Buffer.alloc(Math.min(bytes, MIB));
  const whole = Math.floor(bytes / chunk.length);
  const rest = bytes - whole * chunk.length;
  let crc = 0;
  for (let i = 0; i < whole; i++) crc = crc32(chunk, crc);
  if (rest > 0) crc = crc32(chunk.subarray(0, rest), crc);
  // Deflating N copies of a block of zeros: one sync call over a repeated view would need N MiB at
  // once, so the body is deflated block by block into one raw stream instead.
  const parts: Buffer[] = [];
  const { deflate, flush } = rawDeflater(parts);
  for (let i = 0; i < whole; i++) deflate(chunk);
  if (rest > 0) deflate(chunk.subarray(0, rest));
  flush();
  return { body: Buffer.concat(parts), crc };
}

function rawDeflater(parts: Buffer[]): { deflate: (b: Buffer) => void; flush: () => void } {
  // zlib's sync API has no incremental mode; a full flush after each block keeps blocks independent
  // and byte-aligned, so concatenating them (the last one final) is one valid raw deflate stream.
  let pending: Buffer | null = null;
  return {
    deflate(b) {
      if (pending) parts.push(deflateRawSync(pending, { finishFlush: 3 /* Z_FULL_FLUSH */ }));
      pending = Buffer.from(b);
    },
    flush() {
      parts.push(deflateRawSync(pending ?? Buffer.alloc(0)));
    },
  };
}

interface MemberPatch {
  flags?: (f: number) => number;
  method?: (m: number) => number;
  offset?: (o: number) => number;
}

/** Edits member `index` of a ZipWriter archive (no comment, no extra fields) in both its headers. */
export function patchMember(buf: Buffer, index: number, patch: MemberPatch): void {
  const end = buf.length - 22;
  if (buf.readUInt32LE(end) !== 0x06054b50) throw new Error('not a ZipWriter archive');
  let at = buf.readUInt32LE(end + 16);
  for (let i = 0; i < index; i++) at += 46 + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  const local = buf.readUInt32LE(at + 42);
  if (patch.flags) {
    buf.writeUInt16LE(patch.flags(buf.readUInt16LE(at + 8)), at + 8);
    buf.writeUInt16LE(patch.flags(buf.readUInt16LE(local + 6)), local + 6);
  }
  if (patch.method) {
    buf.writeUInt16LE(patch.method(buf.readUInt16LE(at + 10)), at + 10);
    buf.writeUInt16LE(patch.method(buf.readUInt16LE(local + 8)), local + 8);
  }
  if (patch.offset) buf.writeUInt32LE(patch.offset(local), at + 42);
}
