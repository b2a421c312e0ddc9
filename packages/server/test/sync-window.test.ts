import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { drain, linkedUser, startSync, startWorld, type SyncWorld } from './sync/harness.js';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// since/until windows: only activities whose (local) start date is inside, only those days; the
// incremental cursors are left alone, so the next plain sync is still a full first sync.
for (const { dialect, skip } of await dialects()) {
  describe(`windowed sync on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `sync-window-${dialect}`);
    });
    after(() => w?.close());

    test('since/until select activities by local start date and days by date', async () => {
      const u = await linkedUser(w, { activities: 60, days: 40, workouts: 2 });
      const simUser = w.sim.state.user(u.email)!;
      const truth = w.sim.truth(u.email);
      const since = truth.days[25]!;
      const until = truth.days[10]!;
      const expected = simUser.activities
        .filter((a) => {
          const local = day((a.seed.startS + simUser.tz.offsetS) * 1000);
          return local >= since && local <= until;
        })
        .map((a) => a.seed.idText)
        .sort();
      assert.ok(expected.length > 0 && expected.length < 60);
      const job = await startSync(w, u, { sync_type: 'all', since, until });
      await drain(w);
      const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
      assert.equal(done.status, 'completed', done.error_message);
      assert.equal(done.since, since);
      assert.equal(done.until, until);
      const got = (await call(w.s.app, 'GET', '/v1/activities?limit=1000', { token: u.token })).body.activities
        .map((a: { activity_id: string }) => a.activity_id)
        .sort();
      assert.deepEqual(got, expected);
      const days = (await call(w.s.app, 'GET', '/v1/health/daily', { token: u.token })).body.days.map((d: { date: string }) => d.date);
      assert.deepEqual(days, truth.days.filter((d) => d >= since && d <= until).sort());

      // The window did not move the cursors: a plain sync now fetches everything else.
      const next = await startSync(w, u, { sync_type: 'all' });
      await drain(w);
      const nextDone = (await call(w.s.app, 'GET', `/v1/sync/jobs/${next.job_id}`, { token: u.token })).body;
      assert.equal(nextDone.status, 'completed', nextDone.error_message);
      assert.equal(nextDone.counts.activities.new, 60 - expected.length);
      assert.equal(nextDone.counts.activities.unchanged, expected.length);
    });
  });
}
