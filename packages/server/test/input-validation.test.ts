import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';

/** Sends raw bytes on a fresh connection; resolves with everything read until the server closes it. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      got += c;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    // A hang is a failure: the server must answer and close by itself.
    socket.setTimeout(5000, () => reject(new Error(`no answer/close within 5 s; got ${JSON.stringify(got)}`)));
  });
}

function assertRawProblem(raw: string, status: number): void {
  assert.match(raw, new RegExp(`^HTTP/1\\.1 ${status} `), raw);
  assert.match(raw, /\r\ncontent-type: application\/problem\+json/i, raw);
  const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
  assert.equal(body.status, status);
  assert.equal(body.code, 'validation_error');
}

for (const { dialect, skip } of await dialects()) {
  describe(`hostile input is a 400 validation_error, never a 500, on ${dialect}`, { skip }, () => {
    let s: TestServer;
    let token: string;
    before(async () => {
      s = await startTestServer({ dialect });
      token = (await userWithSession(s.app, s.db, 'hostile')).access_token;
    });
    after(() => s?.close());

    test('non-finite limits (Infinity, -Infinity, 1e309)', async () => {
      for (const path of ['/v1/activities', '/v1/sync/jobs']) {
        for (const v of ['Infinity', '-Infinity', '1e309', '-1e309']) {
          assertProblem(await call(s.app, 'GET', `${path}?limit=${v}`, { token }), 400, 'validation_error');
        }
      }
    });

    // The real-date rule is the contract's (format "date", @fitsync/api rules.ts), registered with Ajv:
    // a date that matches YYYY-MM-DD but names no day is refused wherever a date goes in.
    test('dates that name no day (2026-02-30) in queries', async () => {
      for (const path of ['/v1/activities?since=2026-02-30', '/v1/activities?until=2025-02-29', '/v1/health/daily?since=2026-04-31']) {
        assertProblem(await call(s.app, 'GET', path, { token }), 400, 'validation_error');
      }
      const ok = await call(s.app, 'GET', '/v1/activities?since=2024-02-29', { token });
      assert.equal(ok.status, 200);
    });

    test('NUL in path parameters: job ids, cancel, events', async () => {
      assertProblem(await call(s.app, 'GET', '/v1/sync/jobs/a%00b', { token }), 400, 'validation_error');
      assertProblem(await call(s.app, 'POST', '/v1/sync/jobs/a%00b/cancel', { token }), 400, 'validation_error');
      assertProblem(await call(s.app, 'GET', '/v1/sync/jobs/a%00b/events', { token }), 400, 'validation_error');
    });

    test('NUL in JSON strings: sign-in MFA (unauthenticated), Garmin MFA, refresh', async () => {
      const nul = 'a\u0000b';
      assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: nul, code: '123456' } }), 400, 'validation_error');
      assertProblem(
        await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: nul, recovery_code: 'abcd-efgh' } }),
        400,
        'validation_error',
      );
      assertProblem(
        await call(s.app, 'POST', '/v1/garmin/connection/mfa', { token, body: { challenge_id: nul, code: '123456' } }),
        400,
        'validation_error',
      );
      assertProblem(await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: nul } }), 400, 'validation_error');
    });

    test('NUL in query strings', async () => {
      assertProblem(await call(s.app, 'GET', '/v1/sync/jobs?cursor=a%00b', { token }), 400, 'validation_error');
    });

    test('bad percent-encoding in paths and queries', async () => {
      assertProblem(await call(s.app, 'GET', '/v1/sync/jobs/%zz', { token }), 400, 'validation_error');
      assertProblem(await call(s.app, 'GET', '/v1/sync/jobs/%E0%A4', { token }), 400, 'validation_error');
      assertProblem(await call(s.app, 'GET', '/v1/activities?cursor=%zz', { token }), 400, 'validation_error');
      assertProblem(await call(s.app, 'GET', '/v1/sync/jobs?cursor=%E0%A4', { token }), 400, 'validation_error');
    });

    test('malformed request lines and headers get a 400 and a closed connection; the server keeps serving', async () => {
      assertRawProblem(await rawExchange(s.url, 'GET /v1/me HTTP/1.1 junk\r\nHost: x\r\n\r\n'), 400);
      assertRawProblem(await rawExchange(s.url, 'NOT A REQUEST\r\n\r\n'), 400);
      assertRawProblem(await rawExchange(s.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), 400);
      assertRawProblem(await rawExchange(s.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'), 400);
      assertRawProblem(
        await rawExchange(s.url, 'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello'),
        400,
      );
      assertRawProblem(await rawExchange(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431);
      const res = await fetch(`${s.url}/healthz`);
      assert.equal(res.status, 200);
    });
  });
}
