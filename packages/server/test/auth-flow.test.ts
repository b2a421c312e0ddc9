import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';

for (const { dialect, skip } of await dialects()) {
  describe(`auth flow on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({ dialect, runtime: clock });
    });
    after(() => s?.close());

    test('login without MFA returns a token pair that opens /v1/me', async () => {
      const name = uniqueName('ann');
      const pair = await userWithSession(s.app, s.db, name);
      const claims = JSON.parse(Buffer.from(pair.access_token.split('.')[1]!, 'base64url').toString());
      assert.equal(claims.mfa, false);
      assert.equal(claims.sid, pair.session_id);
      const me = await call(s.app, 'GET', '/v1/me', { token: pair.access_token });
      assert.equal(me.status, 200);
      assert.equal(me.body.username, name);
      assert.equal(me.body.mfa_enabled, false);
      assert.match(me.body.created_at, /^\d{4}-\d{2}-\d{2}T/);
    });

    test('unknown user and wrong password get the same 401 answer', async () => {
      const name = uniqueName('bob');
      await createUser(s.db, name, 'right password');
      const wrong = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'nope' }, ip: '10.0.0.1' });
      const unknown = await call(s.app, 'POST', '/v1/auth/login', {
        body: { username: uniqueName('ghost'), password: 'nope' },
        ip: '10.0.0.1',
      });
      const a = assertProblem(wrong, 401, 'invalid_credentials');
      const b = assertProblem(unknown, 401, 'invalid_credentials');
      assert.deepEqual(a, b);
      assert.equal(a.detail, 'Invalid username or password');
    });

    test('refresh rotates: new pair works, the old refresh token is spent', async () => {
      const pair = await userWithSession(s.app, s.db, uniqueName('rot'));
      await clock.advance(1000);
      const r1 = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      assert.equal(r1.status, 200);
      assert.notEqual(r1.body.refresh_token, pair.refresh_token);
      assert.notEqual(r1.body.access_token, (pair as { access_token: string }).access_token);
      assert.equal(r1.body.session_id, pair.session_id);
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: r1.body.access_token })).status, 200);
      const r2 = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } });
      assert.equal(r2.status, 200);
      const metrics = await call(s.app, 'GET', '/metrics');
      assert.match(metrics.body, /^fitsync_auth_refresh_total [1-9]\d*$/m);
    });

    test('a replayed spent refresh token revokes the whole session', async () => {
      const pair = await userWithSession(s.app, s.db, uniqueName('replay'));
      const r1 = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      assert.equal(r1.status, 200);
      const replay = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      assertProblem(replay, 401, 'invalid_grant');
      // the newest refresh token and the access token die with the session
      assertProblem(await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } }), 401, 'invalid_grant');
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: r1.body.access_token }), 401, 'invalid_token');
    });

    test('concurrent uses of one refresh token: exactly one wins', async () => {
      const pair = await userWithSession(s.app, s.db, uniqueName('race'));
      const results = await Promise.all(
        Array.from({ length: 8 }, () => call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } })),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results.filter((r) => r.status !== 200)) assertProblem(r, 401, 'invalid_grant');
    });

    test('logout revokes the session (204), then the refresh token is invalid_grant', async () => {
      const pair = await userWithSession(s.app, s.db, uniqueName('bye'));
      const out = await call(s.app, 'POST', '/v1/auth/logout', { body: { refresh_token: pair.refresh_token } });
      assert.equal(out.status, 204);
      assertProblem(await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } }), 401, 'invalid_grant');
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: pair.access_token }), 401, 'invalid_token');
    });

    test('expired, forged or missing access tokens: 401 invalid_token with WWW-Authenticate', async () => {
      const pair = await userWithSession(s.app, s.db, uniqueName('exp'));
      await clock.advance(900_000);
      const expired = await call(s.app, 'GET', '/v1/me', { token: pair.access_token });
      assertProblem(expired, 401, 'invalid_token');
      assert.equal(expired.headers['www-authenticate'], 'Bearer error="invalid_token"');
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: `${pair.access_token}x` }), 401, 'invalid_token');
      assertProblem(await call(s.app, 'GET', '/v1/me'), 401, 'invalid_token');
      // the refresh token still works after the access token expired
      assert.equal((await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } })).status, 200);
    });

    test('validation errors, unknown routes and bad JSON are problem+json', async () => {
      const v = assertProblem(await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'x' } }), 400, 'validation_error');
      assert.ok(Array.isArray(v.errors) && v.errors.length > 0);
      assertProblem(await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'x', password: 'y', extra: 1 } }), 400, 'validation_error');
      assertProblem(await call(s.app, 'GET', '/v1/nothing-here'), 404, 'not_found');
      const bad = await s.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"password": "hunter2-planted"',
      });
      assert.equal(bad.statusCode, 400);
      assert.ok(!bad.body.includes('hunter2-planted'));
    });
  });

  describe(`token lifetimes from the environment on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({ dialect, runtime: clock, env: { FITSYNC_ACCESS_TOKEN_TTL: '60', FITSYNC_REFRESH_TOKEN_TTL: '120' } });
    });
    after(() => s?.close());

    test('FITSYNC_ACCESS_TOKEN_TTL and FITSYNC_REFRESH_TOKEN_TTL are honoured', async () => {
      const pair = (await userWithSession(s.app, s.db, uniqueName('ttl'))) as unknown as Record<string, number & string>;
      assert.equal(pair.expires_in, 60);
      assert.equal(pair.refresh_expires_in, 120);
      await clock.advance(59_000);
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200);
      await clock.advance(1_000);
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: pair.access_token }), 401, 'invalid_token');
      await clock.advance(60_000);
      assertProblem(await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.refresh_token } }), 401, 'invalid_grant');
    });
  });
}
