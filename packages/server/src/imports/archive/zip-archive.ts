import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createInflateRaw, inflateRaw, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { ArchiveError, abortError, formatBytes, sanitizeMemberName } from './archive-error.js';
import { checkEntry, type Extent, findOverlap } from './entry-checks.js';
import { openFailure, streamFailure } from './error-mapping.js';
import { type ArchiveLimits, type ByteBudget, resolveLimits } from './limits.js';
import { MemberMeter, meterWhole } from './member-meter.js';
import type { ByteSource } from '../../blobs/blob-store.js';
import { RangeReader } from './range-reader.js';

export { ArchiveError, type ArchiveProblem, sanitizeMemberName } from './archive-error.js';
export { type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS } from './limits.js';

export interface ArchiveEntry {
  /** '/'-separated path inside its own archive, validated (no traversal, no control characters). */
  readonly name: string;
  /** Uncompressed size as declared (streams refuse any other actual size). */
  readonly size: number;
  readonly compressedSize: number;
  readonly isDirectory: boolean;
  /** Position in the central directory: stable across runs of the same file (a resume key). */
  readonly index: number;
}

export interface Archive {
  /** The outer archive is 0. */
  readonly depth: number;
  /** Central-directory order. */
  readonly entries: readonly ArchiveEntry[];
  /** The whole member in memory; ArchiveError('too_large') when it is declared bigger than maxBytes. */
  read(entry: ArchiveEntry, maxBytes: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * The member as a stream; ratio, declared size, the tree's byte budget and CRC-32 are enforced
   * while it flows, failures are ArchiveErrors (an abort is an AbortError; failures of the machine
   * itself, like EIO, pass unchanged). Destroy it to stop early.
   */
  stream(entry: ArchiveEntry, signal?: AbortSignal): Promise<Readable>;
  /**
   * A member that is itself a zip. Stored: read in place as a byte range of this archive, no copy.
   * Deflated: spilled once to tmpDir (kept until this archive is closed, so opening it again costs
   * nothing), then opened. Deeper than maxDepth → 'too_deep'. Shares this archive's byte budget.
   */
  openNested(entry: ArchiveEntry, signal?: AbortSignal): Promise<Archive>;
  /** Closes this archive, its nested ones (destroying their open streams) and removes their spilled files. */
  close(): Promise<void>;
}

export interface OpenArchiveOptions {
  /** Where deflated nested archives are spilled (created when needed). */
  tmpDir: string;
  limits?: Partial<ArchiveLimits>;
  signal?: AbortSignal;
}

/**
 * Opens a zip archive — a file, or a random-access source (an upload in the blob store) that the
 * archive then owns and closes — and checks everything its central directory can tell (names,
 * symlinks, encryption, methods, declared ratios and totals, entry count, overlapping members)
 * before returning, so a caller commits nothing from an archive that is refused. Refusals are
 * ArchiveErrors; a missing or unreadable file is the file system's (or the store's) error.
 */
export async function openArchive(input: string | ByteSource, opts: OpenArchiveOptions): Promise<Archive> {
  const limits = resolveLimits(opts.limits);
  if (opts.signal?.aborted) {
    if (typeof input !== 'string') await input.close();
    throwIfAborted(opts.signal);
  }
  let source: ByteSource;
  if (typeof input === 'string') {
    const handle = await open(input, 'r');
    try {
      source = { size: (await handle.stat()).size, read: (b, o, l, p) => handle.read(b, o, l, p), close: () => handle.close() };
    } catch (err) {
      await handle.close();
      throw err;
    }
  } else {
    source = input;
  }
  try {
    const tree: Tree = { tmpDir: opts.tmpDir, limits, budget: { used: 0, max: limits.maxTotalBytes } };
    return await ZipArchive.open(new RangeReader(source, 0, source.size), { depth: 0, where: 'the archive', tree, ownedHandle: source }, opts.signal);
  } catch (err) {
    await source.close();
    throw err;
  }
}

/** A member to open as a nested archive: its name ends with .zip (any case) and it is not a directory. */
export function isZipMember(entry: ArchiveEntry): boolean {
  return !entry.isDirectory && /\.zip$/i.test(entry.name);
}

/** What every archive of one tree shares. */
interface Tree {
  tmpDir: string;
  limits: ArchiveLimits;
  budget: ByteBudget;
}

interface Context {
  depth: number;
  /** How messages name this archive. */
  where: string;
  tree: Tree;
  /** The handle this archive closes; null when it reads its parent's file in place. */
  ownedHandle: { close(): Promise<void> } | null;
}

/** What yauzl needs to find a member's data again (kept instead of yauzl's Entry, which holds buffers). */
interface Located {
  offset: number;
  method: number;
  flags: number;
  crc32: number;
}

class ZipArchive implements Archive {
  private readonly streams = new Set<Readable>();
  private readonly children = new Set<ZipArchive>();
  private readonly spills = new Map<number, Promise<string>>();
  private spillDir: Promise<string> | null = null;
  private closing: Promise<void> | null = null;
  private onClosed: (() => void) | null = null;

