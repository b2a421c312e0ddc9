import type { Db } from '../db/db.js';
import type { BlobStore } from './blob-store.js';
import { DbBlobStore } from './db-blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';

/** The store FITSYNC_BLOB_STORE names: the data dir (`fs`) or the database (`db`). */
export function openBlobStore(store: 'fs' | 'db', d: { db: Db; dataDir: string; now?: () => number }): BlobStore {
  return store === 'db' ? new DbBlobStore(d.db, d.now) : new FsBlobStore(d.dataDir);
}
