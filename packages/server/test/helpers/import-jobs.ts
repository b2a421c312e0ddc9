import { randomUUID, createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Db } from '../../src/db/db.js';
import { importArchivePath } from '../../src/imports/import-files.js';
import { insertSyncJob } from '../../src/repositories/sync-jobs.js';
import { emptyCounts } from '../../src/sync/kind-counts.js';
import { KIND_NAMES } from '../../src/sync/kinds/index.js';

/**
 * What `POST/PATCH /v1/imports` leaves behind once an upload completes (the `upload` helper's
 * routes do this for real): the `imports` row, the archive at its place in the data dir, and the
 * pending job (`sync_type` and `trigger` 'import') the row names. Returns the ids.
 */
export async function insertImportJob(db: Db, dataDir: string, userId: string, archive: Buffer, now = Date.now()): Promise<{ importId: string; jobId: string }> {
  const importId = `imp-${randomUUID()}`;
  const jobId = `job-${randomUUID()}`;
  const path = importArchivePath(dataDir, importId);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, archive, { mode: 0o600 });
  const sha = createHash('sha256').update(archive).digest('hex');
  await db.transaction(async (tx) => {
    await tx.run(
      `INSERT INTO imports (import_id, user_id, format, status, size_bytes, received_bytes, sha256, job_id, progress_json, created_at, updated_at)
       VALUES (?, ?, 'garmin-export', 'uploaded', ?, ?, ?, NULL, NULL, ?, ?)`,
      [importId, userId, archive.length, archive.length, sha, now, now],
    );
    await insertSyncJob(tx, {
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
    await tx.run("UPDATE imports SET job_id = ?, status = 'started' WHERE import_id = ?", [jobId, importId]);
  });
  return { importId, jobId };
}