  private constructor(
    private readonly reader: RangeReader,
    private readonly zipfile: yauzl.ZipFile,
    private readonly ctx: Context,
    readonly entries: readonly ArchiveEntry[],
    private readonly located: readonly Located[],
  ) {}

  get depth(): number {
    return this.ctx.depth;
  }

  static async open(reader: RangeReader, ctx: Context, signal: AbortSignal | undefined): Promise<ZipArchive> {
    let zipfile: yauzl.ZipFile;
    try {
      zipfile = await yauzl.fromRandomAccessReaderPromise(reader, reader.length, {
        autoClose: false,
        // Names are decoded and judged by checkEntry: yauzl's own check would refuse with a bare Error.
        decodeStrings: false,
        // Sizes are checked by MemberMeter while bytes flow (stored members' sizes at open, in checkEntry).
        validateEntrySizes: false,
        strictFileNames: true,
      });
    } catch (err) {
      const head = Buffer.alloc(Math.min(64, reader.length));
      await reader.file.read(head, 0, head.length, reader.base).catch(() => undefined);
      throw openFailure(err, ctx.where, head, reader.length);
    }
    // The reader only errs when closing, which ours never does; without a listener such an event would kill the process.
    zipfile.on('error', () => {});
    try {
      const { entries, located } = await list(zipfile, reader, ctx, signal);
      reader.releaseWindow();
      return new ZipArchive(reader, zipfile, ctx, entries, located);
    } catch (err) {
      zipfile.close();
      throw openFailure(err, ctx.where, Buffer.alloc(0), reader.length);
    }
  }

  async read(entry: ArchiveEntry, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const { e } = this.own(entry);
    const tooLarge = () =>
      new ArchiveError('too_large', `${this.shown(e)} is bigger than the ${formatBytes(maxBytes)} allowed for it`, { entryIndex: e.index });
    if (e.size > maxBytes) throw tooLarge();
    if (e.compressedSize <= DIRECT_READ_BYTES && !e.isDirectory) return this.readDirect(e, signal);
    const stream = await this.stream(e, signal);
    const out = Buffer.allocUnsafe(e.size);
    let at = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (at + chunk.length > maxBytes || at + chunk.length > out.length) {
        stream.destroy();
        throw tooLarge();
      }
      chunk.copy(out, at);
      at += chunk.length;
    }
    return at === out.length ? out : out.subarray(0, at);
  }

