import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { assertTruth, drain, linkedUser, routeCounts, startSync, startWorld, type SyncWorld } from './sync/harness.js';

// A full sync stores exactly the sim's truth; incremental syncs fetch only what is new; a no-op
// incremental sync costs at most 5 upstream requests. Same account size on both engines.
for (const { dialect, skip } of await dialects()) {
  const size = { activities: 500, days: 365, workouts: 20 };
  describe(`sync engine on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `sync-engine-${dialect}`);
    });
    after(() => w?.close());

    test(`full sync of ${size.activities} activities, ${size.days} days, ${size.workouts} workouts equals the truth`, async () => {
      const u = await linkedUser(w, size);
      const job = await startSync(w, u, { sync_type: 'all' });
      assert.equal(job.status, 'pending');
      assert.equal(await drain(w), 1);
      const done = await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token });
      assert.equal(done.body.status, 'completed', done.body.error_message);
      assert.equal(done.body.progress, 100);
      assert.equal(done.body.processed_items, done.body.total_items);
      assert.equal(done.body.counts.activities.new, size.activities);
      assert.equal(done.body.counts.workouts.new, size.workouts);
      await assertTruth(w, u);

      // Incremental: 5 new activities → 5 FIT downloads, one list page, nothing else re-fetched.
      w.sim.addActivities(u.email, 5);
      w.sim.resetStats();
      const inc = await startSync(w, u, { sync_type: 'all' });
      await drain(w);
      const incDone = await call(w.s.app, 'GET', `/v1/sync/jobs/${inc.job_id}`, { token: u.token });
      assert.equal(incDone.body.status, 'completed', incDone.body.error_message);
      assert.equal(incDone.body.counts.activities.new, 5);
      const routes = routeCounts(w.sim.stats());
      assert.equal(routes['/download-service/files/activity/{id}'], 5, JSON.stringify(routes));
      assert.ok((routes['/activitylist-service/activities/search/activities'] ?? 0) <= 2, JSON.stringify(routes));
      await assertTruth(w, u);

      // No-op incremental: one activity list page, one workout list, and health's re-read of 3 days
      // (3 unchanged summaries + one chunk of 4 range answers): 9, within issue 9's budget of 25.
      w.sim.resetStats();
      const noop = await startSync(w, u, { sync_type: 'all' });
      await drain(w);
      const noopDone = await call(w.s.app, 'GET', `/v1/sync/jobs/${noop.job_id}`, { token: u.token });
      assert.equal(noopDone.body.status, 'completed', noopDone.body.error_message);
      assert.equal(noopDone.body.counts.activities.new, 0);
      const total = w.sim.stats().total;
      assert.ok(total <= 9, `no-op sync made ${total} upstream requests: ${JSON.stringify(routeCounts(w.sim.stats()))}`);
      await assertTruth(w, u);
    });

    test('the read API serves what was synced: activities newest first with exact ids, FIT bytes, days, workouts', async () => {
      const u = await linkedUser(w, { activities: 30, days: 20, workouts: 3 });
      await startSync(w, u);
      await drain(w);
      const truth = w.sim.truth(u.email);
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `?limit=7&cursor=${cursor}` : '?limit=7';
        const page = await call(w.s.app, 'GET', `/v1/activities${q}`, { token: u.token });
        assert.equal(page.status, 200, JSON.stringify(page.body));
        for (const a of page.body.activities) ids.push(a.activity_id);
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(ids, truth.activities.map((a) => a.activity_id)); // truth is newest first
      const first = (await call(w.s.app, 'GET', '/v1/activities?limit=1', { token: u.token })).body.activities[0];
      assert.match(first.start_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(typeof first.activity_id, 'string');
      const fit = await w.s.app.inject({ method: 'GET', url: `/v1/activities/${first.activity_id}/fit`, headers: { authorization: `Bearer ${u.token}` } });
      assert.equal(fit.statusCode, 200);
      assert.equal(fit.headers['content-type'], 'application/vnd.ant.fit');
      const { createHash } = await import('node:crypto');
      assert.equal(createHash('sha256').update(fit.rawPayload).digest('hex'), truth.activities[0]!.fit_sha256);
      assert.equal(fit.rawPayload.toString('latin1', 8, 12), '.FIT');

      const other = await linkedUser(w, { activities: 0, days: 1, workouts: 0 });
      const denied = await call(w.s.app, 'GET', `/v1/activities/${first.activity_id}/fit`, { token: other.token });
      assert.equal(denied.status, 404);
      assert.equal((await call(w.s.app, 'GET', '/v1/activities/123/fit', { token: u.token })).status, 404);

      const days = await call(w.s.app, 'GET', '/v1/health/daily', { token: u.token });
      assert.deepEqual(days.body.days.map((d: { date: string }) => d.date), [...truth.days].sort());
      const d0 = days.body.days[0];
      for (const k of ['steps', 'distance_m', 'calories', 'resting_hr', 'avg_stress', 'body_battery_high', 'body_battery_low']) {
        assert.equal(typeof d0[k], 'number', k);
      }
      const window = await call(w.s.app, 'GET', `/v1/health/daily?since=${truth.days[2]}&until=${truth.days[1]}`, { token: u.token });
      assert.deepEqual(window.body.days.map((d: { date: string }) => d.date), [truth.days[2], truth.days[1]]);
      const wo = await call(w.s.app, 'GET', '/v1/workouts', { token: u.token });
      assert.deepEqual(wo.body.workouts.map((x: { workout_id: string }) => x.workout_id).sort(), [...truth.workouts].sort());
      assert.equal((await call(w.s.app, 'GET', '/v1/workouts', { token: other.token })).body.workouts.length, 0);
    });
  });
}
