import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { DbBlobStore } from '../../src/blobs/db-blob-store.js';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import type { Db } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createPgSchema } from '../../src/testing/pg-schema.js';

/** The store a server on this database uses by default (FITSYNC_BLOB_STORE unset): db on PostgreSQL, else fs. */
export function defaultBlobStore(db: Db, dataDir: string): BlobStore {
  return db.dialect === 'postgres' ? new DbBlobStore(db) : new FsBlobStore(dataDir);
}

/** An upload's stored bytes (through the store, whichever it is), or null when there is none. */
export async function readUpload(blobs: BlobStore, name: string): Promise<Buffer | null> {
  const src = await blobs.uploads.open(name).catch(() => null);
  if (!src) return null;
  try {
    const out = Buffer.alloc(src.size);
    for (let at = 0; at < out.length; ) {
      const { bytesRead } = await src.read(out, at, out.length - at, at);
      if (bytesRead === 0) throw new Error('short upload');
      at += bytesRead;
    }
    return out;
  } finally {
    await src.close();
  }
}

/** Whether the store holds an upload of that name. */
export async function uploadExists(blobs: BlobStore, name: string): Promise<boolean> {
  return (await blobs.uploads.size(name)) !== null;
}

/** Stores `bytes` as the whole upload `name`, as a finished upload leaves it. */
export async function putUpload(blobs: BlobStore, name: string, bytes: Buffer): Promise<void> {
  await blobs.uploads.append(
    name,
    (async function* () {
      yield bytes;
    })(),
    { offset: 0, limit: bytes.length, hash: createHash('sha256'), checkpoint: async () => {}, checkpointBytes: Number.MAX_SAFE_INTEGER },
  );
}

/** A migrated database of `dialect` (a fresh file, or a fresh PostgreSQL schema) and a data dir; `close` removes both. */
export async function openTestDb(dialect: 'sqlite' | 'postgres'): Promise<{ db: Db; dataDir: string; url: string | undefined; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fitsync-blobs-'));
  const schema = dialect === 'postgres' ? await createPgSchema() : undefined;
  const db = await openDatabase(schema?.url, dataDir);
  await migrate(db);
  return {
    db,
    dataDir,
    url: schema?.url,
    close: async () => {
      await db.close();
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
