import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { call, assertProblem, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';
import { drain, linkedUser, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

const MIN = 60_000;

for (const { dialect, skip } of await dialects()) {
  describe(`sync schedules on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    const clock = new FakeRuntime({ now: Date.UTC(2026, 4, 4, 8, 0, 0), seed: 11 });
    // Due times and jitter read the fake clock; the jobs the tests run wait on real timers.
    const runtime: Runtime = { now: () => clock.now(), sleep: systemRuntime.sleep, random: () => clock.random() };
    before(async () => {
      // No default schedule here (tests set their own); access tokens outlive the simulated day.
      const env = { FITSYNC_DEFAULT_SYNC_EVERY: 'off', FITSYNC_ACCESS_TOKEN_TTL: '604800', FITSYNC_SYNC_MAX_JOBS_PER_HOUR: '2' };
      w = await startWorld(dialect, `sync-schedule-${dialect}`, env, { runtime });
    });
    // The scheduler serves every user: schedules and jobs a previous test left must not run in the next one.
    beforeEach(async () => {
      await w.s.db.run('UPDATE sync_schedules SET enabled = 0, next_run_at = NULL');
      await w.s.db.run("UPDATE sync_jobs SET status = 'cancelled', lease_owner = NULL WHERE status IN ('pending', 'running')");
    });
    after(async () => {
      assert.equal(w?.s.app.deps.syncWorkers.active ?? 0, 0, 'a sync job is still running');
      await w?.close();
    });

    const schedule = (u: { token: string }, method: 'GET' | 'PUT' | 'DELETE', body?: object) =>
      call(w.s.app, method, '/v1/sync/schedule', { token: u.token, ...(body ? { body } : {}) });
    const scheduledJobs = (u: SyncUser) =>
      w.s.db.all<{ job_id: string; status: string; created_at: number; trigger: string }>(
        "SELECT job_id, status, created_at, trigger FROM sync_jobs WHERE user_id = ? AND trigger = 'schedule' ORDER BY created_at",
        [u.userId],
      );
    const runOnce = () => w.s.app.deps.scheduler.runOnce();

    test('GET with no schedule, PUT (default type all), below the minimum → 422, DELETE keeps every_s', async () => {
      const pair = await userWithSession(w.s.app, w.s.db, uniqueName('sched'));
      const u = { token: pair.access_token };
      const none = await schedule(u, 'GET');
      assert.equal(none.status, 200);
      assert.deepEqual(none.body, { every_s: null, sync_type: 'all', enabled: false, next_run_at: null, last_run_at: null, last_job_id: null });

      const low = assertProblem(await schedule(u, 'PUT', { every_s: 899 }), 422, 'validation_error');
      assert.match(low.detail, /at least 15m \(every_s 900\)/);
      assertProblem(await schedule(u, 'PUT', { every_s: 3600, sync_type: 'everything' }), 400, 'validation_error');
      assertProblem(await schedule(u, 'PUT', { every_s: 3600, extra: 1 }), 400, 'validation_error');
      assert.equal((await schedule(u, 'GET')).body.enabled, false, 'a refused PUT stores nothing');

      const now = clock.now();
      const put = await schedule(u, 'PUT', { every_s: 3600 });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.every_s, 3600);
      assert.equal(put.body.sync_type, 'all');
      assert.equal(put.body.enabled, true);
      const due = Date.parse(put.body.next_run_at);
      // One interval from now, plus at most 10 % of it (6 min here, capped at 5 min).
      assert.ok(due >= now + 3600_000 && due < now + 3600_000 + 5 * MIN, put.body.next_run_at);
      assert.deepEqual((await schedule(u, 'GET')).body, put.body);

      const replaced = await schedule(u, 'PUT', { every_s: 86_400, sync_type: 'health' });
      assert.equal(replaced.body.sync_type, 'health');
      assert.equal(replaced.body.every_s, 86_400);

      const del = await schedule(u, 'DELETE');
      assert.equal(del.status, 204);
      const off = (await schedule(u, 'GET')).body;
      assert.deepEqual(off, { every_s: 86_400, sync_type: 'health', enabled: false, next_run_at: null, last_run_at: null, last_job_id: null });
      assert.equal((await schedule(u, 'DELETE')).status, 204, 'DELETE is idempotent');
      // The whole document back, as GET gave it: enabled false stores the interval with the schedule off.
      const stored = await schedule(u, 'PUT', { every_s: 7200, sync_type: 'workouts', enabled: false });
      assert.equal(stored.status, 200, JSON.stringify(stored.body));
      assert.deepEqual(stored.body, { every_s: 7200, sync_type: 'workouts', enabled: false, next_run_at: null, last_run_at: null, last_job_id: null });
      const on = await schedule(u, 'PUT', { every_s: 7200, sync_type: 'workouts', enabled: true });
      assert.equal(on.body.enabled, true);
      assert.ok(on.body.next_run_at !== null);
      assert.equal((await call(w.s.app, 'GET', '/v1/sync/schedule')).status, 401);
    });

    test('every 15 min over a simulated day: 96 runs, one per slot within its jitter, each a completed job', async () => {
      const u = await linkedUser(w, { activities: 2, days: 2, workouts: 1 }, 'day');
      const start = clock.now();
      assert.equal((await schedule(u, 'PUT', { every_s: 900, sync_type: 'all' })).status, 200);
      // Minute by minute through the day and a little beyond the last slot's jitter (≤ 90 s).
      for (let t = 0; t < 24 * 60 + 3; t++) {
        await clock.advance(MIN);
        await runOnce();
        await drain(w);
      }
      const jobs = await scheduledJobs(u);
      assert.equal(jobs.length, 96);
      for (const [i, j] of jobs.entries()) {
        assert.equal(j.status, 'completed', `run ${i + 1}`);
        const slot = start + (i + 1) * 15 * MIN;
        const at = Number(j.created_at);
        // Started at the first minute step at or after its jittered due time (jitter < 90 s).
        assert.ok(at >= slot && at < slot + 90_000 + MIN, `run ${i + 1} at +${(at - slot) / 1000} s after its slot`);
      }
      const s = (await schedule(u, 'GET')).body;
      assert.equal(s.last_job_id, jobs[95]!.job_id);
      assert.equal(Date.parse(s.last_run_at), Number(jobs[95]!.created_at));
      // Not refused by FITSYNC_SYNC_MAX_JOBS_PER_HOUR (2 here): four scheduled jobs an hour ran.
      const api = await call(w.s.app, 'GET', `/v1/sync/jobs/${jobs[0]!.job_id}`, { token: u.token });
      assert.equal(api.body.trigger, 'schedule');
    });

    test('after downtime over many slots: one catch-up run, then the next future slot in phase', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 }, 'catchup');
      const phase = clock.now();
      await schedule(u, 'PUT', { every_s: 900 });
      // The server is "down": five hours and a bit pass with nobody looking.
      await clock.advance(5 * 60 * MIN + 7 * MIN);
      const pass = await runOnce();
      assert.equal(pass.started, 1);
      assert.equal((await runOnce()).started, 0, 'the missed slots do not run one by one');
      await drain(w);
      const jobs = await scheduledJobs(u);
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.status, 'completed');
      const next = Date.parse((await schedule(u, 'GET')).body.next_run_at);
      const slot = phase + 21 * 15 * MIN; // the first slot after +5 h 7 min
      assert.ok(next >= slot && next < slot + 90_000, `next run ${(next - slot) / 1000} s after slot 21`);
    });

    test('skipped while a job of the user is active, and while Garmin is not connected: no job, next slot', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 }, 'busy');
      await schedule(u, 'PUT', { every_s: 900 });
      const manual = await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body: { sync_type: 'workouts' } });
      assert.equal(manual.status, 202);
      const before = Date.parse((await schedule(u, 'GET')).body.next_run_at);
      await clock.advance(17 * MIN);
      const pass = await runOnce();
      assert.deepEqual([pass.started, pass.skipped], [0, 1]);
      assert.equal((await scheduledJobs(u)).length, 0);
      const s = (await schedule(u, 'GET')).body;
      assert.ok(Date.parse(s.next_run_at) > before + 14 * MIN, 'moved on to the next slot');
      assert.equal(s.last_job_id, null);
      await drain(w);
      await schedule(u, 'DELETE');

      // Not linked: the schedule may be set, its runs are skipped until a Garmin account is linked.
      const pair = await userWithSession(w.s.app, w.s.db, uniqueName('nolink'));
      const lone = { token: pair.access_token };
      assert.equal((await schedule(lone, 'PUT', { every_s: 900 })).status, 200);
      await clock.advance(17 * MIN);
      const p2 = await runOnce();
      assert.deepEqual([p2.started, p2.skipped], [0, 1]);
      const rows = await w.s.db.all("SELECT job_id FROM sync_jobs WHERE trigger = 'schedule' AND created_at > ?", [clock.now() - 18 * MIN]);
      assert.deepEqual(rows, []);
      assert.ok(Date.parse((await schedule(lone, 'GET')).body.next_run_at) > clock.now());
      await schedule(lone, 'DELETE');

      // Garmin stopped accepting the sign-in: skipped the same way until the user connects again.
      const stale = await linkedUser(w, { activities: 1, days: 1, workouts: 0 }, 'reauth');
      await schedule(stale, 'PUT', { every_s: 900 });
      await w.s.app.deps.garmin.markReauthRequired(stale.userId);
      await clock.advance(17 * MIN);
      assert.deepEqual(Object.values(await runOnce()).slice(0, 2), [0, 1]);
      assert.equal((await scheduledJobs(stale)).length, 0);
    });

    test('a disabled schedule does not run; PUT again runs it one interval later', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 }, 'toggle');
      await schedule(u, 'PUT', { every_s: 900 });
      await schedule(u, 'DELETE');
      await clock.advance(60 * MIN);
      assert.equal((await runOnce()).started, 0);
      await schedule(u, 'PUT', { every_s: 1800, sync_type: 'health' });
      await clock.advance(29 * MIN);
      assert.equal((await runOnce()).started, 0);
      await clock.advance(5 * MIN);
      assert.equal((await runOnce()).started, 1);
      await drain(w);
      const jobs = await scheduledJobs(u);
      assert.equal(jobs.length, 1);
      const job = await call(w.s.app, 'GET', `/v1/sync/jobs/${jobs[0]!.job_id}`, { token: u.token });
      assert.equal(job.body.sync_type, 'health');
      assert.equal(job.body.status, 'completed');
    });
  });
}
