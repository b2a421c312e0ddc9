import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
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
