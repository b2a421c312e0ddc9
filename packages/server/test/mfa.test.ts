import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { totpCode } from '../src/crypto/totp.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { challengeFor, userWithMfa } from './helpers/flows.js';

for (const { dialect, skip } of await dialects()) {
  describe(`account MFA on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      // Wrong codes also count toward the account throttle; these tests are about the challenge rules.
      s = await startTestServer({ dialect, runtime: clock, env: { FITSYNC_AUTH_MAX_FAILURES: '1000', FITSYNC_AUTH_MAX_FAILURES_PER_IP: '1000' } });
    });
    after(() => s?.close());

    test('enrolment: pending secret, confirm with a code, 10 recovery codes, /v1/me shows MFA on', async () => {
      const name = uniqueName('enrol');
      const { secret, recoveryCodes } = await userWithMfa(s.app, s.db, clock, name);
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10);
      for (const c of recoveryCodes) assert.match(c, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
      const stored = await s.db.all<{ code_hash: string }>(
        'SELECT code_hash FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.username = ?',
        [name],
      );
      assert.equal(stored.length, 10);
      for (const row of stored) assert.ok(!recoveryCodes.some((c) => row.code_hash.includes(c.replace(/-/g, ''))));
      const totpRow = await s.db.get<{ secret_enc: string }>(
        'SELECT secret_enc FROM totp_credentials t JOIN users u ON u.id = t.user_id WHERE u.username = ?',
        [name],
      );
      assert.ok(totpRow && !totpRow.secret_enc.includes(secret), 'TOTP secret is encrypted at rest');
    });

    test('login with MFA: challenge, then a TOTP code gives an MFA-verified token pair', async () => {
      const name = uniqueName('totp');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
      assert.equal(login.status, 200);
      assert.deepEqual(Object.keys(login.body).sort(), ['challenge_id', 'expires_in', 'methods', 'status']);
      assert.deepEqual(login.body.methods, ['totp', 'recovery_code']);
      assert.equal(login.body.expires_in, 300);
      const ok = await call(s.app, 'POST', '/v1/auth/mfa', {
        body: { challenge_id: login.body.challenge_id, code: totpCode(secret, clock.now()) },
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.mfa_verified, true);
      assert.equal(ok.body.user.mfa_enabled, true);
      const me = await call(s.app, 'GET', '/v1/me', { token: ok.body.access_token });
      assert.equal(me.body.mfa_enabled, true);
      // the challenge is single use
      const again = await call(s.app, 'POST', '/v1/auth/mfa', {
        body: { challenge_id: login.body.challenge_id, code: totpCode(secret, clock.now() + 30_000) },
      });
      assertProblem(again, 410, 'mfa_challenge_expired');
    });

    test('codes from the neighbouring steps are accepted, older ones are not', async () => {
      const name = uniqueName('drift');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      await clock.advance(60_000); // well past the step used to confirm enrolment
      const c1 = await challengeFor(s.app, name);
      const late = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: c1, code: totpCode(secret, clock.now() - 60_000) } });
      assertProblem(late, 401, 'invalid_mfa_code');
      const prev = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: c1, code: totpCode(secret, clock.now() - 30_000) } });
      assert.equal(prev.status, 200);
    });

    test('a wrong code says how many attempts are left; the challenge dies after 5', async () => {
      const name = uniqueName('wrong');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const id = await challengeFor(s.app, name);
      const good = totpCode(secret, clock.now());
      const wrongCode = good === '000000' ? '111111' : '000000';
      for (let left = 4; left >= 0; left--) {
        const r = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, code: wrongCode } });
        assert.equal(assertProblem(r, 401, 'invalid_mfa_code').attempts_left, left);
      }
      assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, code: good } }), 410, 'mfa_challenge_expired');
      // a fresh sign-in works with the same code (the dead challenge did not burn it)
      const fresh = await challengeFor(s.app, name);
      assert.equal((await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: fresh, code: good } })).status, 200);
    });

    test('a challenge dies after 5 minutes', async () => {
      const name = uniqueName('slow');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const id = await challengeFor(s.app, name);
      await clock.advance(299_000);
      const alive = await challengeFor(s.app, name);
      await clock.advance(1_000);
      assertProblem(
        await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, code: totpCode(secret, clock.now()) } }),
        410,
        'mfa_challenge_expired',
      );
      assert.equal(
        (await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: alive, code: totpCode(secret, clock.now()) } })).status,
        200,
      );
      assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: 'no-such', code: '123456' } }), 410, 'mfa_challenge_expired');
    });

    test('a TOTP step accepted once is never accepted again', async () => {
      const name = uniqueName('reuse');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const code = totpCode(secret, clock.now());
      const a = await challengeFor(s.app, name);
      assert.equal((await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: a, code } })).status, 200);
      const b = await challengeFor(s.app, name);
      assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: b, code } }), 401, 'invalid_mfa_code');
      await clock.advance(30_000);
      // still inside the ±1 window, but already used
      assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: b, code } }), 401, 'invalid_mfa_code');
      assert.equal(
        (await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: b, code: totpCode(secret, clock.now()) } })).status,
        200,
      );
    });

    test('N concurrent submissions of one valid code on N challenges: exactly one succeeds', async () => {
      const name = uniqueName('conc');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await challengeFor(s.app, name));
      const code = totpCode(secret, clock.now());
      const results = await Promise.all(ids.map((id) => call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, code } })));
      assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
      for (const r of results.filter((r) => r.status !== 200)) assertProblem(r, 401, 'invalid_mfa_code');
      // and many submissions on ONE challenge: one token pair, never two sessions
      await clock.advance(30_000);
      const one = await challengeFor(s.app, name);
      const code2 = totpCode(secret, clock.now());
      const same = await Promise.all(
        Array.from({ length: 8 }, () => call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: one, code: code2 } })),
      );
      assert.equal(same.filter((r) => r.status === 200).length, 1);
    });

    test('recovery codes sign in once each, in any case and without dashes', async () => {
      const name = uniqueName('rec');
      const { recoveryCodes } = await userWithMfa(s.app, s.db, clock, name);
      const id = await challengeFor(s.app, name);
      const loose = recoveryCodes[0]!.replace(/-/g, '').toUpperCase();
      const ok = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, recovery_code: loose } });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.mfa_verified, true);
      const id2 = await challengeFor(s.app, name);
      const again = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id2, recovery_code: recoveryCodes[0] } });
      assert.equal(assertProblem(again, 401, 'invalid_mfa_code').attempts_left, 4);
      assert.equal(
        (await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id2, recovery_code: recoveryCodes[1] } })).status,
        200,
      );
    });

    test('regenerating recovery codes voids the old ones; disabling MFA needs a code', async () => {
      const name = uniqueName('regen');
      const { secret, recoveryCodes } = await userWithMfa(s.app, s.db, clock, name);
      const id = await challengeFor(s.app, name);
      const pair = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: id, code: totpCode(secret, clock.now()) } });
      const token = pair.body.access_token;
      await clock.advance(30_000);
      const regen = await call(s.app, 'POST', '/v1/mfa/recovery-codes', { token, body: { code: totpCode(secret, clock.now()) } });
      assert.equal(regen.status, 200);
      assert.equal(regen.body.recovery_codes.length, 10);
      assertProblem(await call(s.app, 'POST', '/v1/mfa/totp', { token }), 409, 'mfa_already_enabled');
      assertProblem(await call(s.app, 'DELETE', '/v1/mfa/totp', { token, body: { recovery_code: recoveryCodes[0] } }), 401, 'invalid_mfa_code');
      assert.equal((await call(s.app, 'DELETE', '/v1/mfa/totp', { token, body: { recovery_code: regen.body.recovery_codes[0] } })).status, 204);
      assertProblem(await call(s.app, 'DELETE', '/v1/mfa/totp', { token, body: { code: '123456' } }), 409, 'mfa_not_enabled');
      const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
      assert.equal(login.body.status, 'authenticated');
      assert.equal(login.body.mfa_verified, false);
    });

    test('confirming with a wrong code keeps MFA off; MFA routes need a token', async () => {
      const name = uniqueName('pend');
      const pair = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'x' } });
      assertProblem(pair, 401, 'invalid_credentials');
      assertProblem(await call(s.app, 'POST', '/v1/mfa/totp'), 401, 'invalid_token');
      const { createUser } = await import('../src/services/user-admin.js');
      await createUser(s.db, name, 'pw-pend');
      const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'pw-pend' } });
      const token = login.body.access_token;
      assertProblem(await call(s.app, 'POST', '/v1/mfa/totp/confirm', { token, body: { code: '123456' } }), 409, 'mfa_not_enabled');
      const setup = await call(s.app, 'POST', '/v1/mfa/totp', { token });
      assert.match(setup.body.otpauth_uri, new RegExp(`^otpauth://totp/FitSync%3A${name}\\?secret=${setup.body.secret}&issuer=FitSync`));
      const good = totpCode(setup.body.secret, clock.now());
      assertProblem(
        await call(s.app, 'POST', '/v1/mfa/totp/confirm', { token, body: { code: good === '000000' ? '111111' : '000000' } }),
        401,
        'invalid_mfa_code',
      );
      const still = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'pw-pend' } });
      assert.equal(still.body.status, 'authenticated');
    });
  });
}
