/**
 * Cancel reaches the socket: a job cancelled while its FIT downloads hang at Garmin (the sim's
 * `slow` fault, a minute long) ends `cancelled` within 2 s, and the sim sees every held
 * connection closed by the client, instead of answering a call the server abandoned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { linkedUser, startSync, startWorld, type SyncWorld, waitFor } from './sync/harness.js';

const DOWNLOADS = '/download-service/files/activity/{id}';

for (const { dialect, skip } of await dialects()) {
  describe(`cancel aborts in-flight Garmin calls on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `sync-cancel-abort-${dialect}`);
    });
    after(async () => {
      assert.equal(w?.s.app.deps.syncWorkers.active ?? 0, 0, 'a sync job is still running');
      await w?.close();
    });

    test('cancel during slow FIT downloads: cancelled within 2 s and Garmin sees the connections closed', async () => {
      const u = await linkedUser(w, { activities: 6, days: 1, workouts: 0 });
      w.sim.setFaults([{ path_prefix: '/download-service/', kind: 'slow', rate: 1, delay_ms: 60_000 }]);
      try {
        const job = await startSync(w, u, { sync_type: 'activities' });
        const running = w.s.app.deps.syncWorkers.runOnce();
        await waitFor('a FIT download held at Garmin', async () => w.sim.stats().in_flight > 0);
        const t0 = Date.now();
        const r = await call(w.s.app, 'POST', `/v1/sync/jobs/${job.job_id}/cancel`, { token: u.token });
        assert.equal(r.status, 202);
        await waitFor('cancelled', async () => {
          const j = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
          return j.status === 'cancelled';
        });
        assert.ok(Date.now() - t0 < 2000, `cancel took ${Date.now() - t0} ms`);
        await running;
        // Without the signal at the socket the sim would hold these for the whole minute.
        await waitFor('the sim to see the downloads closed', async () => w.sim.stats().in_flight === 0, 2000);
        const downloads = w.sim.stats().by_route[DOWNLOADS] ?? {};
        assert.ok((downloads.aborted ?? 0) >= 1, JSON.stringify(downloads));
        assert.deepEqual(Object.keys(downloads), ['aborted'], 'no download was answered or retried');
      } finally {
        w.sim.setFaults([]);
      }
    });
  });
}
