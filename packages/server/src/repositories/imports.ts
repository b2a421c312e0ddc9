import type { ImportFormat, ImportStatus } from '@fitsync/api';
import type { Queryable } from '../db/db.js';

/** A row of `imports` (migration 37). BIGINT columns come back as numbers or strings by driver. */
export interface ImportRow {
  import_id: string;
  user_id: string;
  format: ImportFormat;
  status: ImportStatus;
  size_bytes: number | string;
  received_bytes: number | string;
  sha256: string;
  job_id: string | null;
  /** The import job's resume state (its own JSON), null before the job wrote any. */
  progress_json: string | null;
  created_at: number | string;
  updated_at: number | string;
}

const COLUMNS = 'import_id, user_id, format, status, size_bytes, received_bytes, sha256, job_id, progress_json, created_at, updated_at';

export async function findImport(q: Queryable, userId: string, importId: string): Promise<ImportRow | undefined> {
  return q.get<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE user_id = ? AND import_id = ?`, [userId, importId]);
}

/** The import a job reads (an import job's row is found by its job id). */
export async function findImportByJob(q: Queryable, jobId: string): Promise<ImportRow | undefined> {
  return q.get<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE job_id = ?`, [jobId]);
}

/** Stores the import job's resume state (call it in the transaction that commits what it describes). */
export async function setImportProgress(q: Queryable, importId: string, progressJson: string, now: number): Promise<void> {
  await q.run('UPDATE imports SET progress_json = ?, updated_at = ? WHERE import_id = ?', [progressJson, now, importId]);
}
