import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { totpCode } from '../src/crypto/totp.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithMfa } from './helpers/flows.js';
import { parseSetCookie, webRequest, webSignIn } from './helpers/web.js';

const cheap = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

for (const { dialect, skip } of await dialects()) {
  describe(`browser sign-in throttling on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({
        dialect,
        runtime: clock,
        hasher: cheap,
        env: { FITSYNC_WORKERS: '0', FITSYNC_AUTH_MAX_FAILURES: '3', FITSYNC_AUTH_MAX_FAILURES_PER_IP: '1000', FITSYNC_AUTH_LOCKOUT_S: '300' },
      });
    });
    after(() => s?.close());

    const web = (username: string, password: string) => webRequest(s.url, 'POST', '/v1/web/session', { body: { username, password } });
    const api = (username: string, password: string) => call(s.app, 'POST', '/v1/auth/login', { body: { username, password } });

    test('wrong passwords through either door count together and lock both', async () => {
      const name = uniqueName('lockw');
      await createUser(s.db, name, 'the right one', { hasher: cheap });
      assertProblem(await api(name, 'wrong 1'), 401, 'invalid_credentials');
      const w = await web(name, 'wrong 2');
      assert.equal(w.status, 401);
      assert.equal(w.body.code, 'invalid_credentials');
      assertProblem(await api(name, 'wrong 3'), 401, 'invalid_credentials');
      const locked = await web(name, 'the right one');
      assert.equal(locked.status, 429, JSON.stringify(locked.body));
      assert.equal(locked.body.code, 'too_many_attempts');
      assert.equal(locked.headers['retry-after'], '300');
      assert.deepEqual(locked.setCookie, []);
      assertProblem(await api(name, 'the right one'), 429, 'too_many_attempts');
      await clock.advance(300_000);
      assert.equal((await web(name, 'the right one')).status, 200);
    });

    test('the lock set by the web door holds at the API door; wrong MFA codes count together too', async () => {
      const name = uniqueName('lockm');
      for (let i = 0; i < 3; i++) assert.equal((await web(name, `wrong ${i}`)).status, 401);
      assertProblem(await api(name, 'anything'), 429, 'too_many_attempts');
      await clock.advance(300_000);

      const mfaUser = uniqueName('lockc');
      const { secret } = await userWithMfa(s.app, s.db, clock, mfaUser);
      const good = totpCode(secret, clock.now());
      const wrongCode = good === '000000' ? '111111' : '000000';
      const challenge = async () => (await web(mfaUser, 'correct horse')).body.challenge_id as string;
      const viaWeb = (id: string, code: string) => webRequest(s.url, 'POST', '/v1/web/session/mfa', { body: { challenge_id: id, code } });
      assert.equal((await viaWeb(await challenge(), wrongCode)).status, 401);
      assertProblem(await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: await challenge(), code: wrongCode } }), 401, 'invalid_mfa_code');
      assert.equal((await viaWeb(await challenge(), wrongCode)).status, 401);
      const locked = await viaWeb(await challenge(), good);
      assert.equal(locked.status, 429, JSON.stringify(locked.body));
      assert.equal(locked.body.code, 'too_many_attempts');
    });
  });
}

describe('browser sessions and the logs', () => {
  let s: TestServer;
  const stream = new PassThrough();
  let captured = '';
  stream.on('data', (c: Buffer) => {
    captured += c.toString('utf8');
  });
  before(async () => {
    s = await startTestServer({ runtime: new FakeRuntime(), hasher: cheap, log: { stream, level: 'trace' }, env: { FITSYNC_WORKERS: '0' } });
  });
  after(() => s?.close());

  test('neither the cookie nor the CSRF token is ever logged, at any level', async () => {
    const name = uniqueName('logw');
    await createUser(s.db, name, 'correct horse', { hasher: cheap });
    const { cookie, secret, csrf } = await webSignIn(s.url, name);
    await webRequest(s.url, 'GET', '/v1/me', { cookie });
    await webRequest(s.url, 'GET', '/v1/web/session', { cookie });
    await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, csrf, body: { sync_type: 'all' } });
    await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, csrf: `${csrf}x`, body: { sync_type: 'all' } });
    await webRequest(s.url, 'GET', '/v1/me', { cookie: `fitsync_session=${secret.slice(1)}A` });
    await webRequest(s.url, 'GET', '/nope', { cookie, csrf });
    assert.equal((await webRequest(s.url, 'DELETE', '/v1/web/session', { cookie, csrf })).status, 204);
    await new Promise((r) => setImmediate(r));
    assert.match(captured, /"url":"\/v1\/web\/session"/, 'trace logging saw the requests');
    assert.ok(!captured.includes(secret), 'the cookie secret appeared in the logs');
    assert.ok(!captured.includes(secret.slice(1)), 'a cookie value appeared in the logs');
    assert.ok(!captured.includes(csrf), 'the CSRF token appeared in the logs');
    for (const line of captured.trim().split('\n')) JSON.parse(line);
  });
});

/** A self-signed certificate for 127.0.0.1, or undefined when openssl is not installed. */
function selfSigned(dir: string): { cert: string; key: string } | undefined {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const gen = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
    { encoding: 'utf8' },
  );
  return gen.status === 0 ? { cert, key } : undefined;
}

const tlsDir = mkdtempSync(join(tmpdir(), 'fitsync-web-tls-'));
const pems = selfSigned(tlsDir);
describe('browser sessions under TLS', { skip: pems ? false : 'openssl is not installed' }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      hasher: cheap,
      env: { FITSYNC_WORKERS: '0', FITSYNC_TLS_CERT: pems!.cert, FITSYNC_TLS_KEY: pems!.key },
    });
  });
  after(async () => {
    await s?.close();
    rmSync(tlsDir, { recursive: true, force: true });
  });

  test('the cookie is __Host-fitsync_session, Secure; the plain name is not accepted over HTTPS', async () => {
    assert.match(s.url, /^https:\/\//);
    const name = uniqueName('tls');
    await createUser(s.db, name, 'correct horse', { hasher: cheap });
    const { res, secret, cookie, csrf } = await webSignIn(s.url, name);
    const c = parseSetCookie(res.setCookie[0]!);
    assert.equal(c.name, '__Host-fitsync_session');
    assert.equal(c.attrs.get('secure'), true);
    assert.equal(c.attrs.get('httponly'), true);
    assert.equal(c.attrs.get('samesite'), 'Strict');
    assert.equal(c.attrs.get('path'), '/');
    assert.equal(c.attrs.has('domain'), false, '__Host- cookies carry no Domain');
    assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie })).status, 200);
    assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie: `fitsync_session=${secret}` })).status, 401);
    // This server's origin is https://…; the same host over http:// is another origin.
    const own = new URL(s.url).origin;
    const body = { sync_type: 'all' };
    assert.equal((await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, csrf, body, origin: own.replace('https:', 'http:') })).body.code, 'csrf_failed');
    assert.equal((await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, csrf, body, origin: own })).body.code, 'garmin_not_connected');
    const out = await webRequest(s.url, 'DELETE', '/v1/web/session', { cookie, csrf });
    assert.equal(out.status, 204);
    const cleared = parseSetCookie(out.setCookie[0]!);
    assert.equal(cleared.name, '__Host-fitsync_session');
    assert.equal(cleared.attrs.get('secure'), true);
    assert.equal(cleared.attrs.get('max-age'), '0');
  });
});

describe('browser sessions behind a TLS-terminating proxy (FITSYNC_TRUST_PROXY)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ hasher: cheap, env: { FITSYNC_WORKERS: '0', FITSYNC_TRUST_PROXY: '127.0.0.1' } });
  });
  after(() => s?.close());

  test("X-Forwarded-Proto/-Host from the proxy: the __Host- cookie with Secure, and the public origin is the server's own", async () => {
    const name = uniqueName('proxy');
    await createUser(s.db, name, 'correct horse', { hasher: cheap });
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'fitsync.example', 'x-forwarded-for': '203.0.113.9' };
    const signIn = await webRequest(s.url, 'POST', '/v1/web/session', {
      body: { username: name, password: 'correct horse' },
      origin: 'https://fitsync.example',
      headers: forwarded,
    });
    assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
    const c = parseSetCookie(signIn.setCookie[0]!);
    assert.equal(c.name, '__Host-fitsync_session');
    assert.equal(c.attrs.get('secure'), true);
    const cookie = `${c.name}=${c.value}`;
    const csrf = signIn.body.csrf_token as string;
    const body = { sync_type: 'all' };
    const change = (origin: string) => webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, csrf, body, origin, headers: forwarded });
    assert.equal((await change('https://fitsync.example')).body.code, 'garmin_not_connected');
    assert.equal((await change('http://fitsync.example')).body.code, 'csrf_failed');
    assert.equal((await change('https://evil.example')).body.code, 'csrf_failed');
    // Without the proxy's word the request is plain HTTP: the __Host- cookie is not read.
    assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie })).status, 401);
  });
});

describe('browser sessions with FITSYNC_PUBLIC_URL', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ hasher: cheap, env: { FITSYNC_WORKERS: '0', FITSYNC_PUBLIC_URL: 'https://fitsync.example:8443/' } });
  });
  after(() => s?.close());

  test('the public origin passes the Origin check beside the address the request came to; others do not', async () => {
    const name = uniqueName('public');
    await createUser(s.db, name, 'correct horse', { hasher: cheap });
    const signIn = await webRequest(s.url, 'POST', '/v1/web/session', {
      body: { username: name, password: 'correct horse' },
      origin: 'https://fitsync.example:8443',
    });
    assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
    const c = parseSetCookie(signIn.setCookie[0]!);
    const cookie = `${c.name}=${c.value}`;
    const csrf = signIn.body.csrf_token as string;
    const change = (origin: string) => webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, csrf, body: { sync_type: 'all' }, origin });
    assert.equal((await change('https://fitsync.example:8443')).body.code, 'garmin_not_connected');
    assert.equal((await change(new URL(s.url).origin)).body.code, 'garmin_not_connected');
    assert.equal((await change('https://fitsync.example')).body.code, 'csrf_failed');
    assert.equal((await change('https://evil.example:8443')).body.code, 'csrf_failed');
  });
});
