import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createUser } from '../src/services/user-admin.js';
import { pgServerPair } from './helpers/pg-server-pair.js';
import { authed, signInAndLink } from './sync/black-box.js';
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { linkedUser, startWorld, syncEnv, type SyncUser, type SyncWorld } from './sync/harness.js';

const MIN = 60_000;

// Two server instances on one PostgreSQL schema, both schedulers looking at the same moments (the
// worst case: the same due rows read by both). The compare-and-set claim lets one of them run each
// due time: every slot of every user has exactly one job.
const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
describe('two schedulers on one PostgreSQL database', { skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS' }, () => {
  let w: SyncWorld | undefined;
  let b: TestServer | undefined;
  after(async () => {
    await b?.close();
    await w?.close();
  });

  test('six users every 15 min for six hours: exactly one run per user and due time', async () => {
    const clock = new FakeRuntime({ now: Date.UTC(2026, 4, 5, 6, 0, 0), seed: 7 });
    const runtime: Runtime = { now: () => clock.now(), sleep: systemRuntime.sleep, random: () => clock.random() };
    const env = {
      FITSYNC_SECRET_KEY: 'shared-secret-key-for-both-instances-0123456789',
      FITSYNC_DEFAULT_SYNC_EVERY: 'off',
      FITSYNC_ACCESS_TOKEN_TTL: '604800',
    };
    w = await startWorld('postgres', 'sched-two-instances', env, { runtime });
    b = await startTestServer({ databaseUrl: w.s.config.databaseUrl, env: syncEnv(w.sim, env), runtime });
    const users: SyncUser[] = [];
    for (let i = 0; i < 6; i++) users.push(await linkedUser(w, { activities: 1, days: 1, workouts: 0 }, `twin${i}`));
    const start = clock.now();
    for (const [i, u] of users.entries()) {
      // Through either instance: each wakes its own scheduler, both read the same table.
      const r = await call((i % 2 ? b : w.s).app, 'PUT', '/v1/sync/schedule', { token: u.token, body: { every_s: 900 } });
      assert.equal(r.status, 200);
    }
    const servers = [w.s, b];
    let started = 0;
    for (let t = 0; t < 6 * 60 + 2; t++) {
      await clock.advance(MIN);
      const passes = await Promise.all(servers.flatMap((s) => [s.app.deps.scheduler.runOnce(), s.app.deps.scheduler.runOnce()]));
      started += passes.reduce((n, p) => n + p.started, 0);
      // Workers of both instances drain the queue together.
      await Promise.all(servers.map(async (s) => { while (await s.app.deps.syncWorkers.runOnce()); }));
    }
    const rows = await w.s.db.all<{ user_id: string; created_at: number; status: string }>(
      "SELECT user_id, created_at, status FROM sync_jobs WHERE trigger = 'schedule' ORDER BY user_id, created_at",
    );
    assert.equal(started, 6 * 24);
    assert.equal(rows.length, 6 * 24);
    for (const u of users) {
      const mine = rows.filter((r) => r.user_id === u.userId);
      const slots = mine.map((r) => Math.floor((Number(r.created_at) - start) / (15 * MIN)));
      assert.deepEqual(slots, Array.from({ length: 24 }, (_, k) => k + 1), `user ${u.username}: one run per slot`);
      for (const r of mine) assert.equal(r.status, 'completed');
    }
  });
});

// The same, with the real loops: two server processes, each running its own scheduler on the real
// clock, share one PostgreSQL schema; eight users run every 2 s for a while. Runs may be skipped (a
// user's previous job still running) but no due time may run twice.
describe('two server processes with their scheduler loops on one PostgreSQL database', {
  skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS',
}, () => {
  const start = pgServerPair('sched-loops');

  test('no user has two scheduled jobs in one slot', async () => {
    const { sim, a, b, db } = await start('sched-two-loops', { FITSYNC_SCHEDULE_MIN_INTERVAL: '1s', FITSYNC_DEFAULT_SYNC_EVERY: 'off' });
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) {
      sim.createUser({ email: `loop${i}@example.com`, password: 'garmin-pw', mfa: null, activities: 1, days: 1, workouts: 0 });
      await createUser(db, `loop${i}`, 'pass phrase');
      tokens.push(await signInAndLink([a, b][i % 2]!.url, `loop${i}`, 'pass phrase', `loop${i}@example.com`));
    }
    for (const [i, t] of tokens.entries()) {
      const r = await authed('PUT', `${[a, b][i % 2]!.url}/v1/sync/schedule`, t, { every_s: 2, sync_type: 'workouts' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    await new Promise((r) => setTimeout(r, 9_000));
    for (const [i, t] of tokens.entries()) assert.equal((await authed('DELETE', `${[a, b][i % 2]!.url}/v1/sync/schedule`, t)).status, 204);

    const phases = new Map(
      (await db.all<{ user_id: string; phase_at: number }>('SELECT user_id, phase_at FROM sync_schedules')).map((r) => [r.user_id, Number(r.phase_at)]),
    );
    const jobs = await db.all<{ user_id: string; created_at: number }>("SELECT user_id, created_at FROM sync_jobs WHERE trigger = 'schedule'");
    assert.ok(jobs.length >= 8, `only ${jobs.length} scheduled jobs started`);
    const seen = new Set<string>();
    for (const j of jobs) {
      const slot = `${j.user_id}/${Math.floor((Number(j.created_at) - phases.get(j.user_id)!) / 2000)}`;
      assert.ok(!seen.has(slot), `two runs for ${slot}`);
      seen.add(slot);
    }
  });
});
