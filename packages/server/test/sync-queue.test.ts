import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { GarminApi } from '@fitsync/garmin';
import { FakeRuntime } from '@fitsync/runtime/fake';
import type { ServerEvents } from '../src/events/event-bus.js';
import { heartbeatMs, PROGRESS_TICK_MS } from '../src/jobs/job-owner.js';
import { SyncWorkerPool } from '../src/jobs/sync-worker-pool.js';
import type { SyncGarminSource } from '../src/sync/garmin-source.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { linkedUser, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

const LEASE_MS = 3000;
const MAX_ATTEMPTS = 3;

/** Lets pending I/O (database answers) and the code it resumes run; no timer is involved. */
async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Yields to I/O until `fn` holds. The fake clock does not move meanwhile: this waits for database
 * and socket answers, never for a time rule (the deadline only bounds a broken test).
 */
async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Awaits `p`, moving the fake clock on by `stepMs` while it has not settled: what ends it (a
 * heartbeat reading a cancel request) waits on a timer the clock must reach, and under load that
 * timer may be set only after one `advance` has already passed (the deadline bounds a broken test).
 */
async function whileAdvancing<T>(rt: FakeRuntime, stepMs: number, p: Promise<T>): Promise<T> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const deadline = Date.now() + 20_000;
  while (!settled) {
    if (Date.now() > deadline) throw new Error('never settled while the clock moved on');
    await rt.advance(stepMs);
    await new Promise((r) => setTimeout(r, 5));
  }
  return p;
}

/**
 * A Garmin source whose activity count answers `count` only when `open()` is called, and whose
 * activity list never answers: the job stays in its first steps.
 */
function blockedGarmin(count = 7) {
  let open: (n: number) => void = () => {};
  const gate = new Promise<number>((r) => {
    open = r;
  });
  const api = { getActivityCount: () => gate, listActivities: () => new Promise(() => {}) } as unknown as GarminApi;
  const source: SyncGarminSource = {
    apiFor: async () => api,
    status: async () => ({ status: 'connected', display_name: 'runner', connected_at: null, reauth_required_at: null, time_zone: null, signin_blocked_until: null }),
  };
  return { source, open: () => open(count) };
}

