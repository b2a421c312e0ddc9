import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** Member data is read in chunks this big: large enough that per-read overhead vanishes next to inflate. */
const CHUNK_BYTES = 512 * 1024;
/** Small reads (central-directory records, local headers) are served from one window this big. */
const WINDOW_BYTES = 256 * 1024;
/**
 * Small members read whole (Archive.read) come from a read-ahead window this big: members are read
 * in central-directory order, which is file order, so one positional read serves dozens of them
 * instead of one thread-pool round trip each (queued behind the FIT store's writes).
 */
const DATA_WINDOW_BYTES = 2 * 1024 * 1024;

type ReadCallback = (err: Error | null, bytesRead?: number) => void;

/** Positional reads: a file handle, or a blob in the database (blobs/ByteSource). */
export interface PositionalReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/**
 * yauzl's view of a byte range [base, base + length) of an open file (or blob). The outer archive is the
 * whole file; a stored nested zip is its member's byte range, read in place (no copy). Readers
 * share the file handle, which the archive that opened it closes: yauzl's reference counting only
 * decides when yauzl is done with a reader, never when the descriptor goes away, so a stream a
 * caller abandons cannot keep it open past `Archive.close()`.
 */
export class RangeReader extends yauzl.RandomAccessReader {
  private window: Buffer = Buffer.alloc(0);
  private windowAt = 0;

  constructor(
    readonly file: PositionalReader,
    readonly base: number,
    readonly length: number,
  ) {
    super();
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: ReadCallback): void {
    this.readAt(buffer, offset, length, position).then(
      (n) => callback(null, n),
      (err: Error) => callback(err),
    );
  }

  private data: Buffer = Buffer.alloc(0);
  private dataAt = 0;

  /** After the central directory is read, the window would only hold memory. */
  releaseWindow(): void {
    this.window = Buffer.alloc(0);
  }

  /**
   * Up to `length` bytes at `position` of the range, from the read-ahead window when they fit in
   * it (refilled from `position` when they are not there); longer spans are read directly. The
   * result may be shorter at the range's end, and is only valid until the next call.
   */
  async readSpan(position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, this.length);
    if (position < 0 || end <= position) return Buffer.alloc(0);
    const want = end - position;
    if (want > DATA_WINDOW_BYTES / 2) {
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.file.read(buf, 0, want, this.base + position);
      return buf.subarray(0, bytesRead);
    }
    let from = position - this.dataAt;
    if (from < 0 || from + want > this.data.length) {
      const fresh = Buffer.allocUnsafe(Math.min(DATA_WINDOW_BYTES, this.length - position));
      const { bytesRead } = await this.file.read(fresh, 0, fresh.length, this.base + position);
      this.data = fresh.subarray(0, bytesRead);
      this.dataAt = position;
      from = 0;
    }
    return this.data.subarray(from, Math.min(from + want, this.data.length));
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return new RangeStream(this.file, this.base + start, this.base + Math.min(end, this.length));
  }

  override close(callback: (err: Error | null) => void): void {
    setImmediate(callback, null);
  }

  private async readAt(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const end = Math.min(position + length, this.length);
    if (position < 0 || end <= position) return 0;
    const want = end - position;
    if (want >= WINDOW_BYTES) {
      const { bytesRead } = await this.file.read(buffer, offset, want, this.base + position);
      return bytesRead;
    }
    let window = this.window;
    let from = position - this.windowAt;
    if (from < 0 || from + want > window.length) {
      const fresh = Buffer.allocUnsafe(Math.min(WINDOW_BYTES, this.length - position));
      const { bytesRead } = await this.file.read(fresh, 0, fresh.length, this.base + position);
      window = fresh.subarray(0, bytesRead);
      this.window = window;
      this.windowAt = position;
      from = 0;
    }
    return window.copy(buffer, offset, from, Math.min(from + want, window.length));
  }
}

/** Positional reads of [start, end) of a file handle; ends early (and lets yauzl's byte count complain) if the file is shorter. */
class RangeStream extends Readable {
  private pos: number;

  constructor(
    private readonly file: PositionalReader,
    start: number,
    private readonly end: number,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.pos = start;
  }

  override _read(): void {
    const n = Math.min(CHUNK_BYTES, this.end - this.pos);
    if (n <= 0) {
      this.push(null);
      return;
    }
    const buf = Buffer.allocUnsafe(n);
    this.file.read(buf, 0, n, this.pos).then(
      ({ bytesRead }) => {
        if (this.destroyed) return;
        if (bytesRead === 0) {
          this.push(null);
          return;
        }
        this.pos += bytesRead;
        this.push(bytesRead === n ? buf : buf.subarray(0, bytesRead));
      },
      (err: Error) => this.destroy(err),
    );
  }
}
