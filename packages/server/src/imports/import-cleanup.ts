import { rm } from 'node:fs/promises';
import type { Db } from '../db/db.js';
import { importArchivePath, importScratchDir } from './import-files.js';

/** Deletes an import's uploaded archive and its job's scratch dir (missing files are fine). */
export async function removeImportFiles(dataDir: string, importId: string): Promise<void> {
  await rm(importArchivePath(dataDir, importId), { force: true });
  await rm(importScratchDir(dataDir, importId), { recursive: true, force: true });
}

/**
 * Deletes the files of imports whose job ended at or after `sinceMs` without its worker: a pending
 * job cancelled by the API, jobs cancelled by a Garmin disconnect, a job failed at claim for too
 * many attempts. (A worker that ends its own import job deletes them at once.) Returns how many.
 */
export async function removeEndedImportFiles(db: Db, dataDir: string, sinceMs: number): Promise<number> {
  const rows = await db.all<{ import_id: string }>(
    `SELECT i.import_id FROM imports i JOIN sync_jobs j ON j.job_id = i.job_id
     WHERE j.status IN ('completed', 'failed', 'cancelled') AND j.end_time >= ?`,
    [sinceMs],
  );
  for (const r of rows) await removeImportFiles(dataDir, r.import_id).catch(() => {});
  return rows.length;
}