// The queue's time rules on a FakeRuntime: lease expiry → reclaim, heartbeat cadence, the cap on
// claims (FITSYNC_JOB_MAX_ATTEMPTS). No timer of the test or the queue runs for real.
for (const { dialect, skip } of await dialects()) {
  describe(`sync job queue on ${dialect} (fake runtime)`, { skip }, () => {
    let w: SyncWorld;
    const rt = new FakeRuntime({ now: Date.UTC(2026, 2, 2, 12) });
    before(async () => {
      const env = {
        FITSYNC_JOB_LEASE_MS: String(LEASE_MS),
        FITSYNC_JOB_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        FITSYNC_ACCESS_TOKEN_TTL: '86400',
        // Garmin retries as in production (backoff of 0.5–1 s, then 1–2 s), on the fake runtime.
        FITSYNC_GARMIN_RETRY_ATTEMPTS: '3',
        FITSYNC_GARMIN_RETRY_BASE_MS: '1000',
        FITSYNC_GARMIN_RETRY_MAX_MS: '30000',
      };
      w = await startWorld(dialect, `sync-queue-${dialect}`, env, { runtime: rt });
    });
    beforeEach(async () => {
      await w.s.db.run("UPDATE sync_jobs SET status = 'cancelled', lease_owner = NULL WHERE status IN ('pending', 'running')");
    });
    after(() => w?.close());

    const queue = () => w.s.app.deps.syncWorkers.queue;
    const row = async (jobId: string) =>
      (await w.s.db.get<{ status: string; attempts: number; total_items: number | null; lease_owner: string | null; lease_expires_at: number | null; error_message: string | null; state_json: string | null }>(
        'SELECT status, attempts, total_items, lease_owner, lease_expires_at, error_message, state_json FROM sync_jobs WHERE job_id = ?',
        [jobId],
      ))!;
    /** Every sync-job event published for `jobId` while `fn` runs. */
    const published = async (jobId: string, fn: () => Promise<void>) => {
      const seen: ServerEvents['sync-job'][] = [];
      const off = w.s.app.deps.events.subscribe('sync-job', jobId, (e) => seen.push(e));
      try {
        await fn();
      } finally {
        off();
      }
      return seen;
    };

    test('a job whose lease expired is claimed again, not a millisecond earlier', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'workouts' });
      const first = await queue().claim('worker-a');
      assert.equal(first?.job_id, job.job_id);
      assert.equal(Number(first?.attempts), 1);
      assert.equal(Number(first?.lease_expires_at), rt.now() + LEASE_MS);
      await rt.advance(LEASE_MS);
      // Expired means strictly past: at the very instant of expiry the lease still holds.
      assert.equal(await queue().claim('worker-b'), undefined);
      await rt.advance(1);
      const events = await published(job.job_id, async () => {
        const second = await queue().claim('worker-b');
        assert.equal(second?.job_id, job.job_id);
        assert.equal(second?.lease_owner, 'worker-b');
        assert.equal(Number(second?.attempts), 2);
      });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.job.status, 'running');
      // worker-a lost it: its heartbeat says so (the owner then stops without writing).
      assert.equal(await queue().heartbeat(job.job_id, 'worker-a', null, null), null);
    });

    test(`after ${MAX_ATTEMPTS} claims the next claim fails the job, saying where its workers stopped, and takes the next job`, async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const other = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'health' });
      for (let i = 1; i <= MAX_ATTEMPTS; i++) {
        const r = await queue().claim(`worker-${i}`);
        assert.equal(r?.job_id, job.job_id, `claim ${i}`);
        // Each worker got as far as a heartbeat recording where it was, then died.
        assert.ok(await queue().heartbeat(job.job_id, `worker-${i}`, `syncing health, reading the daily summary of 2026-03-0${i}`, null));
        await rt.advance(LEASE_MS + 1);
      }
      const next = await startSync(w, other, { sync_type: 'workouts' });
      const events = await published(job.job_id, async () => {
        const claimed = await queue().claim('worker-last');
        // The capped job is not handed out; the claim moves on to the next one.
        assert.equal(claimed?.job_id, next.job_id);
      });
      const r = await row(job.job_id);
      assert.equal(r.status, 'failed');
      assert.equal(r.lease_owner, null);
      assert.equal(Number(r.attempts), MAX_ATTEMPTS);
      const message = `the worker stopped ${MAX_ATTEMPTS} times while syncing health, reading the daily summary of 2026-03-0${MAX_ATTEMPTS}`;
      assert.equal(r.error_message, message);
      const api = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
      assert.equal(api.status, 'failed');
      assert.equal(api.error_message, message);
      assert.deepEqual(
        events.map((e) => [e.job.status, e.job.error_message]),
        [['failed', message]],
      );
    });

    test('a job handed back at shutdown is not counted against the cap', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'workouts' });
      const progress = { progress: 0, totalItems: null, processedItems: 0, countsJson: '{}' };
      for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
        const r = await queue().claim(`restarting-${i}`);
        assert.equal(r?.job_id, job.job_id, `claim ${i}`);
        await queue().release(job.job_id, `restarting-${i}`, progress);
      }
      assert.equal((await row(job.job_id)).status, 'running');
    });

    test('every write that changes a job row publishes it: versions arrive without a gap, each with the row as stored', async () => {
      const bus = w.s.app.deps.events;
      const log: ServerEvents['sync-job'][] = [];
      const publish = bus.publish.bind(bus);
      // Records every publication (the create's too, whose job id nobody knows beforehand).
      bus.publish = ((kind, key, payload) => {
        if (kind === 'sync-job') log.push(payload as ServerEvents['sync-job']);
        publish(kind, key, payload);
      }) as typeof bus.publish;
      try {
        const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
        const garmin = blockedGarmin();
        const pool = new SyncWorkerPool({
          db: w.s.db,
          runtime: rt,
          events: bus,
          config: w.s.config.sync,
          blobs: w.s.app.deps.blobs,
          dataDir: w.s.dataDir,
          decoder: w.s.app.deps.decoder,
          garmin: garmin.source,
        });
        const hb = heartbeatMs(LEASE_MS);
        const ids: string[] = [];
        // create → cancel while pending
        ids.push((await startSync(w, u, { sync_type: 'workouts' })).job_id);
        assert.equal((await call(w.s.app, 'POST', `/v1/sync/jobs/${ids[0]}/cancel`, { token: u.token })).status, 202);
        // create → claim → heartbeat with progress → cancel request → heartbeat → cancelled
        ids.push((await startSync(w, u, { sync_type: 'activities' })).job_id);
        const running = pool.runOnce();
        await until('the claim', async () => (await row(ids[1]!)).status === 'running');
        await rt.advance(hb);
        await until('a beat', async () => log.length >= 5);
        assert.equal((await call(w.s.app, 'POST', `/v1/sync/jobs/${ids[1]}/cancel`, { token: u.token })).status, 202);
        await whileAdvancing(rt, hb, running);
        // create → claim → shutdown: handed back
        ids.push((await startSync(w, u, { sync_type: 'activities' })).job_id);
        const handedBack = pool.runOnce();
        await until('the claim', async () => (await row(ids[2]!)).status === 'running');
        await pool.stop();
        await handedBack;
        // → claimed again and run to completion by the server's own workers (against the emulator)
        assert.equal(await w.s.app.deps.syncWorkers.runOnce(), ids[2]);
        // create → Garmin disconnected: cancelled
        ids.push((await startSync(w, u, { sync_type: 'workouts' })).job_id);
        assert.equal((await call(w.s.app, 'DELETE', '/v1/garmin/connection', { token: u.token })).status, 204);
        garmin.open();

        for (const id of ids) {
          const mine = log.filter((e) => e.job.job_id === id);
          const stored = (await call(w.s.app, 'GET', `/v1/sync/jobs/${id}`, { token: u.token })).body;
          const last = Number((await w.s.db.get<{ version: number }>('SELECT version FROM sync_jobs WHERE job_id = ?', [id]))!.version);
          const first = mine[0]!.version;
          assert.deepEqual(
            mine.map((e) => e.version),
            Array.from({ length: last - first + 1 }, (_, i) => first + i),
            `job ${ids.indexOf(id)}: ${mine.map((e) => `${e.version}:${e.job.status}`).join(' ')}`,
          );
          assert.equal(mine[0]!.job.status, 'pending');
          assert.deepEqual(mine.at(-1)!.job, stored);
        }
        const statuses = (i: number) => log.filter((e) => e.job.job_id === ids[i]).map((e) => e.job.status);
        assert.deepEqual(statuses(0), ['pending', 'cancelled']);
        assert.equal(statuses(1).at(-1), 'cancelled');
        assert.ok(statuses(1).filter((s) => s === 'running').length >= 3, statuses(1).join(' ')); // claim, beat, cancel request
        assert.equal(statuses(2).at(-1), 'completed');
        assert.deepEqual(statuses(3), ['pending', 'cancelled']);
      } finally {
        bus.publish = publish;
      }
    });

    test('the owner writes changed progress within a tick, beats every heartbeatMs otherwise, and keeps the job its own', async () => {
      const u: SyncUser = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const job = await startSync(w, u, { sync_type: 'activities' });
      const garmin = blockedGarmin(7);
      const pool = new SyncWorkerPool({
        db: w.s.db,
        runtime: rt,
        events: w.s.app.deps.events,
        config: w.s.config.sync,
        blobs: w.s.app.deps.blobs,
        dataDir: w.s.dataDir,
        decoder: w.s.app.deps.decoder,
        garmin: garmin.source,
      });
      const hb = heartbeatMs(LEASE_MS);
      const tick = PROGRESS_TICK_MS;
      const lease = async () => Number((await row(job.job_id)).lease_expires_at);
      const claimedAt = rt.now();
      const running = pool.runOnce();
      await until('the claim', async () => (await row(job.job_id)).status === 'running');
      assert.equal(await lease(), claimedAt + LEASE_MS);
      // The fresh progress (nothing counted yet) is written at the first tick, not before.
      await rt.advance(tick - 1);
      await settle();
      assert.equal(await lease(), claimedAt + LEASE_MS);
      await rt.advance(1);
      await until('the first write', async () => (await lease()) === claimedAt + tick + LEASE_MS);
      // Nothing changes now (the count hangs): a beat every heartbeatMs, each extending the lease
      // to a full lease from its own time and saying where the job is.
      for (let beat = 1; beat <= 8; beat++) {
        await rt.advance(hb);
        const expect = claimedAt + tick + beat * hb + LEASE_MS;
        await until(`beat ${beat}`, async () => (await lease()) === expect);
      }
      assert.equal(JSON.parse((await row(job.job_id)).state_json ?? '{}').at, 'syncing activities, counting activities');
      // Well past the first lease, nobody else can claim it: the beats keep it.
      assert.ok(rt.now() > claimedAt + LEASE_MS);
      assert.equal(await queue().claim('intruder'), undefined);

      // The count arrives: the total is published at the next tick, long before the next beat.
      const seen = await published(job.job_id, async () => {
        garmin.open();
        await settle();
        await rt.advance(tick);
        await until('the total', async () => (await row(job.job_id)).total_items === 7);
      });
      assert.deepEqual(
        seen.map((e) => e.job.total_items),
        [7],
      );

      // A cancel request is picked up by the next write; the hanging list call is abandoned.
      assert.equal((await call(w.s.app, 'POST', `/v1/sync/jobs/${job.job_id}/cancel`, { token: u.token })).status, 202);
      assert.equal(await whileAdvancing(rt, hb, running), job.job_id);
      assert.equal((await row(job.job_id)).status, 'cancelled');
    });

    test("a failing Garmin call is retried after its backoff on the runtime's time, then the job fails saying so", async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 2 });
      const job = await startSync(w, u, { sync_type: 'workouts' });
      w.sim.setFaults([{ path_prefix: '/workout-service/', kind: '503', rate: 1 }]);
      w.sim.resetStats();
      const calls = () =>
        Object.entries(w.sim.stats().by_route)
          .filter(([route]) => route.startsWith('/workout-service/'))
          .reduce((n, [, statuses]) => n + Object.values(statuses).reduce((a, b) => a + b, 0), 0);
      const called = (n: number) => until(`${n} workout list calls`, async () => calls() >= n);
      try {
        const running = w.s.app.deps.syncWorkers.runOnce();
        await called(1);
        // The first backoff is 500–1000 ms (half fixed, half jitter): nothing before 500 ms.
        await rt.advance(499);
        await settle();
        assert.equal(calls(), 1);
        await rt.advance(501);
        await called(2);
        // The second is 1000–2000 ms after the second failure, which came 500–1000 ms after the
        // first call (when the retry's answer arrived is up to the sockets, not the fake clock):
        // nothing before 1500 ms, the third call by 3000 ms.
        await rt.advance(499);
        await settle();
        assert.equal(calls(), 2);
        await rt.advance(1501);
        await called(3);
        assert.equal(await running, job.job_id);
        const end = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        assert.equal(end.status, 'failed');
        assert.match(end.error_message, /^Garmin unavailable while listing workouts \(from position 0\)/);
        assert.equal(calls(), 3);
      } finally {
        w.sim.setFaults([]);
      }
    });
  });
}
