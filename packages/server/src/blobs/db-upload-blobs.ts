import type { Db } from '../db/db.js';
import { listNames } from './db-fit-blobs.js';
import {
  type AppendEnd,
  type AppendOptions,
  type AppendResult,
  BlobNotFoundError,
  type ByteSource,
  checkUploadName,
  isDropped,
  type UploadBlobs,
} from './blob-store.js';

/** Chunks a reader keeps: the zip reader's windows and streams read around one spot at a time. */
const READ_CACHE_CHUNKS = 3;

/**
 * Import uploads in the database: a `blobs` row (kind 'upload', named by import id) whose `size`
 * is the durable length, and chunks of `chunkBytes`. Bytes arrive into one pending chunk; full
 * chunks are written as they fill, and at a checkpoint the partial one is written too and the
 * header's size moves on, in that order, so `size` never counts bytes the table does not hold.
 * Bytes past `size` in the last chunk are leftovers of an unrecorded write: reads ignore them, the
 * next append overwrites them.
 */
export class DbUploadBlobs implements UploadBlobs {
  constructor(
    private readonly db: Db,
    private readonly chunkBytes: number,
    private readonly now: () => number,
  ) {}

  async append(name: string, body: AsyncIterable<Buffer>, o: AppendOptions): Promise<AppendResult> {
    checkUploadName(name);
    const C = this.chunkBytes;
    const { db } = this;
    await db.run(
      `INSERT INTO blobs (kind, name, size, complete, stored_at) VALUES ('upload', ?, ?, 1, ?)
       ON CONFLICT (kind, name) DO UPDATE SET size = excluded.size, stored_at = excluded.stored_at`,
      [name, o.offset, this.now()],
    );
    let seq = Math.floor(o.offset / C);
    // Whole chunks past the offset hold nothing of the upload.
    await db.run(`DELETE FROM blob_chunks WHERE kind = 'upload' AND name = ? AND seq > ?`, [name, seq]);
    let parts: Buffer[] = [];
    let pending = 0;
    if (o.offset % C !== 0) {
      const head = await db.get<{ data: Buffer }>(`SELECT data FROM blob_chunks WHERE kind = 'upload' AND name = ? AND seq = ?`, [name, seq]);
      if (!head || head.data.length < o.offset % C) throw new Error(`upload ${name} holds fewer bytes than its recorded ${o.offset}`);
      parts = [Buffer.from(head.data.subarray(0, o.offset % C))];
      pending = parts[0]!.length;
    }
    const writeChunk = (s: number, data: Buffer) =>
      db.run(
        `INSERT INTO blob_chunks (kind, name, seq, data) VALUES ('upload', ?, ?, ?)
         ON CONFLICT (kind, name, seq) DO UPDATE SET data = excluded.data`,
        [name, s, data],
      );
    const durable = async (n: number) => {
      if (pending > 0) await writeChunk(seq, Buffer.concat(parts, pending));
      const r = await db.run(`UPDATE blobs SET size = ?, stored_at = ? WHERE kind = 'upload' AND name = ?`, [n, this.now(), name]);
      if (r.changes !== 1) throw new BlobNotFoundError(`upload ${name} was deleted while it arrived`);
    };
    let at = o.offset;
    let synced = o.offset;
    let end: AppendEnd = 'complete';
    try {
      for await (const chunk of body) {
        if (at + chunk.length > o.limit) {
          end = 'too_large';
          break;
        }
        parts.push(chunk);
        pending += chunk.length;
        while (pending >= C) {
          const all = Buffer.concat(parts, pending);
          await writeChunk(seq, all.subarray(0, C));
          seq++;
          parts = [all.subarray(C)];
          pending -= C;
        }
        o.hash.update(chunk);
        at += chunk.length;
        if (at - synced >= o.checkpointBytes) {
          await durable(at);
          synced = at;
          await o.checkpoint(at);
        }
      }
    } catch (err) {
      if (!isDropped(err)) throw err;
      end = 'dropped';
    }
    // On too_large the whole request is refused: the header still says `synced`.
    if (end === 'too_large') return { end, received: synced };
    if (at !== synced) {
      await durable(at);
      await o.checkpoint(at);
    }
    return { end, received: at };
  }

  async size(name: string): Promise<number | null> {
    const r = await this.db.get<{ size: number }>(`SELECT size FROM blobs WHERE kind = 'upload' AND name = ?`, [checkUploadName(name)]);
    return r ? Number(r.size) : null;
  }

  async open(name: string): Promise<ByteSource> {
    const size = await this.size(name);
    if (size === null) throw new BlobNotFoundError(`no upload ${name}`);
    return new ChunkSource(this.db, 'upload', name, size, this.chunkBytes);
  }

  async delete(name: string): Promise<void> {
    await this.db.run(`DELETE FROM blobs WHERE kind = 'upload' AND name = ?`, [checkUploadName(name)]);
  }

  async *list(): AsyncIterable<string> {
    yield* listNames(this.db, 'upload');
  }
}

/** Positional reads over a blob's chunks, with the last few chunks kept. */
class ChunkSource implements ByteSource {
  private readonly cache = new Map<number, Buffer>();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly kind: string,
    private readonly name: string,
    readonly size: number,
    private readonly chunkBytes: number,
  ) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    if (this.closed) throw new Error('the blob is closed');
    const end = Math.min(position + length, this.size);
    if (position < 0 || end <= position) return { bytesRead: 0 };
    const C = this.chunkBytes;
    const first = Math.floor(position / C);
    const last = Math.floor((end - 1) / C);
    const missing: number[] = [];
    for (let s = first; s <= last; s++) if (!this.cache.has(s)) missing.push(s);
    const got = new Map<number, Buffer>();
    if (missing.length > 0) {
      const rows = await this.db.all<{ seq: number; data: Buffer }>(
        'SELECT seq, data FROM blob_chunks WHERE kind = ? AND name = ? AND seq >= ? AND seq <= ?',
        [this.kind, this.name, missing[0]!, missing[missing.length - 1]!],
      );
      for (const r of rows) got.set(Number(r.seq), r.data);
    }
    let n = 0;
    for (let s = first; s <= last; s++) {
      const data = this.cache.get(s) ?? got.get(s);
      if (!data) throw new Error(`blob chunk ${s} of ${this.name} is missing`);
      const from = Math.max(position, s * C) - s * C;
      const to = Math.min(end, (s + 1) * C) - s * C;
      if (data.length < to) throw new Error(`blob chunk ${s} of ${this.name} is short`);
      n += data.copy(buffer, offset + n, from, to);
    }
    // Keep the chunk the read ended in (the next read usually starts there), and a couple before it.
    for (const s of [last - 1, last]) {
      const data = this.cache.get(s) ?? got.get(s);
      if (data === undefined) continue;
      this.cache.delete(s);
      this.cache.set(s, data);
    }
    while (this.cache.size > READ_CACHE_CHUNKS) this.cache.delete(this.cache.keys().next().value!);
    return { bytesRead: n };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cache.clear();
  }
}
