// api.ts against a real HTTP server on port 0. The browser parts it touches are stood in for:
// fetch resolves the app's relative paths against the server; location/history record navigation.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.writeHead(500).end();
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    handler(req, body, res);
  });
});
const problem = (res: ServerResponse, status: number, code: string, detail?: string, extra: object = {}) =>
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Nope', status, code, detail, ...extra }));

const nav: string[] = [];
const realFetch = globalThis.fetch;
let base = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(globalThis, {
    fetch: (path: string, init?: RequestInit) => realFetch(new URL(path, base), init),
    location: { pathname: '/settings', search: '?tab=mfa', origin: base },
    history: {
      pushState: (_s: unknown, _t: string, url: string) => nav.push(`push ${url}`),
      replaceState: (_s: unknown, _t: string, url: string) => nav.push(`replace ${url}`),
    },
  });
});
after(() => {
  server.close();
  Object.assign(globalThis, { fetch: realFetch });
});
beforeEach(() => {
  seen.length = 0;
  nav.length = 0;
});

const api = await import('../../src/api.js');
const me = { user_id: 'u1', username: 'ann', mfa_enabled: false, created_at: '2026-01-01T00:00:00Z', garmin_status: 'not_connected', garmin_reauth_required_at: null };

describe('api.ts', () => {
  test('loadSession: the cookie names a session → user and CSRF token; 401 → signed out', async () => {
    handler = (_q, _b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user: me, csrf_token: 'tok-1' }));
    await api.loadSession();
    assert.deepEqual(api.session(), { user: me, csrfToken: 'tok-1' });
    assert.equal(seen[0]?.url, '/v1/web/session');

    handler = (_q, _b, res) => problem(res, 401, 'invalid_token');
    await api.loadSession();
    assert.equal(api.session(), null);
    assert.deepEqual(nav, [], 'boot does not redirect by itself: the guard does');
  });

  test('apiSend: JSON body and X-CSRF-Token; GET carries no token; 204 is undefined', async () => {
    api.setSession({ user: me as never, csrfToken: 'tok-2' });
    handler = (_q, _b, res) => res.writeHead(204).end();
    assert.equal(await api.apiSend('DELETE', '/v1/mfa/totp', { code: '123456' }), undefined);
    assert.equal(seen[0]?.method, 'DELETE');
    assert.equal(seen[0]?.headers['x-csrf-token'], 'tok-2');
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[0]!.body), { code: '123456' });

    handler = (_q, _b, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jobs":[]}');
    assert.deepEqual(await api.apiGet('/v1/sync/jobs'), { jobs: [] });
    assert.equal(seen[1]?.headers['x-csrf-token'], undefined);
  });

  test('a problem answer becomes an ApiError with status, code, detail and the body', async () => {
    handler = (_q, _b, res) => problem(res, 429, 'too_many_attempts', 'Too many failed attempts. Try again in 30 s.', { retry_after: 30 });
    const err = await api.apiSend('POST', '/v1/web/session', { username: 'a', password: 'b' }).catch((e: unknown) => e);
    assert.ok(err instanceof api.ApiError);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'too_many_attempts');
    assert.equal(err.message, 'Too many failed attempts. Try again in 30 s.');
    assert.equal(err.retryAfter, 30);
  });

  test('a 401 invalid_token ends the session and goes to sign-in, back to this page afterwards', async () => {
    api.setSession({ user: me as never, csrfToken: 'tok-3' });
    handler = (_q, _b, res) => problem(res, 401, 'invalid_token', 'The access token is missing, invalid, expired or revoked.');
    await assert.rejects(api.apiGet('/v1/me'), (e: unknown) => e instanceof api.ApiError && e.status === 401);
    assert.equal(api.session(), null);
    assert.deepEqual(nav, ['replace /sign-in?next=%2Fsettings%3Ftab%3Dmfa']);
  });

  test('other 401s (a wrong password or code) are the form’s error: still signed in, no redirect', async () => {
    api.setSession({ user: me as never, csrfToken: 'tok-4' });
    for (const code of ['invalid_mfa_code', 'garmin_auth_failed']) {
      handler = (_q, _b, res) => problem(res, 401, code, 'The code is not valid.');
      await assert.rejects(api.apiSend('DELETE', '/v1/mfa/totp', { code: '000000' }), (e: unknown) => e instanceof api.ApiError && e.code === code);
    }
    handler = (_q, _b, res) => problem(res, 401, 'invalid_credentials', 'Invalid username or password');
    await assert.rejects(api.apiSend('POST', '/v1/web/session', { username: 'a', password: 'b' }));
    assert.notEqual(api.session(), null);
    assert.deepEqual(nav, []);
  });

  test('no server: an ApiError with status 0 and a message for people', async () => {
    Object.assign(globalThis, { fetch: () => Promise.reject(new TypeError('fetch failed')) });
    try {
      const err = await api.apiGet('/v1/me').catch((e: unknown) => e);
      assert.ok(err instanceof api.ApiError);
      assert.equal(err.status, 0);
      assert.match(err.message, /Could not reach the FitSync server/);
    } finally {
      Object.assign(globalThis, { fetch: (path: string, init?: RequestInit) => realFetch(new URL(path, base), init) });
    }
  });
});
