import type { Db } from '../db/db.js';
import type { Metrics } from '../metrics.js';

/**
 * fitsync_sync_queue_depth{state="queued"|"running"}: the jobs of the whole database (every
 * instance's), read at scrape time with one grouped count over the claim index.
 */
export function registerQueueDepth(metrics: Metrics, db: Db): void {
  metrics.gauge('fitsync_sync_queue_depth', 'Sync and import jobs waiting to be claimed (queued) and running, in the database.', async () => {
    const rows = await db.all<{ status: string; n: number | string }>(
      "SELECT status, COUNT(*) AS n FROM sync_jobs WHERE status IN ('pending', 'running') GROUP BY status",
    );
    const of = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return [
      { labels: { state: 'queued' }, value: of('pending') },
      { labels: { state: 'running' }, value: of('running') },
    ];
  });
}
