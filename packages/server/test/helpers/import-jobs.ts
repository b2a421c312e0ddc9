import { randomUUID, createHash } from 'node:crypto';
import type { Db, Queryable } from '../../src/db/db.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import { putUpload } from './blobs.js';
import { insertSyncJob } from '../../src/repositories/sync-jobs.js';
import { emptyCounts } from '../../src/sync/kind-counts.js';
import { KIND_NAMES } from '../../src/sync/kinds/index.js';

/**
 * What `POST/PATCH /v1/imports` leaves behind once an upload completes (the `upload` helper's
 * routes do this for real): the `imports` row, the archive in the blob store, and the
 * pending job (`sync_type` and `trigger` 'import') the row names. Returns the ids.
 */
export async function insertImportJob(db: Db, blobs: BlobStore, userId: string, archive: Buffer, now = Date.now()): Promise<{ importId: string; jobId: string }> {
  const importId = `imp-${randomUUID()}`;
  const jobId = `job-${randomUUID()}`;
  await putUpload(blobs, importId, archive);
  const sha = createHash('sha256').update(archive).digest('hex');
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO imports (import_id, user_id, format, status, size_bytes, received_bytes, sha256, job_id, progress_json, created_at, updated_at)
       VALUES (?, ?, 'garmin-export', 'uploaded', ?, ?, ?, NULL, NULL, ?, ?)`,
      [importId, userId, archive.length, archive.length, sha, now, now],
    );
    await startImportJob(tx, userId, importId, jobId, now);
  });
  return { importId, jobId };
}

/** The pending import job (`sync_type` and `trigger` 'import') an `imports` row starts, and the row pointing at it. */
export async function startImportJob(q: Queryable, userId: string, importId: string, jobId: string, now: number): Promise<void> {
  await insertSyncJob(q, {
    jobId,
    userId,
    syncType: 'import',
    since: null,
    until: null,
    full: false,
    countsJson: JSON.stringify(emptyCounts(KIND_NAMES)),
    now,
    idempotencyKey: null,
    requestHash: null,
    trigger: 'import',
  });
  await q.run("UPDATE imports SET job_id = ?, status = 'started' WHERE import_id = ?", [jobId, importId]);
}