  /**
   * A small member read whole without streams: its local header and data in one positional read,
   * inflated in one call, then judged by the same meter as a stream (meterWhole). Thousands of
   * small FIT files are read this way at a fraction of a stream's set-up cost per member.
   */
  private async readDirect(e: ArchiveEntry, signal: AbortSignal | undefined): Promise<Buffer> {
    throwIfAborted(signal);
    const loc = this.located[e.index]!;
    const shown = this.shown(e);
    const refuse = (problem: ArchiveError['problem'], what: string) => new ArchiveError(problem, `${shown} ${what}`, { entryIndex: e.index });
    const buf = await this.reader.readSpan(loc.offset, LOCAL_HEADER_SLACK + e.compressedSize);
    const bytesRead = buf.length;
    if (this.closing) throw closedError();
    if (bytesRead < 30) throw refuse('truncated', 'is cut off (the archive ends inside it)');
    if (buf.readUInt32LE(0) !== 0x04034b50) throw refuse('corrupt', 'has no valid local header (the archive is damaged)');
    const start = 30 + buf.readUInt16LE(26) + buf.readUInt16LE(28);
    let data: Buffer;
    if (start + e.compressedSize <= bytesRead) {
      data = buf.subarray(start, start + e.compressedSize);
    } else {
      data = await this.reader.readSpan(loc.offset + start, e.compressedSize);
      if (data.length < e.compressedSize) throw refuse('truncated', 'is cut off (the archive ends inside it)');
    }
    let out: Buffer;
    if (loc.method === 0) {
      // The window is reused by the next read: a stored member is copied out of it.
      out = Buffer.from(data);
    } else {
      // maxOutputLength: inflating never produces more than the declared size (+1 to notice a lie).
      const opts = { maxOutputLength: e.size + 1 };
      try {
        out = e.compressedSize <= SYNC_INFLATE_BYTES ? inflateRawSync(data, opts) : await inflateRawAsync(data, opts);
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw refuse('zip_bomb', `holds more data than its header declares (${formatBytes(e.size)}): a zip bomb or a damaged archive`);
        }
        throw refuse('corrupt', 'is damaged (its compressed data does not inflate)');
      }
    }
    const { limits, budget } = this.ctx.tree;
    const failure = meterWhole({ shown, index: e.index, size: e.size, compressedSize: e.compressedSize, crc32: loc.crc32 }, limits.maxRatio, budget, out);
    if (failure) throw failure;
    return out;
  }

  async stream(entry: ArchiveEntry, signal?: AbortSignal): Promise<Readable> {
    const { e, loc } = this.own(entry);
    throwIfAborted(signal);
    const shown = this.shown(e);
    let raw: Readable;
    try {
      raw = await this.zipfile.openReadStreamPromise(yauzlEntry(e, loc), { decodeFileData: false });
    } catch (err) {
      throw streamFailure(err, shown, e.index);
    }
    if (this.closing || signal?.aborted) {
      raw.destroy();
      if (signal?.aborted) throw abortError(signal);
      throw closedError();
    }
    const { limits, budget } = this.ctx.tree;
    const meter = new MemberMeter({ shown, index: e.index, size: e.size, compressedSize: e.compressedSize, crc32: loc.crc32 }, limits.maxRatio, budget);
    const inflate = loc.method === 8 ? createInflateRaw({ chunkSize: 64 * 1024 }) : null;
    const fail = (err: unknown) => meter.destroy(streamFailure(err, shown, e.index) as Error);
    raw.on('error', fail);
    if (inflate) {
      inflate.on('error', fail);
      raw.pipe(inflate).pipe(meter);
    } else {
      raw.pipe(meter);
    }
    // Callers see errors through their own listeners (pipeline, for await); this one only keeps
    // an error on a stream its caller walked away from from becoming an uncaught exception.
    meter.on('error', () => {});
    const onAbort = () => meter.destroy(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    this.streams.add(meter);
    meter.once('close', () => {
      signal?.removeEventListener('abort', onAbort);
      this.streams.delete(meter);
      raw.destroy();
      inflate?.destroy();
    });
    return meter;
  }

  async openNested(entry: ArchiveEntry, signal?: AbortSignal): Promise<Archive> {
    const { e, loc } = this.own(entry);
    const where = `nested archive "${sanitizeMemberName(e.name)}"`;
    const { tree } = this.ctx;
    const depth = this.ctx.depth + 1;
    if (depth > tree.limits.maxDepth) {
      throw new ArchiveError('too_deep', `${where} is nested ${depth} levels deep, more than the ${tree.limits.maxDepth} allowed`, {
        entryIndex: e.index,
      });
    }
    if (e.isDirectory) throw new ArchiveError('not_a_zip', `${where} is a directory, not a zip archive`, { entryIndex: e.index });
    throwIfAborted(signal);
    let child: ZipArchive;
    if (loc.method === 0) {
      let start: number;
      try {
        ({ fileDataStart: start } = await this.zipfile.readLocalFileHeaderPromise(yauzlEntry(e, loc), { minimal: true }));
      } catch (err) {
        throw streamFailure(err, this.shown(e), e.index);
      }
      const reader = new RangeReader(this.reader.file, this.reader.base + start, e.compressedSize);
      child = await ZipArchive.open(reader, { depth, where, tree, ownedHandle: null }, signal);
    } else {
      const path = await this.spill(e, signal);
      const handle = await open(path, 'r');
      try {
        const { size } = await handle.stat();
        child = await ZipArchive.open(new RangeReader(handle, 0, size), { depth, where, tree, ownedHandle: handle }, signal);
      } catch (err) {
        await handle.close();
        throw err;
      }
    }
    if (this.closing) {
      await child.close();
      throw closedError();
    }
    this.children.add(child);
    child.onClosed = () => this.children.delete(child);
    return child;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Without an error: a stream nobody listens to any more must not raise one.
    for (const s of this.streams) s.destroy();
    await Promise.all([...this.children].map((c) => c.close()));
    await Promise.allSettled(this.spills.values());
    this.zipfile.close();
    try {
      await this.ctx.ownedHandle?.close();
    } finally {
      const dir = await this.spillDir?.catch(() => null);
      if (dir) await rm(dir, { recursive: true, force: true });
      this.onClosed?.();
    }
  }

  /** A deflated nested zip, written once to this archive's scratch folder under a name without the member's. */
  private spill(e: ArchiveEntry, signal: AbortSignal | undefined): Promise<string> {
    let done = this.spills.get(e.index);
    if (!done) {
      const spilling = this.writeSpill(e, signal);
      spilling.catch(() => {
        if (this.spills.get(e.index) === spilling) this.spills.delete(e.index);
      });
      this.spills.set(e.index, spilling);
      done = spilling;
    }
    return done;
  }

  private async writeSpill(e: ArchiveEntry, signal: AbortSignal | undefined): Promise<string> {
    const { tmpDir } = this.ctx.tree;
    this.spillDir ??= mkdir(tmpDir, { recursive: true, mode: 0o700 }).then(() => mkdtemp(join(tmpDir, 'nested-')));
    const path = join(await this.spillDir, `${e.index}.zip`);
    const source = await this.stream(e, signal);
    try {
      await pipeline(source, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return path;
  }

  private own(entry: ArchiveEntry): { e: ArchiveEntry; loc: Located } {
    if (this.closing) throw closedError();
    const e = this.entries[entry.index];
    if (!e || e.name !== entry.name) throw new RangeError('the entry is not a member of this archive');
    return { e, loc: this.located[entry.index]! };
  }

  private shown(e: ArchiveEntry): string {
    return `${this.ctx.where}: member "${sanitizeMemberName(e.name)}"`;
  }
}

/** Reads and judges the central directory; stops at the first refusal. */
function list(
  zipfile: yauzl.ZipFile,
  reader: RangeReader,
  ctx: Context,
  signal: AbortSignal | undefined,
): Promise<{ entries: ArchiveEntry[]; located: Located[] }> {
  const { limits, budget } = ctx.tree;
  if (zipfile.entryCount > limits.maxEntries) {
    return Promise.reject(
      new ArchiveError('too_many_entries', `${ctx.where} has ${zipfile.entryCount} members, more than the ${limits.maxEntries} allowed`),
    );
  }
  // yauzl keeps where the central directory starts only as its read cursor.
  const centralDirectoryOffset = (zipfile as unknown as { readEntryCursor: number }).readEntryCursor;
  if (!(centralDirectoryOffset <= reader.length)) {
    return Promise.reject(new Error('central directory offset beyond the end of the file'));
  }
  const remaining = budget.max - budget.used;
  return new Promise((resolve, reject) => {
    const entries: ArchiveEntry[] = [];
    const located: Located[] = [];
    const extents: Extent[] = [];
    let declared = 0;
    const fail = (err: unknown) => {
      zipfile.removeAllListeners('entry');
      zipfile.removeAllListeners('end');
      reject(err);
    };
    zipfile.on('entry', (raw: yauzl.Entry) => {
      const index = entries.length;
      const name = checkEntry(raw, index, limits, ctx.where);
      if (name instanceof ArchiveError) return fail(name);
      declared += raw.uncompressedSize;
      if (declared > remaining) {
        return fail(new ArchiveError('zip_bomb', `${ctx.where} would unpack to more than the ${formatBytes(remaining)} still allowed (a zip bomb)`));
      }
      entries.push(Object.freeze({ name, size: raw.uncompressedSize, compressedSize: raw.compressedSize, isDirectory: name.endsWith('/'), index }));
      located.push({ offset: raw.relativeOffsetOfLocalHeader, method: raw.compressionMethod, flags: raw.generalPurposeBitFlag, crc32: raw.crc32 });
      extents.push({ offset: raw.relativeOffsetOfLocalHeader, compressedSize: raw.compressedSize, index });
      if (signal?.aborted) return fail(abortError(signal));
      zipfile.readEntry();
    });
    zipfile.once('end', () => {
      const overlap = findOverlap(extents, centralDirectoryOffset);
      if (overlap) {
        const name = sanitizeMemberName(entries[overlap.index]!.name);
        return reject(
          new ArchiveError('zip_bomb', `${ctx.where}: member "${name}" overlaps another member's data (a zip bomb or a damaged archive)`, {
            entryIndex: overlap.index,
          }),
        );
      }
      resolve({ entries, located });
    });
    zipfile.once('error', fail);
    zipfile.readEntry();
  });
}

function yauzlEntry(e: ArchiveEntry, loc: Located): yauzl.Entry {
  return Object.assign(new yauzl.Entry(), {
    compressedSize: e.compressedSize,
    uncompressedSize: e.size,
    compressionMethod: loc.method,
    generalPurposeBitFlag: loc.flags,
    relativeOffsetOfLocalHeader: loc.offset,
    crc32: loc.crc32,
  });
}

/** Members this small (compressed) are read whole in one positional read (Archive.read). */
const DIRECT_READ_BYTES = 4 * 1024 * 1024;
/** Room for a local header's name and extra field in that read (longer ones cost a second read). */
const LOCAL_HEADER_SLACK = 30 + 1024;
/** Below this, inflating on the main thread costs less than a round trip to the thread pool. */
const SYNC_INFLATE_BYTES = 256 * 1024;
const inflateRawAsync = promisify(inflateRaw) as (buf: Buffer, opts: { maxOutputLength: number }) => Promise<Buffer>;

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

function closedError(): Error {
  return new Error('the archive is closed');
}
