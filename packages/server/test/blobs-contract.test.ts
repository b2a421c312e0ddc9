import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BlobNotFoundError, type BlobStore } from '../src/blobs/blob-store.js';
import { DbBlobStore } from '../src/blobs/db-blob-store.js';
import { FsBlobStore } from '../src/blobs/fs-blob-store.js';
import { hashPrefix } from '../src/imports/upload-writer.js';
import type { Db } from '../src/db/db.js';
import { dialects } from './helpers/dialects.js';
import { openTestDb, readUpload } from './helpers/blobs.js';

// One contract, every implementation (the Kysely way): the data dir, and the database with its
// default chunk size and with a tiny one (so every path crosses chunk boundaries), on each dialect.
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

async function* pieces(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield Buffer.from(bytes.subarray(i, i + size));
}

async function drain(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function dropped(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

for (const { dialect, skip } of await dialects()) {
  // The big upload has 64 MiB where a chunk is 1 MiB or a file; 4 MiB (1024 chunks) with tiny ones.
  const stores: [string, (db: Db, dataDir: string) => BlobStore, number][] = [
    ['fs', (_db, dir) => new FsBlobStore(dir), 64],
    ['db', (db) => new DbBlobStore(db), 64],
    ['db, 4 KiB chunks', (db) => new DbBlobStore(db, Date.now, 4096), 4],
  ];
  for (const [name, make, bigMiB] of stores) {
    describe(`blob store ${name} on ${dialect}`, { skip }, () => {
      let t: Awaited<ReturnType<typeof openTestDb>>;
      let blobs: BlobStore;
      before(async () => {
        t = await openTestDb(dialect);
        blobs = make(t.db, t.dataDir);
      });
      after(async () => {
        await blobs?.close();
        await t?.close();
      });

      test('FIT files: put, has, read, open as a stream, put again, list, delete', async () => {
        for (const bytes of [randomBytes(700), randomBytes(5000), randomBytes(3 * MiB + 17)]) {
          const put = await blobs.fit.put(bytes);
          assert.deepEqual(put, { sha256: sha(bytes), size: bytes.length });
          assert.equal(await blobs.fit.has(put.sha256), true);
          assert.deepEqual(await blobs.fit.read(put.sha256), bytes);
          const opened = await blobs.fit.open(put.sha256);
          assert.equal(opened.size, bytes.length);
          assert.deepEqual(await drain(opened.stream), bytes);
          assert.deepEqual(await blobs.fit.put(bytes), put, 'the same bytes again: the same blob');
          assert.deepEqual(await blobs.fit.read(put.sha256), bytes);
          const listed: string[] = [];
          for await (const s of blobs.fit.list()) listed.push(s);
          assert.ok(listed.includes(put.sha256));
          await blobs.fit.delete(put.sha256);
          assert.equal(await blobs.fit.has(put.sha256), false);
          assert.equal(await blobs.fit.read(put.sha256), null);
          await assert.rejects(blobs.fit.open(put.sha256), BlobNotFoundError);
          await blobs.fit.delete(put.sha256);
        }
        await assert.rejects(blobs.fit.read('../../etc/passwd'), /not a sha256/);
      });

      test('uploads: appended in requests with checkpoints, dropped and resumed, read at any range, refused past the limit, deleted', async () => {
        const id = `up-${name.replace(/\W/g, '')}`;
        const bytes = randomBytes(2 * MiB + 4321);
        const hash = createHash('sha256');
        const marks: number[] = [];
        const checkpoint = async (n: number) => {
          marks.push(n);
        };
        assert.equal(await blobs.uploads.size(id), null);
        // First request: 700 000 bytes in 10 000-byte pieces, then the client drops.
        const first = (async function* () {
          yield* pieces(bytes.subarray(0, 700_000), 10_000);
          throw dropped();
        })();
        const r1 = await blobs.uploads.append(id, first, { offset: 0, limit: bytes.length, hash, checkpoint, checkpointBytes: 300_000 });
        assert.deepEqual(r1, { end: 'dropped', received: 700_000 });
        assert.deepEqual(marks, [300_000, 600_000, 700_000]);
        assert.equal(await blobs.uploads.size(id), 700_000);
        // A request too large for the announced size is refused whole: back to its last checkpoint.
        const tooBig = await blobs.uploads.append(id, pieces(Buffer.alloc(bytes.length), 1_000_000), {
          offset: 700_000,
          limit: bytes.length,
          hash: await hashPrefix(blobs.uploads, id, 700_000),
          checkpoint,
          checkpointBytes: 300_000,
        });
        assert.equal(tooBig.end, 'too_large');
        assert.equal(tooBig.received, 1_700_000, 'what a checkpoint recorded stays');
        assert.equal(await blobs.uploads.size(id), 1_700_000);
        // The caller resumes from what it recorded before (700 000): bytes after it are dropped.
        const resumeHash = await hashPrefix(blobs.uploads, id, 700_000);
        assert.equal(resumeHash.copy().digest('hex'), sha(bytes.subarray(0, 700_000)));
        const r2 = await blobs.uploads.append(id, pieces(bytes.subarray(700_000), 65_536), {
          offset: 700_000,
          limit: bytes.length,
          hash: resumeHash,
          checkpoint,
          checkpointBytes: 4 * MiB,
        });
        assert.deepEqual(r2, { end: 'complete', received: bytes.length });
        assert.equal(resumeHash.digest('hex'), sha(bytes));
        assert.equal(await blobs.uploads.size(id), bytes.length);
        assert.deepEqual(await readUpload(blobs, id), bytes);
        const src = await blobs.uploads.open(id);
        try {
          assert.equal(src.size, bytes.length);
          for (const [pos, len] of [[0, 10], [999, 2], [1_048_570, 20], [123_456, 1_500_000], [bytes.length - 5, 100], [bytes.length, 10]] as const) {
            const buf = Buffer.alloc(len);
            const { bytesRead } = await src.read(buf, 0, len, pos);
            assert.deepEqual(buf.subarray(0, bytesRead), bytes.subarray(pos, pos + len), `read ${len} at ${pos}`);
          }
        } finally {
          await src.close();
        }
        const names: string[] = [];
        for await (const n of blobs.uploads.list()) names.push(n);
        assert.ok(names.includes(id));
        await blobs.uploads.delete(id);
        assert.equal(await blobs.uploads.size(id), null);
        await assert.rejects(blobs.uploads.open(id), BlobNotFoundError);
      });

      test(`a ${bigMiB} MiB upload streams through in 64 KiB pieces: never more than a checkpoint ahead of what is durable`, async () => {
        const id = `big-${name.replace(/\W/g, '')}`;
        const PIECE = 64 * 1024;
        const N = bigMiB * 16;
        const base = randomBytes(PIECE + 251);
        const piece = (i: number) => Buffer.from(base.subarray(i % 251, (i % 251) + PIECE));
        const want = createHash('sha256');
        let pulled = 0;
        let durable = 0;
        let maxAhead = 0;
        const body = (async function* () {
          for (let i = 0; i < N; i++) {
            // The writer pulls the next piece only once the last one is written: by construction it
            // holds at most a checkpoint's worth (plus a chunk) that is not yet durable.
            maxAhead = Math.max(maxAhead, pulled - durable);
            const p = piece(i);
            want.update(p);
            pulled += p.length;
            yield p;
          }
        })();
        const checkpointBytes = 4 * MiB;
        const r = await blobs.uploads.append(id, body, {
          offset: 0,
          limit: N * PIECE,
          hash: createHash('sha256'),
          checkpoint: async (n) => {
            durable = n;
          },
          checkpointBytes,
        });
        assert.deepEqual(r, { end: 'complete', received: N * PIECE });
        assert.ok(maxAhead <= checkpointBytes + PIECE, `${maxAhead} bytes pulled ahead of the last checkpoint`);
        // Read back piecewise (hashPrefix reads 1 MiB at a time) and compare.
        assert.equal((await hashPrefix(blobs.uploads, id, N * PIECE)).digest('hex'), want.digest('hex'));
        await blobs.uploads.delete(id);
      });
    });
  }
}
