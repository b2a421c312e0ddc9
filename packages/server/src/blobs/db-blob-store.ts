import type { Db, Queryable } from '../db/db.js';
import { FIT_REFERENCED, UPLOAD_LIVE } from './blob-refs.js';
import type { BlobStore, GcCounts } from './blob-store.js';
import { DbFitBlobs } from './db-fit-blobs.js';
import { DbUploadBlobs } from './db-upload-blobs.js';

/** Chunk size of blobs in the database: big enough for nearly every FIT file to be one row. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** Blobs in the database (FITSYNC_BLOB_STORE=db, the default with PostgreSQL): tables `blobs`, `blob_chunks`. */
export class DbBlobStore implements BlobStore {
  readonly kind = 'db' as const;
  readonly fit: DbFitBlobs;
  readonly uploads: DbUploadBlobs;

  constructor(db: Db, now: () => number = Date.now, chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.fit = new DbFitBlobs(db, chunkBytes, now);
    this.uploads = new DbUploadBlobs(db, chunkBytes, now);
  }

  async close(): Promise<void> {}

  /**
   * One DELETE per kind, each deciding age and references in the same statement: a put or `has`
   * touches `stored_at` under the row's lock, so a blob someone is about to name is never old
   * when the DELETE looks at it again (PostgreSQL re-checks the WHERE of a row it waited for).
   * Chunks go with their header (ON DELETE CASCADE).
   */
  async collect(q: Queryable, cutoffMs: number): Promise<GcCounts> {
    const partial = await q.run(`DELETE FROM blobs WHERE kind = 'fit' AND complete = 0 AND stored_at < ?`, [cutoffMs]);
    const fit = await q.run(`DELETE FROM blobs WHERE kind = 'fit' AND stored_at < ? AND NOT ${FIT_REFERENCED('blobs.name')}`, [cutoffMs]);
    const upload = await q.run(`DELETE FROM blobs WHERE kind = 'upload' AND stored_at < ? AND NOT ${UPLOAD_LIVE('blobs.name')}`, [cutoffMs]);
    return { fit: fit.changes, upload: upload.changes, partial: partial.changes };
  }
}
