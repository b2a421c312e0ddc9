import type { Db } from '../db/db.js';

const FINISHED = "('completed', 'failed', 'cancelled')";

/**
 * Finished sync jobs that ended before `before`, at most `limit`, except the ones something still
 * names: the user's newest finished job of each sync type (GET /v1/sync/status and `fitsync sync
 * status` show the latest job; a kind's last result stays readable) and a schedule's last_job_id.
 */
export async function findOldJobs(db: Db, before: number, limit: number): Promise<string[]> {
  const rows = await db.all<{ job_id: string }>(
    `SELECT j.job_id FROM sync_jobs j
     WHERE j.status IN ${FINISHED} AND j.end_time < ?
       AND EXISTS (SELECT 1 FROM sync_jobs n
         WHERE n.user_id = j.user_id AND n.sync_type = j.sync_type AND n.status IN ${FINISHED}
           AND (n.created_at > j.created_at OR (n.created_at = j.created_at AND n.job_id > j.job_id)))
       AND NOT EXISTS (SELECT 1 FROM sync_schedules s WHERE s.last_job_id = j.job_id)
     LIMIT ${Math.floor(limit)}`,
    [before],
  );
  return rows.map((r) => r.job_id);
}

/**
 * Deletes the jobs and the import rows that name them (imports.job_id has no foreign key; an import's
 * upload and scratch files went when its job ended) in one transaction. Returns the counts.
 */
export async function deleteJobs(db: Db, jobIds: readonly string[]): Promise<{ jobs: number; imports: number }> {
  if (jobIds.length === 0) return { jobs: 0, imports: 0 };
  const list = jobIds.map(() => '?').join(', ');
  return db.transaction(async (tx) => {
    const imports = await tx.run(`DELETE FROM imports WHERE job_id IN (${list})`, jobIds);
    // The status test again: nothing finished ever runs again, but a row is never deleted on a stale read.
    const jobs = await tx.run(`DELETE FROM sync_jobs WHERE job_id IN (${list}) AND status IN ${FINISHED}`, jobIds);
    return { jobs: jobs.changes, imports: imports.changes };
  });
}
