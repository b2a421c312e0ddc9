import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { pulseMs } from '../src/jobs/job-owner.js';
import { totpCode } from '../src/crypto/totp.js';
import { SyncWorkerPool } from '../src/jobs/sync-worker-pool.js';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { type BurstRequest, burst } from './helpers/burst.js';
import { linkedUser, startSync, startWorld, type SyncUser, type SyncWorld, waitFor } from './sync/harness.js';

const MAX_JOBS_PER_HOUR = 5;

/** Opens an event stream; `ended` settles with the snapshots received once the server ends it. */
function openEvents(url: string, token: string) {
  // biome-ignore lint/suspicious/noExplicitAny: tests read ad-hoc JSON snapshots field by field
  const events: any[] = [];
  let req: http.ClientRequest | undefined;
  const first = new Promise<void>((resolveFirst, rejectFirst) => {
    req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const data = buf
            .slice(0, i)
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          buf = buf.slice(i + 2);
          if (data) {
            events.push(JSON.parse(data));
            resolveFirst();
          }
          i = buf.indexOf('\n\n');
        }
      });
      res.on('end', () => endedResolve(events));
    });
    req.on('error', rejectFirst);
  });
  let endedResolve: (e: typeof events) => void = () => {};
  const ended = new Promise<typeof events>((r) => {
    endedResolve = r;
  });
  /** Resolves with the events when the server ends the stream within `ms`, else rejects. */
  const endsWithin = (ms: number) =>
    Promise.race([
      ended,
      new Promise<never>((_, reject) =>
        setTimeout(() => {
          req?.destroy();
          reject(new Error(`the event stream was still open ${ms} ms later (${events.length} events)`));
        }, ms),
      ),
    ]);
  return { first, events, endsWithin };
}

