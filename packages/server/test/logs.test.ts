import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { totpCode } from '../src/crypto/totp.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';

for (const { dialect, skip } of await dialects()) {
  describe(`secrets never reach the logs on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    const stream = new PassThrough();
    let captured = '';
    stream.on('data', (c: Buffer) => {
      captured += c.toString('utf8');
    });
    before(async () => {
      s = await startTestServer({ dialect, runtime: clock, log: { stream, level: 'trace' } });
    });
    after(() => s?.close());

    test('login, MFA, refresh, logout and error paths at trace level', async () => {
      const password = 'PLANTED-pa55word-7f3a';
      const planted: string[] = [password, 'PLANTED-wrong-pw-91c2', 'PLANTED-bad-json-4411'];
      await createUser(s.db, 'loggy', password);
      const first = await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'loggy', password } });
      planted.push(first.body.access_token, first.body.refresh_token);
      const setup = await call(s.app, 'POST', '/v1/mfa/totp', { token: first.body.access_token });
      planted.push(setup.body.secret);
      const confirmCode = totpCode(setup.body.secret, clock.now());
      const confirm = await call(s.app, 'POST', '/v1/mfa/totp/confirm', { token: first.body.access_token, body: { code: confirmCode } });
      planted.push(...confirm.body.recovery_codes);
      await clock.advance(30_000);
      await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'loggy', password: 'PLANTED-wrong-pw-91c2' } });
      const ch = await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'loggy', password } });
      const code = totpCode(setup.body.secret, clock.now());
      const pair = await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: ch.body.challenge_id, code } });
      assert.equal(pair.status, 200);
      planted.push(pair.body.access_token, pair.body.refresh_token);
      const ch2 = await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'loggy', password } });
      await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: ch2.body.challenge_id, recovery_code: confirm.body.recovery_codes[0] } });
      const refreshed = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.body.refresh_token } });
      planted.push(refreshed.body.access_token, refreshed.body.refresh_token);
      await call(s.app, 'GET', '/v1/me', { token: refreshed.body.access_token });
      await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: pair.body.refresh_token } }); // reuse
      await call(s.app, 'POST', '/v1/auth/logout', { body: { refresh_token: refreshed.body.refresh_token } });
      await s.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"username":"loggy","password":"PLANTED-bad-json-4411"',
      });
      await new Promise((r) => setImmediate(r));

      assert.ok(captured.length > 1000, 'trace logging produced output');
      assert.match(captured, /"url":"\/v1\/auth\/login"/);
      for (const secret of planted) {
        assert.ok(!captured.includes(secret), `a planted secret appeared in the logs (${secret.slice(0, 8)}…)`);
      }
      // 6-digit codes may occur inside timestamps by chance; look for them as values.
      for (const c of [confirmCode, code]) assert.ok(!captured.includes(`"${c}"`), 'a TOTP code appeared in the logs');
      for (const line of captured.trim().split('\n')) JSON.parse(line);
    });

    test('query strings never reach the logs, only the path', async () => {
      const planted = ['PLANTED-cursor-5a1e', 'PLANTED-token-77c0', 'PLANTED-unmatched-0b9d'];
      const pair = await userWithSession(s.app, s.db, 'querylog');
      const from = captured.length;
      await call(s.app, 'GET', `/v1/activities?cursor=${planted[0]}`, { token: pair.access_token });
      await call(s.app, 'GET', `/v1/sync/jobs?limit=5&access_token=${planted[1]}`, { token: pair.access_token });
      await call(s.app, 'GET', `/v1/no-such-route?token=${planted[2]}`);
      await new Promise((r) => setImmediate(r));
      const mine = captured.slice(from);
      assert.match(mine, /"url":"\/v1\/activities"/);
      assert.match(mine, /"url":"\/v1\/sync\/jobs"/);
      for (const secret of planted) assert.ok(!mine.includes(secret), `a query value appeared in the logs (${secret})`);
    });
  });
}

for (const { dialect, skip } of await dialects()) {
  describe(`one log line per request at the default level on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const stream = new PassThrough();
    let captured = '';
    stream.on('data', (c: Buffer) => {
      captured += c.toString('utf8');
    });
    before(async () => {
      s = await startTestServer({ dialect, runtime: new FakeRuntime(), log: { stream, level: 'info' } });
    });
    after(() => s?.close());

    test('"request completed" carries method, path, route, status, time and client; no "incoming request" at info', async () => {
      const pair = await userWithSession(s.app, s.db, 'oneline');
      const from = captured.length;
      await call(s.app, 'GET', '/v1/me', { token: pair.access_token, ip: '203.0.113.9' });
      await call(s.app, 'GET', '/v1/activities?limit=5&cursor=PLANTED-cursor-91aa', { token: pair.access_token });
      await call(s.app, 'GET', '/v1/me', { token: 'PLANTED-not-a-token-3c1d' });
      await new Promise((r) => setImmediate(r));
      const lines = captured
        .slice(from)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(lines.filter((l) => l.msg === 'incoming request').length, 0);
      const done = lines.filter((l) => l.msg === 'request completed');
      assert.equal(done.length, 3, JSON.stringify(lines));
      assert.deepEqual(
        done.map((l) => [l.method, l.url, l.route, l.statusCode]),
        [
          ['GET', '/v1/me', '/v1/me', 200],
          ['GET', '/v1/activities', '/v1/activities', 400],
          ['GET', '/v1/me', '/v1/me', 401],
        ],
      );
      assert.equal(done[0].remoteAddress, '203.0.113.9');
      for (const l of done) {
        assert.equal(typeof l.reqId, 'string');
        assert.equal(typeof l.responseTime, 'number');
        assert.equal(l.level, 30);
      }
      assert.ok(!captured.includes('PLANTED-'), 'a query value or a token reached the log');
    });
  });
}
