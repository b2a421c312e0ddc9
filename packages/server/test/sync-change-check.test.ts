import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { CHANGE_MARKS_MAX_AGE_MS } from '../src/sync/change-check.js';
import { findSyncJob } from '../src/repositories/sync-jobs.js';
import { toSyncJob } from '../src/sync/job-view.js';
import { dialects } from './helpers/dialects.js';
import { drain, insertScheduledJob, linkedUser, routeCounts, signInAgain, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

/** Sign-in traffic (token refreshes) is not a data call; everything else the sim served is. */
function dataCalls(w: SyncWorld): number {
  const counts = routeCounts(w.sim.stats());
  return Object.entries(counts)
    .filter(([route]) => !route.startsWith('/di-oauth2-service/') && !route.startsWith('/sso') && !route.startsWith('/mobile/'))
    .reduce((a, [, n]) => a + n, 0);
}

for (const { dialect, skip } of await dialects()) {
  describe(`the change check of scheduled runs on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    let u: SyncUser;
    // One clock for server and sim: the marks' age and the device's upload times are on it.
    const clock = new FakeRuntime({ now: Date.UTC(2026, 5, 10, 8) });
    before(async () => {
      w = await startWorld(dialect, `change-check-${dialect}`, {}, { runtime: clock, simRuntime: clock });
      u = await linkedUser(w, { activities: 6, days: 5, workouts: 1 }, 'chg');
    });
    after(() => w?.close());

    async function runScheduled(syncType: 'all' | 'activities' = 'all') {
      const jobId = await insertScheduledJob(w, u, syncType);
      w.sim.resetStats();
      assert.equal(await drain(w), 1);
      // Read from the database: the fake clock outruns the user's session token.
      const job = toSyncJob((await findSyncJob(w.s.db, jobId))!);
      assert.equal(job.status, 'completed', job.error_message ?? '');
      assert.equal(job.trigger, 'schedule');
      return { job, calls: dataCalls(w), routes: routeCounts(w.sim.stats()) };
    }

    test('the first scheduled run has no marks: it syncs for real', async () => {
      const { job, calls } = await runScheduled();
      assert.equal(job.counts.activities.new, 6);
      assert.equal(job.message, null);
      assert.ok(calls > 10, `${calls} calls`);
    });

    test('idle scheduled runs cost at most 2 upstream calls and complete with 0 items and a message', async () => {
      for (let i = 0; i < 3; i++) {
        await clock.advance(15 * 60_000);
        const { job, calls, routes } = await runScheduled();
        assert.ok(calls <= 2, `${calls} calls: ${JSON.stringify(routes)}`);
        assert.equal(routes['/device-service/deviceservice/mylastused'], 1);
        assert.equal(routes['/activitylist-service/activities/search/activities'], 1);
        assert.equal(job.processed_items, 0);
        assert.equal(job.total_items, 0);
        assert.equal(job.progress, 100);
        for (const c of Object.values(job.counts) as { new: number; updated: number; unchanged: number }[]) {
          assert.deepEqual(c, { new: 0, updated: 0, unchanged: 0 });
        }
        assert.match(job.message ?? '', /^Nothing changed at Garmin since 2026-06-10T08:00:00\.000Z \(the last sync\); nothing to fetch\.$/);
      }
    });

    test('after the sim adds an activity, the next scheduled run fetches exactly it; the one after is idle again', async () => {
      await clock.advance(15 * 60_000);
      const [added] = w.sim.addActivities(u.email, 1);
      const { job, routes } = await runScheduled();
      assert.equal(job.message, null);
      assert.equal(job.counts.activities.new, 1);
      assert.equal(job.counts.activities.updated, 0);
      assert.equal(routes['/download-service/files/activity/{id}'], 1, 'one FIT download');
      const stored = await w.s.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM activities WHERE user_id = ? AND activity_id = ?', [u.userId, added!]);
      assert.equal(Number(stored!.n), 1);

      await clock.advance(15 * 60_000);
      const idle = await runScheduled();
      assert.ok(idle.calls <= 2, `${idle.calls} calls`);
      assert.match(idle.job.message ?? '', /since 2026-06-10T09:00:00\.000Z/);
    });

    test('new health data (the device uploaded) makes the next scheduled run sync', async () => {
      await clock.advance(15 * 60_000);
      w.sim.editHealth(u.email, { add_today: true });
      const { job, calls } = await runScheduled();
      assert.equal(job.message, null);
      assert.ok(job.counts.health.new + job.counts.health.updated >= 1, JSON.stringify(job.counts.health));
      assert.ok(calls > 2);
      await clock.advance(15 * 60_000);
      assert.ok((await runScheduled()).calls <= 2);
    });

    test('marks are per sync type; marks older than a day make a scheduled run sync for real', async () => {
      await clock.advance(15 * 60_000);
      const first = await runScheduled('activities');
      assert.equal(first.job.message, null, 'no marks for activities-only runs yet');
      await clock.advance(15 * 60_000);
      assert.ok((await runScheduled('activities')).calls <= 2);
      await clock.advance(CHANGE_MARKS_MAX_AGE_MS);
      const stale = await runScheduled('activities');
      assert.equal(stale.job.message, null);
      assert.ok(stale.calls > 2, `${stale.calls} calls`);
    });

    test('manual jobs are never skipped by the check', async () => {
      // A fresh session: the fake clock has outrun the first one.
      u = await signInAgain(w, u);
      await runScheduled('all');
      const manual = await startSync(w, u, { sync_type: 'all' });
      w.sim.resetStats();
      await drain(w);
      const job = toSyncJob((await findSyncJob(w.s.db, manual.job_id))!);
      assert.equal(job.status, 'completed');
      assert.equal(job.message, null);
      assert.equal(routeCounts(w.sim.stats())['/device-service/deviceservice/mylastused'], undefined, 'no change check');
      assert.ok(dataCalls(w) > 2);
    });
  });
}