for (const { dialect, skip } of await dialects()) {
  describe(`sync hardening on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    // 09:59:59.999 UTC: it is already the next day from UTC+10 on, but not yet in UTC+14.
    const clock = new FakeRuntime({ now: Date.UTC(2026, 2, 10, 9, 59, 59, 999) });
    // The date rules read the fake clock; the jobs these tests run end to end wait on real timers.
    const runtime: Runtime = { now: () => clock.now(), sleep: systemRuntime.sleep, random: () => clock.random() };
    before(async () => {
      // Access tokens outlive the hour the budget test moves the clock through.
      const env = { FITSYNC_SYNC_MAX_JOBS_PER_HOUR: String(MAX_JOBS_PER_HOUR), FITSYNC_ACCESS_TOKEN_TTL: '86400' };
      w = await startWorld(dialect, `sync-hardening-${dialect}`, env, { runtime });
    });
    // Workers claim any user's job: a job a failed test left active must not run in the next one.
    beforeEach(async () => {
      await w.s.db.run("UPDATE sync_jobs SET status = 'cancelled', lease_owner = NULL WHERE status IN ('pending', 'running')");
    });
    after(async () => {
      assert.equal(w?.s.app.deps.syncWorkers.active ?? 0, 0, 'a sync job is still running');
      await w?.close();
    });

    const post = (u: SyncUser, body: object) => call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body });
    const cancel = (u: SyncUser, jobId: string) => call(w.s.app, 'POST', `/v1/sync/jobs/${jobId}/cancel`, { token: u.token });
    const jobRows = async (u: SyncUser) =>
      Number((await w.s.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM sync_jobs WHERE user_id = ?', [u.userId]))!.n);

    test('dates: before 2000-01-01 or after tomorrow in UTC+14 → 400 naming the field and the range; the edges → 202', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const reject = async (body: object, field: string, latest: string) => {
        const p = assertProblem(await post(u, { sync_type: 'health', ...body }), 400, 'validation_error');
        assert.equal(p.errors[0].path, `body/${field}`);
        assert.match(p.detail, new RegExp(`^${field} must be between 2000-01-01 and ${latest}`));
      };
      const accept = async (body: object) => {
        const r = await post(u, { sync_type: 'health', ...body });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        assert.equal((await cancel(u, r.body.job_id)).status, 202);
      };
      await reject({ since: '1999-12-31' }, 'since', '2026-03-11');
      await reject({ since: '1950-01-01', until: '9999-12-31' }, 'since', '2026-03-11');
      await reject({ until: '9999-12-31' }, 'until', '2026-03-11');
      await reject({ until: '2026-03-12' }, 'until', '2026-03-11');
      await accept({ since: '2000-01-01', until: '2026-03-11' });
      // One millisecond later it is 2026-03-11 in UTC+14, so its tomorrow, 03-12, becomes allowed.
      await clock.advance(1);
      await reject({ since: '2026-03-13' }, 'since', '2026-03-12');
      await accept({ since: '2026-03-12', until: '2026-03-12' });
      assert.equal(await jobRows(u), 2);
    });

    test('job budget: beyond FITSYNC_SYNC_MAX_JOBS_PER_HOUR a burst of starts → 429 rate_limited with Retry-After and no rows', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const key = 'budget-key-1';
      let keyed = '';
      for (let i = 0; i < MAX_JOBS_PER_HOUR - 1; i++) {
        await clock.advance(60_000);
        const r = await w.s.app.inject({
          method: 'POST',
          url: '/v1/sync/jobs',
          payload: { sync_type: 'workouts' },
          headers: { authorization: `Bearer ${u.token}`, ...(i === 0 ? { 'idempotency-key': key } : {}) },
        });
        assert.equal(r.statusCode, 202, r.body);
        if (i === 0) keyed = JSON.parse(r.body).job_id;
        await cancel(u, JSON.parse(r.body).job_id);
      }
      const start: BurstRequest = {
        method: 'POST',
        path: '/v1/sync/jobs',
        headers: { authorization: `Bearer ${u.token}` },
        body: { sync_type: 'workouts' },
      };
      // One slot left: of a concurrent burst exactly one starts a job.
      const first = await burst(w.s.url, Array(8).fill(start));
      const ok = first.filter((r) => r.status === 202);
      assert.equal(ok.length, 1, JSON.stringify(first.map((r) => [r.status, r.body?.code])));
      for (const r of first) if (r.status !== 202) assert.ok([409, 429].includes(r.status), JSON.stringify(r.body));
      await cancel(u, ok[0]!.body.job_id);
      assert.equal(await jobRows(u), MAX_JOBS_PER_HOUR);

      // The budget is spent: every start is refused, and no row is written.
      const second = await burst(w.s.url, Array(8).fill(start));
      for (const r of second) {
        assert.equal(r.status, 429, JSON.stringify(r.body));
        assert.equal(r.body.code, 'rate_limited');
        // The hour's oldest job was created 3 minutes before now: its slot frees 57 minutes from now.
        assert.equal(r.headers['retry-after'], String(3600 - 3 * 60));
      }
      assert.equal(await jobRows(u), MAX_JOBS_PER_HOUR);

      // Replaying an Idempotency-Key still answers with its job and is not counted.
      const replay = await w.s.app.inject({
        method: 'POST',
        url: '/v1/sync/jobs',
        payload: { sync_type: 'workouts' },
        headers: { authorization: `Bearer ${u.token}`, 'idempotency-key': key },
      });
      assert.equal(replay.statusCode, 202, replay.body);
      assert.equal(JSON.parse(replay.body).job_id, keyed);

      // Once the oldest job leaves the hour, one more may start.
      await clock.advance((3600 - 3 * 60) * 1000);
      const later = await post(u, { sync_type: 'workouts' });
      assert.equal(later.status, 202, JSON.stringify(later.body));
      await cancel(u, later.body.job_id);
    });

    test('back-to-back jobs of one user share one upstream call budget (FITSYNC_GARMIN_RPS)', async () => {
      const u = await linkedUser(w, { activities: 2, days: 2, workouts: 1 });
      // Pacing time stands still and its sleeps return at once: each call's wait is exactly how far
      // its start was scheduled after the first call's. (Heartbeats, which the runtime also times,
      // sleep for real; rps 5 spaces calls 200 ms apart, so no paced wait equals the 100 ms pulse.)
      const sleeps: number[] = [];
      const rps = 5;
      const pulse = pulseMs(w.s.config.sync.leaseMs);
      const pacing: Runtime = {
        now: () => 1_000_000,
        sleep: async (ms, signal) => {
          if (ms === pulse) return systemRuntime.sleep(ms, signal);
          sleeps.push(ms);
        },
        random: () => 0.5,
      };
      const pool = new SyncWorkerPool({
        db: w.s.db,
        runtime: pacing,
        events: w.s.app.deps.events,
        config: { ...w.s.config.sync, garminRps: rps },
        blobs: w.s.app.deps.blobs,
        dataDir: w.s.dataDir,
        decoder: w.s.app.deps.decoder,
        garmin: w.s.app.deps.garmin,
      });
      w.sim.resetStats();
      for (const t of ['workouts', 'health', 'activities']) {
        const job = await startSync(w, u, { sync_type: t });
        assert.equal(await pool.runOnce(), job.job_id);
        const end = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        assert.equal(end.status, 'completed', end.error_message);
      }
      const requests = w.sim.stats().total;
      assert.ok(requests >= 6, `${requests} Garmin requests`);
      // Only the very first call starts unpaced; every later one, whichever job it belongs to, is
      // scheduled 1/rps after the one before (per-job budgets would restart at one gap each job).
      const gap = 1000 / rps;
      assert.equal(sleeps.length, requests - 1, `${sleeps.length} paced of ${requests} calls`);
      assert.deepEqual(
        [...sleeps].sort((a, b) => a - b),
        Array.from({ length: sleeps.length }, (_, i) => (i + 1) * gap),
      );
    });

    test('a resumed job never reports fewer processed items than its dead worker had', async () => {
      const u = await linkedUser(w, { activities: 0, days: 120, workouts: 0 });
      const daily = '/usersummary-service/usersummary/daily/';
      w.sim.setFaults([{ path_prefix: daily, kind: 'slow', rate: 1, delay_ms: 40 }]);
      try {
        // A window is fetched from its start again on resume; its days count as they arrive, ahead
        // of their chunk's commit, so the dead worker had reported more than the resumer recounts.
        const job = await startSync(w, u, { sync_type: 'health', since: '2025-12-01', until: '2026-03-01' });
        const seen: number[] = [];
        const row = async () => {
          const r = await w.s.db.get<{ processed_items: number; total_items: number | null; status: string }>(
            'SELECT processed_items, total_items, status FROM sync_jobs WHERE job_id = ?',
            [job.job_id],
          );
          seen.push(Number(r!.processed_items));
          if (r!.total_items !== null) assert.ok(Number(r!.processed_items) <= Number(r!.total_items), JSON.stringify(r));
          return r!;
        };
        const first = w.s.app.deps.syncWorkers.runOnce();
        await waitFor('progress', async () => (await row()).processed_items >= 20);
        // The first worker "dies": its lease is gone (as after missed heartbeats) and another
        // worker claims the job; Garmin answers slowly now, so the resumer recounts slowly.
        await w.s.db.run("UPDATE sync_jobs SET lease_owner = 'dead', lease_expires_at = 0 WHERE job_id = ?", [job.job_id]);
        w.sim.setFaults([{ path_prefix: daily, kind: 'slow', rate: 1, delay_ms: 1000 }]);
        const second = new SyncWorkerPool({
          db: w.s.db,
          runtime,
          events: w.s.app.deps.events,
          config: w.s.config.sync,
          blobs: w.s.app.deps.blobs,
          dataDir: w.s.dataDir,
          decoder: w.s.app.deps.decoder,
          garmin: w.s.app.deps.garmin,
        });
        const resumed = second.runOnce();
        await first;
        // Watch two of the resumer's heartbeats, then let it finish fast.
        const until = Date.now() + 1200;
        while (Date.now() < until) await row();
        w.sim.setFaults([]);
        await waitFor('the end', async () => (await row()).status === 'completed', 60_000);
        assert.equal(await resumed, job.job_id);
        for (let i = 1; i < seen.length; i++) {
          assert.ok(seen[i]! >= seen[i - 1]!, `processed_items went back from ${seen[i - 1]} to ${seen[i]}`);
        }
        assert.equal(seen.at(-1), 91);
      } finally {
        w.sim.setFaults([]);
      }
    });

    test('disconnecting Garmin cancels the running job before the 204, and Garmin hears nothing new', async () => {
      const u = await linkedUser(w, { activities: 40, days: 1, workouts: 0 });
      w.sim.setFaults([{ path_prefix: '/download-service/', kind: 'slow', rate: 1, delay_ms: 300 }]);
      try {
        const job = await startSync(w, u, { sync_type: 'activities' });
        const running = w.s.app.deps.syncWorkers.runOnce();
        await waitFor('progress', async () => {
          const j = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
          return j.status === 'running' && j.processed_items > 0;
        });
        const del = await call(w.s.app, 'DELETE', '/v1/garmin/connection', { token: u.token });
        assert.equal(del.status, 204);
        const atResponse = w.sim.stats().total;
        const j = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        assert.equal(j.status, 'cancelled');
        assert.ok(j.processed_items < 40);
        await running;
        // Calls in flight at the 204 are counted by the sim when they finish (after their delay):
        // at most FITSYNC_GARMIN_CONCURRENCY of them, and nothing started afterwards.
        await new Promise((r) => setTimeout(r, 900));
        const later = w.sim.stats().total - atResponse;
        assert.ok(later <= Number(w.s.config.sync.garminConcurrency), `${later} Garmin requests after the 204`);
        // A pending job is cancelled too.
        assert.equal((await call(w.s.app, 'PUT', '/v1/garmin/connection', { token: u.token, body: { email: u.email, password: 'garmin-pw' } })).status, 200);
        const pending = await startSync(w, u, { sync_type: 'workouts' });
        assert.equal((await call(w.s.app, 'DELETE', '/v1/garmin/connection', { token: u.token })).status, 204);
        assert.equal((await call(w.s.app, 'GET', `/v1/sync/jobs/${pending.job_id}`, { token: u.token })).body.status, 'cancelled');
        assert.equal(await w.s.app.deps.syncWorkers.runOnce(), null);
      } finally {
        w.sim.setFaults([]);
      }
    });

    test('an event stream ends when its session is revoked: logout, and refresh-token reuse', async () => {
      for (const revoke of ['logout', 'reuse'] as const) {
        const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
        // No worker runs it here: the job stays pending, the stream would stay open for ever.
        const job = await startSync(w, u, { sync_type: 'workouts' });
        const stream = openEvents(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
        await stream.first;
        if (revoke === 'logout') {
          assert.equal((await call(w.s.app, 'POST', '/v1/auth/logout', { body: { refresh_token: u.refreshToken } })).status, 204);
        } else {
          assert.equal((await call(w.s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: u.refreshToken } })).status, 200);
          assertProblem(await call(w.s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: u.refreshToken } }), 401, 'invalid_grant');
        }
        assertProblem(await call(w.s.app, 'GET', '/v1/me', { token: u.token }), 401, 'invalid_token');
        // The job changes after the revocation: the ended stream must not carry it.
        await w.s.db.run('UPDATE sync_jobs SET version = version + 1 WHERE job_id = ?', [job.job_id]);
        const events = await stream.endsWithin(2000);
        assert.equal(events.length, 1, `${revoke}: ${events.length} events`);
        await w.s.db.run("UPDATE sync_jobs SET status = 'cancelled' WHERE job_id = ?", [job.job_id]);
      }
    });

    test('enabling MFA revokes the other sessions (refresh, access token, event stream); the confirming one stays', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const login = await call(w.s.app, 'POST', '/v1/auth/login', { body: { username: u.username, password: 'correct horse' } });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const other = login.body as { access_token: string; refresh_token: string };
      const job = await startSync(w, u, { sync_type: 'workouts' });
      const stream = openEvents(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, other.access_token);
      await stream.first;

      const setup = await call(w.s.app, 'POST', '/v1/mfa/totp', { token: u.token });
      assert.equal(setup.status, 200, JSON.stringify(setup.body));
      const confirm = await call(w.s.app, 'POST', '/v1/mfa/totp/confirm', {
        token: u.token,
        body: { code: totpCode(setup.body.secret, clock.now()) },
      });
      assert.equal(confirm.status, 200, JSON.stringify(confirm.body));

      assertProblem(await call(w.s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: other.refresh_token } }), 401, 'invalid_grant');
      assertProblem(await call(w.s.app, 'GET', '/v1/me', { token: other.access_token }), 401, 'invalid_token');
      // Every route that takes a bearer token checks its session.
      const doc = (await call(w.s.app, 'GET', '/openapi.json')).body as {
        paths: Record<string, Record<string, { security?: unknown[] }>>;
      };
      let guarded = 0;
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (!op.security?.length) continue;
          guarded++;
          const url = path.replace(/\{[^}]+\}/g, job.job_id);
          const verb = method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'DELETE';
          assertProblem(await call(w.s.app, verb, url, { token: other.access_token, body: verb === 'GET' ? undefined : {} }), 401, 'invalid_token');
        }
      }
      assert.ok(guarded >= 15, `${guarded} guarded routes`);
      assert.equal((await stream.endsWithin(2000)).length, 1);
      // The session that turned MFA on keeps working, tokens and all.
      assert.equal((await call(w.s.app, 'GET', '/v1/me', { token: u.token })).status, 200);
      assert.equal((await call(w.s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: u.refreshToken } })).status, 200);
      assert.equal((await cancel(u, job.job_id)).status, 202);
    });
  });
}
