import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { twoInstancesFixture } from './helpers/two-instances.js';

// Sign-in back-off per Garmin account (product.md §D): after Garmin throttles or Cloudflare blocks
// a sign-in, the account's sign-ins are refused locally — no upstream call — for 1 h, then 2 h,
// 4 h … 24 h; a success resets it. One fake clock drives server and sim.
const cheapHasher = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
const HOUR = 3_600_000;
const THROTTLE = [{ path_prefix: '/mobile/api/login', kind: '429' as const, rate: 1, retry_after_s: 60 }];
const CLOUDFLARE = [
  { path_prefix: '/mobile/api/login', kind: 'cloudflare_block' as const, rate: 1 },
  { path_prefix: '/sso/', kind: 'cloudflare_block' as const, rate: 1 },
];

/** A FitSync user signed in on `s`; returns its bearer token. */
async function fitsyncUser(s: TestServer): Promise<string> {
  const name = uniqueName('bo');
  await createUser(s.db, name, 'correct horse', { hasher: cheapHasher });
  const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return (login.body as { access_token: string }).access_token;
}

for (const { dialect, skip } of await dialects()) {
  describe(`Garmin sign-in back-off on ${dialect}`, { skip }, () => {
    const clock = new FakeRuntime({ now: Date.UTC(2026, 5, 1, 12) });
    let sim: RunningSim;
    let s: TestServer;
    before(async () => {
      sim = await startSim({ seed: `backoff-${dialect}`, runtime: { ...systemRuntime, now: () => clock.now() } });
      s = await startTestServer({
        dialect,
        runtime: clock,
        // FitSync sessions outlive the days the fake clock jumps.
        env: { FITSYNC_ACCESS_TOKEN_TTL: '31536000', FITSYNC_GARMIN_SSO_URL: sim.url, FITSYNC_GARMIN_API_URL: sim.url, FITSYNC_GARMIN_DIAUTH_URL: sim.url },
      });
    });
    after(async () => {
      await s?.close();
      await sim?.close();
    });

    let n = 0;
    const garminAccount = () => {
      n += 1;
      const email = `backoff${n}.${dialect}@example.com`;
      sim.createUser({ email, password: 'garmin-pw', activities: 1, days: 1 });
      return email;
    };
    const connect = (token: string, email: string) => call(s.app, 'PUT', '/v1/garmin/connection', { token, body: { email, password: 'garmin-pw' } });
    const withFaults = async <T>(rules: Parameters<RunningSim['setFaults']>[0], fn: () => Promise<T>): Promise<T> => {
      sim.setFaults(rules);
      try {
        return await fn();
      } finally {
        sim.setFaults([]);
      }
    };

    test('a 429 on sign-in: refused locally for 1 h with the wait and its end, no upstream call; the account, not the user, is held', async () => {
      const email = garminAccount();
      const token = await fitsyncUser(s);
      const t0 = clock.now();
      const first = await withFaults(THROTTLE, () => connect(token, email));
      const p = assertProblem(first, 429, 'rate_limited');
      assert.equal(first.headers['retry-after'], '3600', 'the back-off (1 h) outlasts Garmin’s Retry-After (60 s)');
      assert.match(p.detail, /Garmin is limiting sign-ins for this account; .*try again in 1 h, at 13:00 UTC\./);

      sim.resetStats();
      await clock.advance(58 * 60_000);
      const again = assertProblem(await connect(token, email), 429, 'rate_limited');
      assert.match(again.detail, /try again in 2 min, at 13:00 UTC\./);
      // Another FitSync user with the same Garmin account (other case) is held back too.
      const other = await fitsyncUser(s);
      assertProblem(await connect(other, `  ${email.toUpperCase()} `), 429, 'rate_limited');
      assert.deepEqual(sim.stats().by_path, {}, 'no upstream call while backed off');

      const conn = await call(s.app, 'GET', '/v1/garmin/connection', { token });
      assert.equal(conn.body.signin_blocked_until, new Date(t0 + HOUR).toISOString());
      // Stored as a keyed hash only: the address is nowhere in the table.
      const rows = await s.db.all<{ account_key: string }>('SELECT account_key FROM garmin_signin_backoffs');
      assert.ok(rows.length >= 1);
      for (const r of rows) assert.match(r.account_key, /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(await s.db.all('SELECT * FROM garmin_signin_cooldowns')).includes(email.split('@')[0]!));

      await clock.advance(2 * 60_000);
      assert.equal((await connect(token, email)).status, 200, 'after the back-off the sign-in goes through');
      assert.equal((await call(s.app, 'GET', '/v1/garmin/connection', { token })).body.signin_blocked_until, null);
    });

    test('repeated blocks double the back-off up to 24 h; a longer Retry-After wins; a success resets it', async () => {
      const email = garminAccount();
      const token = await fitsyncUser(s);
      const waits: string[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await withFaults(THROTTLE, () => connect(token, email));
        assertProblem(r, 429, 'rate_limited');
        waits.push(String(r.headers['retry-after']));
        // A jump, not advance(): stepping the server's idle loops through 4 days costs seconds on SQLite.
        clock.set(clock.now() + Number(r.headers['retry-after']) * 1000);
      }
      assert.deepEqual(waits, ['3600', '7200', '14400', '28800', '57600', '86400', '86400']);

      assert.equal((await connect(token, email)).status, 200);
      const reset = await withFaults([{ ...THROTTLE[0]!, retry_after_s: 3 * 3600 }], () => connect(token, email));
      assert.equal(reset.headers['retry-after'], String(3 * 3600), 'level 1 again after the success, and Garmin’s 3 h beat the 1 h');
      assert.match(assertProblem(reset, 429, 'rate_limited').detail, /try again in 3 h, at /);
      await clock.advance(3 * HOUR);
    });

    test('a Cloudflare block page on every strategy starts the back-off too', async () => {
      const email = garminAccount();
      const token = await fitsyncUser(s);
      sim.resetStats();
      const r = await withFaults(CLOUDFLARE, () => connect(token, email));
      assert.match(assertProblem(r, 429, 'rate_limited').detail, /Cloudflare blocked Garmin's sign-in; .*try again in 1 h/);
      const stats = sim.stats().by_path;
      assert.deepEqual(stats['/mobile/api/login'], { '403': 1 }, 'the mobile strategy was tried');
      assert.ok(Object.keys(stats).some((k) => k.startsWith('/sso/')), 'and the classic one after it');
      sim.resetStats();
      assertProblem(await connect(token, email), 429, 'rate_limited');
      assert.deepEqual(sim.stats().by_path, {});
      await clock.advance(HOUR);
      assert.equal((await connect(token, email)).status, 200);
    });
  });
}

const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
describe('two server instances on one PostgreSQL share the back-off', { skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS' }, () => {
  const clock = new FakeRuntime({ now: Date.UTC(2026, 5, 2, 6, 30) });
  const start = twoInstancesFixture('backoff-two', clock);

  test('a block seen by instance A is honoured by instance B without calling Garmin', async () => {
    const { sim, a, b } = await start();
    sim.createUser({ email: 'shared@example.com', password: 'garmin-pw' });
    const tokenA = await fitsyncUser(a);
    const tokenB = await fitsyncUser(b);
    sim.setFaults(THROTTLE);
    const blocked = await call(a.app, 'PUT', '/v1/garmin/connection', { token: tokenA, body: { email: 'shared@example.com', password: 'garmin-pw' } });
    sim.setFaults([]);
    assertProblem(blocked, 429, 'rate_limited');
    sim.resetStats();
    const onB = await call(b.app, 'PUT', '/v1/garmin/connection', { token: tokenB, body: { email: 'Shared@Example.com', password: 'garmin-pw' } });
    assert.match(assertProblem(onB, 429, 'rate_limited').detail, /try again in 1 h, at 07:30 UTC/);
    assert.deepEqual(sim.stats().by_path, {});
  });
});
