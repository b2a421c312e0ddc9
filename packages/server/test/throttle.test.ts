import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { totpCode } from '../src/crypto/totp.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { challengeFor, userWithMfa } from './helpers/flows.js';

const cheap = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

for (const { dialect, skip } of await dialects()) {
  describe(`sign-in throttling on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({
        dialect,
        runtime: clock,
        // The per-account limit set as tight as the per-(account, address) one: these tests spread
        // failures over addresses to exercise the account-wide lock (the layering has its own suite).
        env: {
          FITSYNC_AUTH_MAX_FAILURES: '5',
          FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT: '5',
          FITSYNC_AUTH_MAX_FAILURES_PER_IP: '8',
          FITSYNC_AUTH_LOCKOUT_S: '300',
        },
      });
    });
    after(() => s?.close());

    const login = (username: string, password: string, ip: string) =>
      call(s.app, 'POST', '/v1/auth/login', { body: { username, password }, ip });

    test('wrong passwords lock the account: 429 with Retry-After, even for the right password, until the wait is over', async () => {
      const name = uniqueName('lock');
      await createUser(s.db, name, 'the right one');
      // from different addresses, so only the per-account limit is in play
      for (let i = 0; i < 5; i++) assertProblem(await login(name, `wrong ${i}`, `10.1.0.${i}`), 401, 'invalid_credentials');
      const locked = await login(name, 'the right one', '10.1.1.1');
      const body = assertProblem(locked, 429, 'too_many_attempts');
      assert.equal(locked.headers['retry-after'], '300');
      assert.equal(body.retry_after, 300);
      await clock.advance(120_000);
      const still = await login(name, 'the right one', '10.1.1.2');
      assertProblem(still, 429, 'too_many_attempts');
      assert.equal(still.headers['retry-after'], '180');
      await clock.advance(180_000);
      const ok = await login(name, 'the right one', '10.1.1.3');
      assert.equal(ok.status, 200);
      assert.equal(ok.body.status, 'authenticated');
    });

    test('unknown usernames are throttled exactly like real ones', async () => {
      const ghost = uniqueName('ghost');
      for (let i = 0; i < 5; i++) assertProblem(await login(ghost, 'x', `10.2.0.${i}`), 401, 'invalid_credentials');
      assertProblem(await login(ghost, 'x', '10.2.1.1'), 429, 'too_many_attempts');
      await clock.advance(300_000);
    });

    test('one address guessing across many accounts is locked per address', async () => {
      const ip = '10.3.0.1';
      for (let i = 0; i < 8; i++) assertProblem(await login(uniqueName('spray'), 'x', ip), 401, 'invalid_credentials');
      const name = uniqueName('victim');
      await createUser(s.db, name, 'fine');
      assertProblem(await login(name, 'fine', ip), 429, 'too_many_attempts');
      assert.equal((await login(name, 'fine', '10.3.0.2')).status, 200);
      await clock.advance(300_000);
      assert.equal((await login(name, 'fine', ip)).status, 200);
    });

    test('a success resets the account count; failures outside the window are forgotten', async () => {
      const name = uniqueName('reset');
      await createUser(s.db, name, 'pw');
      for (let i = 0; i < 4; i++) await login(name, 'bad', `10.4.0.${i}`);
      assert.equal((await login(name, 'pw', '10.4.1.0')).status, 200);
      for (let i = 0; i < 4; i++) await login(name, 'bad', `10.4.2.${i}`);
      await clock.advance(900_000);
      assertProblem(await login(name, 'bad', '10.4.3.0'), 401, 'invalid_credentials');
      assert.equal((await login(name, 'pw', '10.4.3.1')).status, 200);
    });

    test('wrong MFA codes count per account across challenges, and are throttled too', async () => {
      const name = uniqueName('codes');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const good = () => totpCode(secret, clock.now());
      const wrong = () => (good() === '000000' ? '111111' : '000000');
      for (let i = 0; i < 5; i++) {
        const c = await login(name, 'correct horse', `10.5.0.${i}`);
        assert.equal(c.body.status, 'mfa_required');
        const r = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: c.body.challenge_id, code: wrong() }, ip: `10.5.1.${i}` });
        assertProblem(r, 401, 'invalid_mfa_code');
      }
      const c = await login(name, 'correct horse', '10.5.2.0');
      const r = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: c.body.challenge_id, code: good() }, ip: '10.5.2.1' });
      assertProblem(r, 429, 'too_many_attempts');
      assert.ok(Number(r.headers['retry-after']) > 0);
      await clock.advance(300_000);
      const c2 = await login(name, 'correct horse', '10.5.3.0');
      const ok = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: c2.body.challenge_id, code: good() }, ip: '10.5.3.1' });
      assert.equal(ok.status, 200);
    });
  });

  describe(`layered limits (account and address, account, address) on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      // Defaults: 5 per (account, address), 100 per account, 50 per address.
      s = await startTestServer({ dialect, runtime: clock, hasher: cheap });
    });
    after(() => s?.close());

    const login = (username: string, password: string, ip: string) =>
      call(s.app, 'POST', '/v1/auth/login', { body: { username, password }, ip });

    test("a stranger's wrong passwords from one address lock that address out of the account, not the owner", async () => {
      const name = uniqueName('owner');
      await createUser(s.db, name, 'mine', { hasher: cheap });
      for (let i = 0; i < 5; i++) assertProblem(await login(name, `guess ${i}`, '10.7.0.1'), 401, 'invalid_credentials');
      const refused = await login(name, 'mine', '10.7.0.1');
      assertProblem(refused, 429, 'too_many_attempts');
      assert.equal(refused.headers['retry-after'], '300');
      const owner = await login(name, 'mine', '10.7.0.2');
      assert.equal(owner.status, 200, JSON.stringify(owner.body));
      // the same for a name that does not exist: nothing to learn from the difference
      const ghost = uniqueName('ghost');
      for (let i = 0; i < 5; i++) assertProblem(await login(ghost, 'x', '10.7.0.3'), 401, 'invalid_credentials');
      assertProblem(await login(ghost, 'x', '10.7.0.3'), 429, 'too_many_attempts');
      assertProblem(await login(ghost, 'x', '10.7.0.4'), 401, 'invalid_credentials');
      await clock.advance(300_000);
    });

    test('100 wrong passwords spread over many addresses lock the account for everyone', async () => {
      const name = uniqueName('spread');
      await createUser(s.db, name, 'mine', { hasher: cheap });
      for (let i = 0; i < 100; i++) {
        assertProblem(await login(name, `guess ${i}`, `10.8.${i % 25}.1`), 401, 'invalid_credentials');
      }
      const locked = await login(name, 'mine', '10.8.99.1');
      assertProblem(locked, 429, 'too_many_attempts');
      assert.equal(locked.headers['retry-after'], '300');
      await clock.advance(300_000);
      assert.equal((await login(name, 'mine', '10.8.99.1')).status, 200);
    });

    test("a stranger's wrong MFA codes from one address do not stop the owner's code from another", async () => {
      const name = uniqueName('mfaowner');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const good = () => totpCode(secret, clock.now());
      const wrong = () => (good() === '000000' ? '111111' : '000000');
      for (let i = 0; i < 5; i++) {
        const id = await challengeFor(s.app, name, 'correct horse', '10.9.0.1');
        assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, code: wrong() }, ip: '10.9.0.1' }), 401, 'invalid_mfa_code');
      }
      const id = await challengeFor(s.app, name, 'correct horse', '10.9.0.1');
      assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, code: good() }, ip: '10.9.0.1' }), 429, 'too_many_attempts');
      const mine = await challengeFor(s.app, name, 'correct horse', '10.9.0.2');
      const ok = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: mine, code: good() }, ip: '10.9.0.2' });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      await clock.advance(300_000);
    });
  });

  describe(`throttling and challenges hold across instances on ${dialect}`, { skip }, () => {
    let a: TestServer;
    let b: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      const env = { FITSYNC_SECRET_KEY: 'one-key-shared-by-both-test-instances-0123', FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT: '5' };
      a = await startTestServer({ dialect, runtime: clock, env });
      // a second instance on the same database (the SQLite file, or the same PostgreSQL schema)
      const url = dialect === 'postgres' ? a.config.databaseUrl : join(a.dataDir, 'fitsync.db');
      b = await startTestServer({ dialect, runtime: clock, env, databaseUrl: url });
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    test('failures on one instance lock the account on the other; a challenge from one completes on the other', async () => {
      const name = uniqueName('multi');
      await createUser(a.db, name, 'pw-multi');
      for (let i = 0; i < 5; i++) {
        const inst = i % 2 === 0 ? a : b;
        assertProblem(
          await call(inst.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'bad' }, ip: `10.6.0.${i}` }),
          401,
          'invalid_credentials',
        );
      }
      assertProblem(await call(b.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'pw-multi' }, ip: '10.6.1.0' }), 429, 'too_many_attempts');
      await clock.advance(300_000);
      const mfaName = uniqueName('multimfa');
      const { secret } = await userWithMfa(a.app, a.db, clock, mfaName);
      const ch = await call(a.app, 'POST', '/v1/auth/login', { body: { username: mfaName, password: 'correct horse' } });
      const ok = await call(b.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: ch.body.challenge_id, code: totpCode(secret, clock.now()) } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });
  });
}
