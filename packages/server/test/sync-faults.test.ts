import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FaultRule } from '@fitsync/garmin-sim';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { assertTruth, drain, linkedUser, routeCounts, startSync, startWorld, type SyncWorld } from './sync/harness.js';

const DATA_PATHS = [
  '/activitylist-service/',
  '/download-service/',
  '/usersummary-service/',
  '/weight-service/',
  '/workout-service/',
  '/wellness-service/',
  '/sleep-service/',
  '/hrv-service/',
  '/metrics-service/',
];

/** About 10 % of data calls fail: 429 with Retry-After, 500, connection reset, truncated body. */
function tenPercent(): FaultRule[] {
  return DATA_PATHS.flatMap((path_prefix) => [
    { path_prefix, kind: '429' as const, rate: 0.025, retry_after_s: 1 },
    { path_prefix, kind: '500' as const, rate: 0.025 },
    { path_prefix, kind: 'reset' as const, rate: 0.025 },
    { path_prefix, kind: 'truncate' as const, rate: 0.025 },
  ]);
}

for (const { dialect, skip } of await dialects()) {
  const size = dialect === 'postgres' ? { activities: 150, days: 90, workouts: 10 } : { activities: 60, days: 40, workouts: 5 };
  describe(`sync under Garmin faults on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `sync-faults-${dialect}`);
    });
    after(async () => {
      w?.sim.setFaults([]);
      assert.equal(w?.s.app.deps.syncWorkers.active ?? 0, 0, 'a sync job is still running');
      await w?.close();
    });

    test('with ~10 % of data calls failing, the sync still ends with exactly the truth', async () => {
      const u = await linkedUser(w, size);
      w.sim.resetStats();
      w.sim.setFaults(tenPercent());
      try {
        const job = await startSync(w, u, { sync_type: 'all' });
        await drain(w);
        const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        assert.equal(done.status, 'completed', done.error_message);
      } finally {
        w.sim.setFaults([]);
      }
      const stats = w.sim.stats();
      const failures = Object.values(stats.by_path)
        .flatMap((s) => Object.entries(s))
        .filter(([status]) => status !== '200')
        .reduce((a, [, n]) => a + n, 0);
      assert.ok(failures >= 10, `the faults did not fire (${failures}): ${JSON.stringify(routeCounts(stats))}`);
      await assertTruth(w, u);
    });

    test('with every FIT download failing, the job fails in bounded time saying what failed and how far it got', async () => {
      const u = await linkedUser(w, { activities: 10, days: 3, workouts: 1 });
      w.sim.setFaults([{ path_prefix: '/download-service/', kind: '500', rate: 1 }]);
      try {
        const t0 = Date.now();
        const job = await startSync(w, u, { sync_type: 'all' });
        await drain(w);
        assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
        const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        assert.equal(done.status, 'failed');
        assert.match(done.error_message, /^Garmin unavailable while downloading the FIT file of activity \d+ \(\d+ of \d+ items done\): .*HTTP 500/);
        assert.ok(done.end_time);
      } finally {
        w.sim.setFaults([]);
      }
      // Nothing half-stored: a later sync completes and reaches the truth.
      const again = await startSync(w, u, { sync_type: 'all' });
      await drain(w);
      assert.equal((await call(w.s.app, 'GET', `/v1/sync/jobs/${again.job_id}`, { token: u.token })).body.status, 'completed');
      await assertTruth(w, u);
    });

    test('with every data call failing (resets), the job fails with a clear message', async () => {
      const u = await linkedUser(w, { activities: 5, days: 3, workouts: 1 });
      w.sim.setFaults(DATA_PATHS.map((path_prefix) => ({ path_prefix, kind: 'reset' as const, rate: 1 })));
      try {
        const job = await startSync(w, u, { sync_type: 'all' });
        await drain(w);
        const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        assert.equal(done.status, 'failed');
        assert.match(done.error_message, /^Garmin unavailable while counting activities \(0 of \? items done\): /);
      } finally {
        w.sim.setFaults([]);
      }
    });

    test('Garmin rejecting the tokens: the connection becomes reauth_required and the job says to run `fitsync garmin connect`', async () => {
      const u = await linkedUser(w, { activities: 5, days: 3, workouts: 1 });
      w.sim.revokeTokens(u.email);
      const job = await startSync(w, u, { sync_type: 'all' });
      await drain(w);
      const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
      assert.equal(done.status, 'failed');
      const conn = await call(w.s.app, 'GET', '/v1/garmin/connection', { token: u.token });
      assert.equal(conn.body.status, 'reauth_required');
      // The job, the connection and /v1/me agree on since when.
      const since = `${String(conn.body.reauth_required_at).slice(0, 16).replace('T', ' ')} UTC`;
      assert.ok(done.error_message.endsWith(`Garmin no longer accepts the stored sign-in (since ${since}); run \`fitsync garmin connect\`.`), done.error_message);
      const me = await call(w.s.app, 'GET', '/v1/me', { token: u.token });
      assert.equal(me.body.garmin_status, 'reauth_required');
      assert.equal(me.body.garmin_reauth_required_at, conn.body.reauth_required_at);
      const next = await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body: { sync_type: 'all' } });
      assert.equal(next.status, 409);
      assert.equal(next.body.code, 'garmin_not_connected');
      assert.match(next.body.detail, new RegExp(`\\(since ${since}\\); run \`fitsync garmin connect\``));
    });
  });
}
