import { rm } from 'node:fs/promises';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Db } from '../db/db.js';
import { importScratchDir } from './import-files.js';

/** Deletes an import's uploaded archive and its job's local scratch dir (missing ones are fine). */
export async function removeImportFiles(blobs: BlobStore, dataDir: string, importId: string): Promise<void> {
  await blobs.uploads.delete(importId);
  await rm(importScratchDir(dataDir, importId), { recursive: true, force: true });
}

/**
 * Deletes the uploads of imports whose job ended at or after `sinceMs` without its worker: a pending
 * job cancelled by the API, jobs cancelled by a Garmin disconnect, a job failed at claim for too
 * many attempts. (A worker that ends its own import job deletes them at once; the blob collector
 * takes what a crash left.) Returns how many.
 */
export async function removeEndedImportFiles(db: Db, blobs: BlobStore, dataDir: string, sinceMs: number): Promise<number> {
  const rows = await db.all<{ import_id: string }>(
    `SELECT i.import_id FROM imports i JOIN sync_jobs j ON j.job_id = i.job_id
     WHERE j.status IN ('completed', 'failed', 'cancelled') AND j.end_time >= ?`,
    [sinceMs],
  );
  for (const r of rows) await removeImportFiles(blobs, dataDir, r.import_id).catch(() => {});
  return rows.length;
}
