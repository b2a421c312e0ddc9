import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GarminTokens } from '@fitsync/garmin';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { twoInstancesFixture } from './helpers/two-instances.js';

// The token keeper on the fake clock: idle connections are refreshed before Garmin's refresh token
// runs out, each rotated pair stored sealed; refusals become reauth_required with their time; two
// instances never refresh one connection twice. Jumps use clock.set (advance would step the
// server's idle loops through days).
const cheapHasher = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
const DAY = 86_400_000;
const REFRESH_PATH = '/di-oauth2-service/oauth/token';

async function linkedUser(s: TestServer, sim: RunningSim, tag: string) {
  const name = uniqueName('keep');
  await createUser(s.db, name, 'correct horse', { hasher: cheapHasher });
  const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
  const token = (login.body as { access_token: string }).access_token;
  const userId = (await call(s.app, 'GET', '/v1/me', { token })).body.user_id as string;
  const email = `${name}.${tag}@example.com`;
  sim.createUser({ email, password: 'garmin-pw' });
  const r = await call(s.app, 'PUT', '/v1/garmin/connection', { token, body: { email, password: 'garmin-pw' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { token, userId, email };
}

async function stored(s: TestServer, userId: string) {
  const row = await s.db.get<{ tokens_enc: string; token_version: number; status: string; reauth_required_at: number | null }>(
    'SELECT tokens_enc, token_version, status, reauth_required_at FROM garmin_connections WHERE user_id = ?',
    [userId],
  );
  assert.ok(row);
  const tokens = JSON.parse(s.app.deps.secretBox.openText(row.tokens_enc, `garmin-tokens:${userId}`)) as GarminTokens;
  return { tokens, version: Number(row.token_version), status: row.status, reauthAt: row.reauth_required_at === null ? null : Number(row.reauth_required_at) };
}

const refreshes = (sim: RunningSim) => sim.stats().by_path[REFRESH_PATH] ?? {};

for (const { dialect, skip } of await dialects()) {
  describe(`Garmin token keeper on ${dialect}`, { skip }, () => {
    const clock = new FakeRuntime({ now: Date.UTC(2026, 8, 1, 8) });
    let sim: RunningSim;
    let s: TestServer;
    before(async () => {
      sim = await startSim({ seed: `keeper-${dialect}`, runtime: { ...systemRuntime, now: () => clock.now() } });
      s = await startTestServer({
        dialect,
        runtime: clock,
        // No workers: a started job stays pending, so only the keeper could refresh.
        env: { FITSYNC_WORKERS: '0', FITSYNC_ACCESS_TOKEN_TTL: '31536000', FITSYNC_GARMIN_SSO_URL: sim.url, FITSYNC_GARMIN_API_URL: sim.url, FITSYNC_GARMIN_DIAUTH_URL: sim.url },
      });
    });
    after(async () => {
      await s?.close();
      await sim?.close();
    });

    test('an idle account: nothing while its tokens are fresh; refreshed once its access token expired 3 days ago', async () => {
      const u = await linkedUser(s, sim, dialect);
      const first = await stored(s, u.userId);
      sim.resetStats();
      clock.set(clock.now() + 2 * DAY);
      assert.deepEqual(await s.app.deps.garminKeeper.runOnce(), { refreshed: 0, reauth: 0, failed: 0 });
      assert.deepEqual(refreshes(sim), {}, 'no Garmin call while nothing is due');

      clock.set(clock.now() + 2 * DAY);
      const round = await s.app.deps.garminKeeper.runOnce();
      assert.equal(round.refreshed, 1);
      assert.deepEqual(refreshes(sim), { '200': 1 });
      const next = await stored(s, u.userId);
      assert.equal(next.version, first.version + 1);
      assert.notEqual(next.tokens.refreshToken, first.tokens.refreshToken, 'the rotated refresh token is stored');
      assert.ok(next.tokens.expiresAt > clock.now());
      const raw = JSON.stringify(await s.db.all('SELECT * FROM garmin_connections WHERE user_id = ?', [u.userId]));
      assert.ok(!raw.includes(next.tokens.refreshToken), 'sealed at rest');
      // The next round finds nothing to do, and the connection works on the stored pair.
      assert.equal((await s.app.deps.garminKeeper.runOnce()).refreshed, 0);
      assert.ok((await (await s.app.deps.garmin.apiFor(u.userId)).getSocialProfile()).displayName);
    });

    test('a refresh token near its expiry is refreshed while the access token is still valid', async () => {
      sim.configure({ access_token_ttl_s: 10 * 86400, refresh_token_ttl_s: 8 * 86400 });
      try {
        const u = await linkedUser(s, sim, `${dialect}-long`);
        const v0 = (await stored(s, u.userId)).version;
        // Other tests' idle users are refreshed along the way; this one is followed by its version.
        clock.set(clock.now() + 5 * DAY);
        await s.app.deps.garminKeeper.runOnce();
        assert.equal((await stored(s, u.userId)).version, v0, 'three days left of eight (window: a quarter of its life): not yet');
        clock.set(clock.now() + 1.5 * DAY);
        await s.app.deps.garminKeeper.runOnce();
        assert.equal((await stored(s, u.userId)).version, v0 + 1, 'a day and a half left: refreshed');
        const t = (await stored(s, u.userId)).tokens;
        assert.equal(t.refreshExpiresAt, clock.now() + 8 * DAY);
      } finally {
        sim.configure({ access_token_ttl_s: 86400, refresh_token_ttl_s: 2592000 });
      }
    });

    test('Garmin refusing the refresh → reauth_required with its time; an expired refresh token is not even sent', async () => {
      const u = await linkedUser(s, sim, `${dialect}-revoked`);
      sim.revokeTokens(u.email);
      clock.set(clock.now() + 4 * DAY);
      const at = clock.now();
      const round = await s.app.deps.garminKeeper.runOnce();
      assert.equal(round.reauth, 1);
      const after = await stored(s, u.userId);
      assert.equal(after.status, 'reauth_required');
      assert.equal(after.reauthAt, at);
      const conn = (await call(s.app, 'GET', '/v1/garmin/connection', { token: u.token })).body;
      assert.equal(conn.reauth_required_at, new Date(at).toISOString());
      const me = (await call(s.app, 'GET', '/v1/me', { token: u.token })).body;
      assert.equal(me.garmin_status, 'reauth_required');

      const v = await linkedUser(s, sim, `${dialect}-expired`);
      clock.set(clock.now() + 31 * DAY);
      sim.resetStats();
      const r2 = await s.app.deps.garminKeeper.runOnce();
      assert.ok(r2.reauth >= 1);
      assert.deepEqual(refreshes(sim), {}, 'a refresh token past its expiry is not sent to Garmin');
      assert.equal((await stored(s, v.userId)).status, 'reauth_required');
    });

    test('a user with an active sync job is left to the job', async () => {
      const u = await linkedUser(s, sim, `${dialect}-busy`);
      const job = await call(s.app, 'POST', '/v1/sync/jobs', { token: u.token, body: { sync_type: 'activities' } });
      assert.equal(job.status, 202, JSON.stringify(job.body));
      clock.set(clock.now() + 4 * DAY);
      const v0 = (await stored(s, u.userId)).version;
      sim.resetStats();
      assert.equal((await s.app.deps.garminKeeper.runOnce()).refreshed, 0);
      assert.deepEqual(refreshes(sim), {});
      assert.equal((await stored(s, u.userId)).version, v0);
      await call(s.app, 'DELETE', `/v1/sync/jobs/${job.body.job_id as string}`, { token: u.token });
    });
  });
}

const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
describe('two keepers on one PostgreSQL', { skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS' }, () => {
  const clock = new FakeRuntime({ now: Date.UTC(2026, 8, 1, 8) });
  const start = twoInstancesFixture('keeper-two', clock);

  test('each due connection is refreshed exactly once (claim by token_version)', async () => {
    const { sim, a, b } = await start();
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await linkedUser(i % 2 ? b : a, sim, `two${i}`));
    clock.set(clock.now() + 4 * DAY);
    sim.resetStats();
    const [ra, rb] = await Promise.all([a.app.deps.garminKeeper.runOnce(), b.app.deps.garminKeeper.runOnce()]);
    assert.equal(ra.refreshed + rb.refreshed, 6);
    assert.equal(ra.reauth + rb.reauth + ra.failed + rb.failed, 0);
    assert.deepEqual(refreshes(sim), { '200': 6 }, 'one refresh per connection');
    for (const u of users) assert.equal((await stored(a, u.userId)).status, 'connected');
  });
});
