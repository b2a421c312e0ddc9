import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startSim } from '@fitsync/garmin-sim';
import { CountingDb } from '../src/db/counting-db.js';
import type { LocalEventBus } from '../src/events/event-bus.js';
import { systemRuntime } from '@fitsync/runtime';
import { SyncJobQueue } from '../src/jobs/sync-job-queue.js';
import { publishJob } from '../src/sync/publish-job.js';
import { startTestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { openSse } from './helpers/sse-stream.js';
import { drain, linkedUser, startSync, type SyncWorld, syncEnv, waitFor } from './sync/harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough for a polling stream (4 queries a second before) to show up many times over. */
const IDLE_MS = 3000;

for (const { dialect, skip } of await dialects()) {
  describe(`pushed sync job events on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    let counted: CountingDb;
    before(async () => {
      const sim = await startSim({ seed: `sync-events-${dialect}` });
      const s = await startTestServer({
        dialect,
        env: syncEnv(sim),
        wrapDb: (db) => {
          counted = new CountingDb(db);
          return counted;
        },
      });
      w = {
        sim,
        s,
        close: async () => {
          await s.close();
          await sim.close();
        },
      };
    });
    after(async () => {
      assert.equal(w?.s.app.deps.syncWorkers.active ?? 0, 0, 'a sync job is still running');
      await w?.close();
    });

    test('an idle watcher makes no database query; a progress change reaches it as one frame', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'workouts' });
      const stream = await openSse(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
      assert.equal(stream.status, 200);
      const first = await stream.next(() => true);
      assert.equal(first.data.status, 'pending');
      await sleep(100); // what the stream's open costs has been counted
      const before = counted.queries;
      await sleep(IDLE_MS);
      assert.equal(counted.queries - before, 0, `an idle watcher made ${counted.queries - before} queries in ${IDLE_MS} ms`);

      // A change the way the worker makes it: a row write that RETURNS the job, then publish.
      const queue = new SyncJobQueue({ db: w.s.db, runtime: systemRuntime, events: w.s.app.deps.events, leaseMs: 60_000, maxAttempts: 5 });
      const claimed = await queue.claim('test-owner');
      assert.equal(claimed?.job_id, job.job_id);
      const running = await stream.next((f) => f.data.status === 'running');
      assert.equal(running.id, String(claimed!.version));
      const counts = JSON.stringify({ workouts: { new: 7, updated: 0, unchanged: 0 } });
      const beat = await queue.heartbeat(job.job_id, 'test-owner', null, {
        progress: 50,
        totalItems: 14,
        processedItems: 7,
        countsJson: counts,
      });
      const progress = await stream.next((f) => f.data.processed_items === 7);
      assert.equal(progress.data.progress, 50);
      assert.equal(progress.data.counts.workouts.new, 7);
      assert.equal(progress.id, String(beat!.version));
      // An older snapshot published late (out of order) is dropped, not sent.
      publishJob(w.s.app.deps.events, claimed!);
      await sleep(50);
      assert.deepEqual(
        stream.frames.map((f) => f.data.status),
        ['pending', 'running', 'running'],
      );
      // Hand the job back to a real worker: it runs to its end and the stream ends with it.
      await w.s.db.run("UPDATE sync_jobs SET lease_owner = 'dead', lease_expires_at = 0 WHERE job_id = ?", [job.job_id]);
      await drain(w);
      await stream.endsWithin(5000);
      assert.equal(stream.frames.at(-1)?.data.status, 'completed');
      const ids = stream.frames.map((f) => Number(f.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'versions only go up');
      assert.equal(new Set(ids).size, ids.length, 'no snapshot twice');
    });

    test('logging out ends the stream at once, without the stream polling its session', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'workouts' });
      const stream = await openSse(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
      await stream.next(() => true);
      await sleep(100);
      const before = counted.queries;
      await sleep(1000);
      assert.equal(counted.queries - before, 0, 'the idle stream queried the database');
      const closed = w.s.app.deps.metrics.counter('fitsync_sync_event_streams_closed_total', '').get();
      assert.equal((await call(w.s.app, 'POST', '/v1/auth/logout', { body: { refresh_token: u.refreshToken } })).status, 204);
      const ms = await stream.endsWithin(1000);
      assert.ok(ms < 1000, `ended ${ms} ms after the logout`);
      assert.equal(stream.frames.length, 1);
      assert.equal(w.s.app.deps.metrics.counter('fitsync_sync_event_streams_closed_total', '').get(), closed + 1);
      await w.s.db.run("UPDATE sync_jobs SET status = 'cancelled' WHERE job_id = ?", [job.job_id]);
    });

    test('a reader that falls behind gets the newest snapshot when it catches up, not every one in between', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'workouts' });
      const base = await w.s.app.deps.syncJobs.snapshot(u.userId, job.job_id);
      const frames: { id: number; status: string }[] = [];
      let paused: http.IncomingMessage | undefined;
      const ended = new Promise<void>((resolve, reject) => {
        const req = http.get(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, { headers: { authorization: `Bearer ${u.token}` } });
        req.on('error', reject);
        req.on('response', (res) => {
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            if (!paused) {
              res.pause(); // the reader stops reading after the first chunk
              paused = res;
            }
            for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const id = /^id: (\d+)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (id && data) frames.push({ id: Number(id), status: JSON.parse(data).status });
            }
          });
          res.on('end', resolve);
        });
      });
      await waitFor('the reader to pause', async () => paused !== undefined);
      // 2,000 snapshots of ~20 kB: far more than the socket buffers hold while nobody reads.
      const N = 2000;
      const filler = 'x'.repeat(20_000);
      for (let v = base.version + 1; v <= base.version + N; v++) {
        w.s.app.deps.events.publish('sync-job', job.job_id, { version: v, job: { ...base.job, status: 'running', error_message: filler } });
      }
      const last = base.version + N + 1;
      w.s.app.deps.events.publish('sync-job', job.job_id, { version: last, job: { ...base.job, status: 'cancelled' } });
      paused!.resume();
      await ended;
      assert.equal(frames.at(-1)?.id, last, 'the terminal snapshot came last');
      assert.equal(frames.at(-1)?.status, 'cancelled');
      assert.ok(frames.length < N, `${frames.length} frames: the ones in between were skipped`);
      const ids = frames.map((f) => f.id);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      assert.equal(new Set(ids).size, ids.length);
      await w.s.db.run("UPDATE sync_jobs SET status = 'cancelled' WHERE job_id = ?", [job.job_id]);
    });

    test('cancel and a Garmin disconnect reach open streams; a finished job sends its last snapshot; a revoked session opens none', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'workouts' });
      const watching = await openSse(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
      await watching.next(() => true);
      assert.equal((await call(w.s.app, 'POST', `/v1/sync/jobs/${job.job_id}/cancel`, { token: u.token })).status, 202);
      await watching.endsWithin(1000);
      assert.deepEqual(
        watching.frames.map((f) => f.data.status),
        ['pending', 'cancelled'],
      );
      const done = await openSse(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
      await done.endsWithin(2000);
      assert.deepEqual(
        done.frames.map((f) => f.data.status),
        ['cancelled'],
      );

      const next = await startSync(w, u, { sync_type: 'workouts' });
      const disconnected = await openSse(`${w.s.url}/v1/sync/jobs/${next.job_id}/events`, u.token);
      await disconnected.next(() => true);
      assert.equal((await call(w.s.app, 'DELETE', '/v1/garmin/connection', { token: u.token })).status, 204);
      await disconnected.endsWithin(1000);
      assert.equal(disconnected.frames.at(-1)?.data.status, 'cancelled');

      assert.equal((await call(w.s.app, 'POST', '/v1/auth/logout', { body: { refresh_token: u.refreshToken } })).status, 204);
      const refused = await openSse(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
      assert.equal(refused.status, 401);
      // Every stream of this file has ended: none left a subscription behind. What remains are the
      // session cache's revocation listeners, one per live session it holds, and the GET /v1/me
      // cache's, one per user it holds.
      const { tokens, auth } = w.s.app.deps;
      assert.equal((w.s.app.deps.events as LocalEventBus).listenerCount, tokens.cachedSessions + auth.cachedMe);
    });
  });
}
