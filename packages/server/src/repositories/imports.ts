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

/** A new upload (status `uploading`, nothing received yet). */
export async function insertImport(
  q: Queryable,
  i: { importId: string; userId: string; format: ImportFormat; sizeBytes: number; sha256: string; now: number },
): Promise<ImportRow> {
  const row = await q.get<ImportRow>(
    `INSERT INTO imports (import_id, user_id, format, status, size_bytes, received_bytes, sha256, created_at, updated_at)
     VALUES (?, ?, ?, 'uploading', ?, 0, ?, ?, ?) RETURNING ${COLUMNS}`,
    [i.importId, i.userId, i.format, i.sizeBytes, i.sha256, i.now, i.now],
  );
  return row!;
}

/**
 * The user's upload of this very file that has no job yet (the resume of `POST /v1/imports`):
 * still uploading, or uploaded and waiting for another job to end.
 */
export async function findUnfinishedImport(q: Queryable, userId: string, sha256: string, sizeBytes: number): Promise<ImportRow | undefined> {
  return q.get<ImportRow>(
    `SELECT ${COLUMNS} FROM imports WHERE user_id = ? AND sha256 = ? AND size_bytes = ? AND status IN ('uploading', 'uploaded')
     ORDER BY updated_at DESC LIMIT 1`,
    [userId, sha256, sizeBytes],
  );
}

/** The user's unfinished uploads, most recently touched first. */
export async function listUnfinishedImports(q: Queryable, userId: string): Promise<ImportRow[]> {
  return q.all<ImportRow>(
    `SELECT ${COLUMNS} FROM imports WHERE user_id = ? AND status = 'uploading' ORDER BY updated_at DESC, import_id DESC`,
    [userId],
  );
}

/** Every user's unfinished uploads untouched since `before` (epoch ms). */
export async function staleUnfinishedImports(q: Queryable, before: number): Promise<ImportRow[]> {
  return q.all<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE status = 'uploading' AND updated_at < ?`, [before]);
}

/**
 * Records how many bytes are durably in the file. Only while the upload is unfinished: a row
 * deleted (or completed) meanwhile changes nothing, and the caller learns it from `false`.
 */
export async function setReceivedBytes(q: Queryable, importId: string, receivedBytes: number, now: number): Promise<boolean> {
  const r = await q.run(`UPDATE imports SET received_bytes = ?, updated_at = ? WHERE import_id = ? AND status = 'uploading'`, [
    receivedBytes,
    now,
    importId,
  ]);
  return r.changes > 0;
}

/** Moves an import on: `uploaded` (no job yet) or `started` with its job. */
export async function setImportStatus(q: Queryable, importId: string, status: ImportStatus, jobId: string | null, now: number): Promise<ImportRow | undefined> {
  return q.get<ImportRow>(`UPDATE imports SET status = ?, job_id = ?, updated_at = ? WHERE import_id = ? RETURNING ${COLUMNS}`, [
    status,
    jobId,
    now,
    importId,
  ]);
}

export async function deleteImport(q: Queryable, importId: string): Promise<boolean> {
  return (await q.run('DELETE FROM imports WHERE import_id = ?', [importId])).changes > 0;
}
