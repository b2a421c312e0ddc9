import { createHash } from 'node:crypto';
import type { Db } from '../db/db.js';
import { hashPrefix } from '../imports/upload-writer.js';
import type { BlobStore, ByteSource } from './blob-store.js';
import { DbBlobStore } from './db-blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';

/** What a move copied. */
export interface MoveCounts {
  fit: number;
  upload: number;
}

/** Progress is reported every this many blobs. */
const REPORT_EVERY = 1000;

/**
 * Moves every blob of `from` into `to`, one at a time: copy, read the copy back and compare its
 * SHA-256, and only then delete the source. Puts are durable before they resolve, and content
 * addressing (FIT) or appending from offset 0 (uploads) makes a copy repeatable, so a move killed
 * at any point is finished by running it again. A source whose bytes do not match their name is
 * left where it is (reported), never copied.
 */
export async function moveBlobs(from: BlobStore, to: BlobStore, report: (line: string) => void): Promise<MoveCounts> {
  const counts: MoveCounts = { fit: 0, upload: 0 };
  const where = (s: BlobStore) => (s.kind === 'db' ? 'the database' : 'the data dir');
  for await (const sha of from.fit.list()) {
    const bytes = await from.fit.read(sha);
    if (!bytes) continue;
    if (sha256(bytes) !== sha) {
      report(`blob store: FIT file ${sha} in ${where(from)} does not match its hash; left in place`);
      continue;
    }
    await to.fit.put(bytes);
    const back = await to.fit.read(sha);
    if (!back || sha256(back) !== sha) throw new Error(`the copy of FIT file ${sha} in ${where(to)} does not match; nothing deleted`);
    await from.fit.delete(sha);
    if (++counts.fit % REPORT_EVERY === 0) report(`blob store: ${counts.fit} FIT files moved into ${where(to)} so far`);
  }
  for await (const name of from.uploads.list()) {
    const src = await from.uploads.open(name).catch(() => null);
    if (!src) continue;
    const hash = createHash('sha256');
    let size: number;
    try {
      size = src.size;
      const { received } = await to.uploads.append(name, readAll(src), {
        offset: 0,
        limit: size,
        hash,
        checkpoint: async () => {},
        checkpointBytes: 64 * 1024 * 1024,
      });
      if (received !== size) throw new Error(`upload ${name}: ${received} of ${size} bytes copied`);
    } finally {
      await src.close();
    }
    const want = hash.digest('hex');
    if ((await hashPrefix(to.uploads, name, size)).digest('hex') !== want) throw new Error(`the copy of upload ${name} in ${where(to)} does not match; nothing deleted`);
    await from.uploads.delete(name);
    counts.upload++;
  }
  if (counts.fit + counts.upload > 0) {
    report(`blob store: moved ${counts.fit} FIT files and ${counts.upload} uploads from ${where(from)} into ${where(to)}`);
  }
  return counts;
}

/**
 * Moves blobs the other store holds into the configured one (FITSYNC_BLOB_STORE): the data dir's
 * into the database with `db`, the database's into the data dir with `fs`. Run by `migrate` and
 * `start`; a no-op (a directory listing and one query) when there is nothing to move.
 */
export async function moveIntoConfiguredStore(store: 'fs' | 'db', db: Db, dataDir: string, report: (line: string) => void): Promise<MoveCounts> {
  const fs = new FsBlobStore(dataDir);
  const inDb = new DbBlobStore(db);
  return store === 'db' ? moveBlobs(fs, inDb, report) : moveBlobs(inDb, fs, report);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A source's bytes as a stream of 1 MiB pieces. */
async function* readAll(src: ByteSource): AsyncIterable<Buffer> {
  for (let at = 0; at < src.size; ) {
    const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, src.size - at));
    const { bytesRead } = await src.read(buf, 0, buf.length, at);
    if (bytesRead === 0) throw new Error('the source ended early');
    at += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}
