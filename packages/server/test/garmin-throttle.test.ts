import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { burst, statusCounts } from './helpers/burst.js';
import { dialects } from './helpers/dialects.js';

// FitSync must not be an oracle for Garmin passwords: wrong Garmin passwords are throttled like
// FitSync's own (per user and address, per user, per address), before Garmin is called.
const cheap = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
const SIGNIN_PATHS = ['/mobile/api/login', '/sso/signin'];

for (const { dialect, skip } of await dialects()) {
  describe(`Garmin sign-in throttling on ${dialect}`, { skip }, () => {
    const clock = new FakeRuntime({ now: Date.UTC(2026, 5, 1, 12) });
    let sim: RunningSim;
    let s: TestServer;
    before(async () => {
      sim = await startSim({ seed: `garmin-throttle-${dialect}`, runtime: { ...systemRuntime, now: () => clock.now() } });
      s = await startTestServer({
        dialect,
        runtime: clock,
        hasher: cheap,
        env: { FITSYNC_GARMIN_SSO_URL: sim.url, FITSYNC_GARMIN_API_URL: sim.url, FITSYNC_GARMIN_DIAUTH_URL: sim.url },
      });
    });
    after(async () => {
      await s?.close();
      await sim?.close();
    });

    /** Garmin sign-in requests the sim received (every strategy's first step). */
    const signIns = () =>
      SIGNIN_PATHS.reduce((n, p) => n + Object.values(sim.stats().by_path[p] ?? {}).reduce((a, b) => a + b, 0), 0);

    async function setup(mfa: 'email' | null = null) {
      const name = uniqueName('gt');
      await createUser(s.db, name, 'correct horse', { hasher: cheap });
      const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const email = `${name}@example.com`;
      sim.createUser({ email, password: 'the garmin password', mfa, activities: 1, days: 1 });
      return { token: login.body.access_token as string, email };
    }

    test('40 simultaneous wrong Garmin passwords: at most 5 reach Garmin, the rest get 429 too_many_attempts', async () => {
      const u = await setup();
      sim.resetStats();
      const answers = await burst(
        s.url,
        Array.from({ length: 40 }, (_, i) => ({
          method: 'PUT' as const,
          path: '/v1/garmin/connection',
          body: { email: u.email, password: `guess ${i}` },
          headers: { authorization: `Bearer ${u.token}` },
          localAddress: '127.0.0.6',
        })),
      );
      const counts = statusCounts(answers);
      assert.ok((counts[401] ?? 0) <= 5, JSON.stringify(counts));
      const reached = sim.stats().by_path['/mobile/api/login'];
      assert.ok(Object.values(reached ?? {}).reduce((a, b) => a + b, 0) <= 5, `Garmin saw ${JSON.stringify(sim.stats().by_path)}`);
      assert.ok((counts[429] ?? 0) >= 35, JSON.stringify(counts));
      for (const a of answers.filter((x) => x.status === 429)) {
        assert.equal(a.body.code, 'too_many_attempts');
        assert.ok(Number(a.headers['retry-after']) > 0);
      }
      // Locked: even the right password is refused without calling Garmin, until the lockout ends.
      const before = signIns();
      const locked = await call(s.app, 'PUT', '/v1/garmin/connection', {
        token: u.token,
        body: { email: u.email, password: 'the garmin password' },
        ip: '127.0.0.6',
      });
      assertProblem(locked, 429, 'too_many_attempts');
      assert.equal(locked.headers['retry-after'], '300');
      assert.equal(signIns(), before, 'no sign-in reached Garmin');
      await clock.advance(300_000);
      const ok = await call(s.app, 'PUT', '/v1/garmin/connection', {
        token: u.token,
        body: { email: u.email, password: 'the garmin password' },
        ip: '127.0.0.6',
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });

    test('a successful Garmin sign-in clears the count; only wrong passwords count', async () => {
      const u = await setup();
      const put = (password: string) =>
        call(s.app, 'PUT', '/v1/garmin/connection', { token: u.token, body: { email: u.email, password }, ip: '10.20.0.1' });
      for (let i = 0; i < 4; i++) assertProblem(await put(`guess ${i}`), 401, 'garmin_auth_failed');
      assert.equal((await put('the garmin password')).status, 200);
      for (let i = 0; i < 4; i++) assertProblem(await put(`guess ${i}`), 401, 'garmin_auth_failed');
      assert.equal((await put('the garmin password')).status, 200);
    });

    test("40 simultaneous wrong Garmin MFA codes on one challenge: at most 5 reach Garmin, then the challenge is spent", async () => {
      const u = await setup('email');
      const started = await call(s.app, 'PUT', '/v1/garmin/connection', {
        token: u.token,
        body: { email: u.email, password: 'the garmin password' },
        ip: '10.30.0.1',
      });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const code = sim.mfaCode(u.email)!;
      const wrong = (i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
      sim.resetStats();
      const answers = await burst(
        s.url,
        Array.from({ length: 40 }, (_, i) => ({
          method: 'POST' as const,
          path: '/v1/garmin/connection/mfa',
          body: { challenge_id: started.body.challenge_id, code: wrong(i) },
          headers: { authorization: `Bearer ${u.token}` },
        })),
      );
      const counts = statusCounts(answers);
      const verifies = Object.values(sim.stats().by_path['/mobile/api/mfa/verifyCode'] ?? {}).reduce((a, b) => a + b, 0);
      assert.ok(verifies <= 5, `Garmin heard ${verifies} codes (${JSON.stringify(counts)})`);
      assert.ok((counts[401] ?? 0) <= 5, JSON.stringify(counts));
      for (const a of answers.filter((x) => x.status !== 401)) assert.equal(a.body.code, 'mfa_challenge_expired', JSON.stringify(a.body));
      // The budget is spent: even the right code is refused without asking Garmin.
      const right = await call(s.app, 'POST', '/v1/garmin/connection/mfa', {
        token: u.token,
        body: { challenge_id: started.body.challenge_id, code },
      });
      assertProblem(right, 410, 'mfa_challenge_expired');
    });
  });
}
