import type { Queryable } from '../db/db.js';

/**
 * Which blobs rows still name: one place for the reference rules the collector applies, whether
 * it checks names it found on disk (fs) or deletes in one statement (db, `NOT EXISTS` on these).
 */

/** An activity row names the FIT file (activity_decoded rows go with their activity). */
export const FIT_REFERENCED = (sha: string) => `EXISTS (SELECT 1 FROM activities a WHERE a.fit_sha256 = ${sha})`;

/**
 * An import is live while it is uploading or waiting, or its job may still run (pending, running).
 * An import whose job ended keeps its row, but not its archive.
 */
export const UPLOAD_LIVE = (id: string) =>
  `EXISTS (SELECT 1 FROM imports i LEFT JOIN sync_jobs j ON j.job_id = i.job_id
    WHERE i.import_id = ${id} AND (i.job_id IS NULL OR j.status IN ('pending', 'running')))`;

/** Of `shas`, those an activity names. */
export async function referencedFits(q: Queryable, shas: readonly string[]): Promise<Set<string>> {
  return inBatches(q, shas, (marks) => `SELECT DISTINCT a.fit_sha256 AS v FROM activities a WHERE a.fit_sha256 IN (${marks})`);
}

/** Of `ids`, the live imports. */
export async function liveUploads(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  return inBatches(
    q,
    ids,
    (marks) => `SELECT i.import_id AS v FROM imports i LEFT JOIN sync_jobs j ON j.job_id = i.job_id
      WHERE i.import_id IN (${marks}) AND (i.job_id IS NULL OR j.status IN ('pending', 'running'))`,
  );
}

async function inBatches(q: Queryable, values: readonly string[], sql: (marks: string) => string): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < values.length; i += 200) {
    const part = values.slice(i, i + 200);
    for (const r of await q.all<{ v: string }>(sql(part.map(() => '?').join(', ')), part)) out.add(r.v);
  }
  return out;
}
