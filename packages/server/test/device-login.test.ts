import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { challengeFor, userWithMfa, userWithSession } from './helpers/flows.js';
import { totpCode } from '../src/crypto/totp.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

interface HttpRes {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers the assertions navigate freely
  body: any;
}

/** One request over real HTTP. `ip` is sent as X-Forwarded-For (the server trusts 127.0.0.1 here), so each test is its own client. */
async function http(
  base: string,
  path: string,
  o: { json?: unknown; form?: string; token?: string; ip: string; headers?: Record<string, string> },
): Promise<HttpRes> {
  const headers: Record<string, string> = { 'x-forwarded-for': o.ip, ...o.headers };
  let body: string | undefined;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  } else if (o.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = o.form;
  }
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const res = await fetch(base + path, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
}

let ipSeq = 0;
/** A client address of its own (throttles count per address). */
const newIp = () => `10.9.${Math.floor(++ipSeq / 250)}.${(ipSeq % 250) + 1}`;

function assertOauth(res: HttpRes, error: string): void {
  assert.equal(res.status, 400, `expected 400 ${error}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.error, error);
  assert.equal(res.body.code, error);
  assert.equal(res.body.status, 400);
  assert.equal(res.headers.get('cache-control'), 'no-store');
}

for (const { dialect, skip } of await dialects()) {
  describe(`device login (RFC 8628) on ${dialect}`, { skip }, () => {
    let s: TestServer;
    let pub: TestServer;
    const clock = new FakeRuntime();
    const logs = new PassThrough();
    let captured = '';
    logs.on('data', (c: Buffer) => {
      captured += c.toString('utf8');
    });
    const env = { FITSYNC_TRUST_PROXY: '127.0.0.1', FITSYNC_AUTH_MAX_FAILURES_PER_IP: '8' };
    before(async () => {
      s = await startTestServer({ dialect, runtime: clock, env, log: { stream: logs, level: 'trace' } });
      pub = await startTestServer({
        dialect,
        env: { FITSYNC_PUBLIC_URL: 'https://fit.example.com/sync/', FITSYNC_DEVICE_CODE_TTL: '2m', FITSYNC_DEVICE_POLL_INTERVAL: '3s' },
      });
    });
    after(async () => {
      await s?.close();
      await pub?.close();
    });

    const start = async (ip: string, o: { json?: unknown; form?: string } = { json: {} }) => {
      const res = await http(s.url, '/v1/auth/device', { ...o, ip });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
    };
    const poll = (ip: string, deviceCode: string) => http(s.url, '/v1/auth/device/token', { json: { grant_type: GRANT, device_code: deviceCode }, ip });
    const user = async (ip: string) => userWithSession(s.app, s.db, uniqueName('dev'), 'correct horse', ip);

    test('the whole flow: pending, verify, approve with a bearer token, one session of its own, then invalid_grant', async () => {
      const ip = newIp();
      const a = await start(ip);
      assert.match(a.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.match(a.device_code, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url');
      assert.equal(a.verification_uri, `${s.url}/device`, 'no FITSYNC_PUBLIC_URL: the request origin');
      assert.equal(a.verification_uri_complete, `${s.url}/device?user_code=${a.user_code}`);
      assert.equal(a.expires_in, 600);
      assert.equal(a.interval, 5);
      assertOauth(await poll(ip, a.device_code), 'authorization_pending');

      const approver = await user(ip);
      await clock.advance(2000);
      const v = await http(s.url, '/v1/auth/device/verify', { json: { user_code: a.user_code }, token: approver.access_token, ip });
      assert.equal(v.status, 200, JSON.stringify(v.body));
      assert.equal(v.body.user_code, a.user_code);
      assert.equal(v.body.expires_in, 598);
      assert.match(v.body.requested_at, /^\d{4}-\d{2}-\d{2}T/);
      const ok = await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'approve' }, token: approver.access_token, ip });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body, { status: 'approved' });

      await clock.advance(5000);
      const pair = await poll(ip, a.device_code);
      assert.equal(pair.status, 200, JSON.stringify(pair.body));
      assert.equal(pair.headers.get('cache-control'), 'no-store');
      assert.equal(pair.body.status, 'authenticated');
      assert.equal(pair.body.token_type, 'Bearer');
      assert.equal(pair.body.mfa_verified, false);
      assert.notEqual(pair.body.session_id, approver.session_id, 'a session of its own');
      const me = await fetch(`${s.url}/v1/me`, { headers: { authorization: `Bearer ${pair.body.access_token}` } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { user_id: string }).user_id, pair.body.user.user_id);

      await clock.advance(5000);
      assertOauth(await poll(ip, a.device_code), 'invalid_grant');
      // The code is spent: the page finds nothing under it any more.
      const again = await http(s.url, '/v1/auth/device/verify', { json: { user_code: a.user_code }, token: approver.access_token, ip });
      assert.equal(again.status, 404);
      assert.equal(again.body.code, 'device_code_not_found');

      // Separate sessions: signing the browser's out leaves the device signed in.
      const out = await fetch(`${s.url}/v1/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: approver.refresh_token }) });
      assert.equal(out.status, 204);
      const stillMe = await fetch(`${s.url}/v1/me`, { headers: { authorization: `Bearer ${pair.body.access_token}` } });
      assert.equal(stillMe.status, 200);
      const refresh = await fetch(`${s.url}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: pair.body.refresh_token }) });
      assert.equal(refresh.status, 200, 'the device refreshes like a password login');
    });

    test('concurrent polls of an approved code: exactly one gets a session', async () => {
      const ip = newIp();
      const a = await start(ip);
      const approver = await user(ip);
      const ok = await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'approve' }, token: approver.access_token, ip });
      assert.equal(ok.status, 200);
      const results = await Promise.all(Array.from({ length: 6 }, () => poll(ip, a.device_code)));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results.filter((r) => r.status !== 200)) assertOauth(r, 'invalid_grant');
      const sessions = await s.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [results.find((r) => r.status === 200)?.body.user.user_id]);
      assert.equal(Number(sessions[0]?.n), 2, "the approver's and the device's");
    });

    test('slow_down: polled sooner than the interval, which then grows by 5 s and is kept', async () => {
      const ip = newIp();
      const a = await start(ip);
      assertOauth(await poll(ip, a.device_code), 'authorization_pending');
      await clock.advance(4000);
      const slow = await poll(ip, a.device_code);
      assertOauth(slow, 'slow_down');
      assert.match(slow.body.detail, /10 s/);
      // 5 s later is still too soon for the new interval (10 s, from the last poll).
      await clock.advance(5000);
      assertOauth(await poll(ip, a.device_code), 'slow_down');
      await clock.advance(15_000);
      assertOauth(await poll(ip, a.device_code), 'authorization_pending');
      await clock.advance(15_000);
      assertOauth(await poll(ip, a.device_code), 'authorization_pending');
    });

    test('denied: access_denied; a decided code can be decided no more', async () => {
      const ip = newIp();
      const a = await start(ip);
      const approver = await user(ip);
      const no = await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'deny' }, token: approver.access_token, ip });
      assert.deepEqual(no.body, { status: 'denied' });
      assertOauth(await poll(ip, a.device_code), 'access_denied');
      const late = await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'approve' }, token: approver.access_token, ip });
      assert.equal(late.status, 404);
      assert.equal(late.body.code, 'device_code_not_found');
      await clock.advance(10_000);
      assertOauth(await poll(ip, a.device_code), 'access_denied');
    });

    test('expired: expired_token, even when approved in time; the page finds nothing; the purger removes it', async () => {
      const ip = newIp();
      const a = await start(ip);
      const b = await start(ip);
      const approver = await user(ip);
      const ok = await http(s.url, '/v1/auth/device/approve', { json: { user_code: b.user_code, action: 'approve' }, token: approver.access_token, ip });
      assert.equal(ok.status, 200);
      await clock.advance(600_000);
      assertOauth(await poll(ip, a.device_code), 'expired_token');
      assertOauth(await poll(ip, b.device_code), 'expired_token');
      const v = await http(s.url, '/v1/auth/device/verify', { json: { user_code: a.user_code }, token: approver.access_token, ip });
      assert.equal(v.status, 404);
      const counts = await s.app.deps.purger.runOnce();
      assert.ok((counts.device_authorizations ?? 0) >= 2, JSON.stringify(counts));
      const left = await s.db.all('SELECT id FROM device_authorizations WHERE user_code IN (?, ?)', [a.user_code.replace('-', ''), b.user_code.replace('-', '')]);
      assert.equal(left.length, 0);
      assertOauth(await poll(ip, a.device_code), 'invalid_grant');
    });

    test('an approval dies with the session that gave it', async () => {
      const ip = newIp();
      const a = await start(ip);
      const approver = await user(ip);
      await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'approve' }, token: approver.access_token, ip });
      const out = await fetch(`${s.url}/v1/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: approver.refresh_token }) });
      assert.equal(out.status, 204);
      assertOauth(await poll(ip, a.device_code), 'access_denied');
      await clock.advance(5000);
      assertOauth(await poll(ip, a.device_code), 'invalid_grant');
    });

    test('an MFA-verified approval gives an MFA-verified device session', async () => {
      const ip = newIp();
      const name = uniqueName('devmfa');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const challenge = await challengeFor(s.app, name, 'correct horse', ip);
      const mfa = await s.app.inject({ method: 'POST', url: '/v1/auth/mfa', payload: { challenge_id: challenge, code: totpCode(secret, clock.now()) } });
      assert.equal(mfa.statusCode, 200, mfa.body);
      const approver = JSON.parse(mfa.body) as { access_token: string; mfa_verified: boolean };
      assert.equal(approver.mfa_verified, true);
      const a = await start(ip);
      await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'approve' }, token: approver.access_token, ip });
      const pair = await poll(ip, a.device_code);
      assert.equal(pair.status, 200);
      assert.equal(pair.body.mfa_verified, true);
    });

    test('malformed and unknown: invalid_grant, invalid_request, unsupported_grant_type', async () => {
      const ip = newIp();
      const token = (o: { json?: unknown; form?: string }) => http(s.url, '/v1/auth/device/token', { ...o, ip });
      assertOauth(await token({ json: { grant_type: GRANT, device_code: 'not-a-code-anyone-was-given' } }), 'invalid_grant');
      assertOauth(await token({ json: { grant_type: GRANT } }), 'invalid_request');
      assertOauth(await token({ json: { device_code: 'x' } }), 'invalid_request');
      assertOauth(await token({ json: { grant_type: '', device_code: 'x' } }), 'invalid_request');
      assertOauth(await token({ form: `grant_type=${encodeURIComponent(GRANT)}&device_code=` }), 'invalid_request');
      // Unrecognised parameters are ignored (RFC 6749 §3.2): this is just an unknown code.
      assertOauth(await token({ json: { grant_type: GRANT, device_code: 'x', extra: 1 } }), 'invalid_grant');
      assertOauth(await token({ form: `grant_type=${encodeURIComponent(GRANT)}&device_code=a&device_code=b` }), 'invalid_request');
      assertOauth(await token({}), 'invalid_request');
      assertOauth(await token({ json: { grant_type: 'refresh_token', device_code: 'x' } }), 'unsupported_grant_type');
      const big = await token({ form: `grant_type=${encodeURIComponent(GRANT)}&device_code=${'a'.repeat(5000)}` });
      assert.equal(big.status, 413);
      const wrongType = await fetch(`${s.url}/v1/auth/device`, { method: 'POST', headers: { 'content-type': 'text/xml', 'x-forwarded-for': ip }, body: '<a/>' });
      assert.equal(wrongType.status, 415);
      const badField = await http(s.url, '/v1/auth/device', { json: { client_id: { nested: true } }, ip });
      assert.equal(badField.status, 400);
      assert.equal(badField.body.code, 'validation_error');
      // scope (RFC 8628 §3.1) and parameters nobody defined are accepted and ignored.
      const generic = await http(s.url, '/v1/auth/device', { form: 'client_id=x&scope=openid&audience=y', ip });
      assert.equal(generic.status, 200, JSON.stringify(generic.body));
      // Form bodies stay on the device endpoints: the rest of the API is JSON only.
      const login = await http(s.url, '/v1/auth/login', { form: 'username=a&password=b', ip });
      assert.equal(login.status, 415);
    });

    test('form-encoded and empty requests, as OAuth clients send them', async () => {
      const ip = newIp();
      const a = await start(ip, { form: 'client_id=fitsync-cli' });
      const b = await start(ip, {});
      assert.notEqual(a.device_code, b.device_code);
      assert.notEqual(a.user_code, b.user_code);
      const stored = await s.db.get<{ client_id: string | null }>('SELECT client_id FROM device_authorizations WHERE user_code = ?', [a.user_code.replace('-', '')]);
      assert.equal(stored?.client_id, 'fitsync-cli');
      const pending = await http(s.url, '/v1/auth/device/token', { form: `grant_type=${encodeURIComponent(GRANT)}&device_code=${a.device_code}`, ip });
      assertOauth(pending, 'authorization_pending');
    });

    test('user codes in any case, with or without the dash; the stored code has none', async () => {
      const ip = newIp();
      const approver = await user(ip);
      for (const typed of [(c: string) => c.toLowerCase(), (c: string) => c.replace('-', ''), (c: string) => ` ${c.toLowerCase().replace('-', ' ')} `]) {
        const a = await start(ip);
        const v = await http(s.url, '/v1/auth/device/verify', { json: { user_code: typed(a.user_code) }, token: approver.access_token, ip });
        assert.equal(v.status, 200, `${typed(a.user_code)}: ${JSON.stringify(v.body)}`);
        assert.equal(v.body.user_code, a.user_code);
      }
      const row = await s.db.get<{ user_code: string }>('SELECT user_code FROM device_authorizations ORDER BY created_at DESC LIMIT 1');
      assert.match(row?.user_code ?? '', /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      // Not a code at all (a vowel, the wrong length): 404, without counting as a guess.
      for (const junk of ['AAAA-AAAA', 'BCDF', 'BCDF-GHJK-L']) {
        const r = await http(s.url, '/v1/auth/device/verify', { json: { user_code: junk }, token: approver.access_token, ip });
        assert.equal(r.status, 404, junk);
      }
      const noAuth = await http(s.url, '/v1/auth/device/verify', { json: { user_code: 'BCDF-GHJK' }, ip });
      assert.equal(noAuth.status, 401);
      assert.equal(noAuth.body.code, 'invalid_token');
    });

    test('wrong user code guesses are throttled per user (429 with retry_after)', async () => {
      const ip = newIp();
      const approver = await user(ip);
      const a = await start(ip);
      let last: HttpRes | undefined;
      const statuses: number[] = [];
      const guess = async (code: string) => {
        last = await http(s.url, '/v1/auth/device/verify', { json: { user_code: code }, token: approver.access_token, ip });
        statuses.push(last.status);
      };
      for (let i = 0; i < 4; i++) await guess('ZZZZ-ZZZZ');
      // A right code (anyone can make one) does not wipe the wrong guesses before it.
      const own = await start(ip);
      await guess(own.user_code);
      await guess('ZZZZ-ZZZZ');
      await guess('ZZZZ-ZZZZ');
      assert.deepEqual(statuses, [404, 404, 404, 404, 200, 404, 429]);
      assert.equal(last?.body.code, 'too_many_attempts');
      assert.ok(Number(last?.body.retry_after) > 0);
      assert.equal(last?.headers.get('retry-after'), String(last?.body.retry_after));
      // Even the right code waits out the lockout: guessing cannot go on beside it.
      const right = await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'approve' }, token: approver.access_token, ip });
      assert.equal(right.status, 429);
      // Another user is not locked out by this one's guesses.
      const other = await user(newIp());
      const fine = await http(s.url, '/v1/auth/device/verify', { json: { user_code: a.user_code }, token: other.access_token, ip: newIp() });
      assert.equal(fine.status, 200);
    });

    test('device codes are throttled per client address', async () => {
      const ip = newIp();
      for (let i = 0; i < 8; i++) await start(ip);
      const refused = await http(s.url, '/v1/auth/device', { json: {}, ip });
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'too_many_attempts');
      assert.match(refused.body.detail, /Too many device sign-in requests from this address/);
      assert.ok(Number(refused.body.retry_after) > 0);
      await start(newIp());
    });

    test('FITSYNC_PUBLIC_URL makes the verification URI; TTL and interval come from the settings', async () => {
      const res = await http(pub.url, '/v1/auth/device', { ip: '127.0.0.1' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.verification_uri, 'https://fit.example.com/sync/device');
      assert.equal(res.body.verification_uri_complete, `https://fit.example.com/sync/device?user_code=${res.body.user_code}`);
      assert.equal(res.body.expires_in, 120);
      assert.equal(res.body.interval, 3);
    });

    test('without FITSYNC_PUBLIC_URL: the origin a trusted proxy names; a bad Host is refused', async () => {
      const ip = newIp();
      const proxied = await http(s.url, '/v1/auth/device', { ip, headers: { 'x-forwarded-host': 'fit.example.org', 'x-forwarded-proto': 'https' } });
      assert.equal(proxied.status, 200, JSON.stringify(proxied.body));
      assert.equal(proxied.body.verification_uri, 'https://fit.example.org/device');
      const bad = await http(s.url, '/v1/auth/device', { ip, headers: { 'x-forwarded-host': 'evil.example/x?y=' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'validation_error');
    });

    test('device codes and tokens never reach the logs', async () => {
      const ip = newIp();
      const from = captured.length;
      const a = await start(ip);
      const approver = await user(ip);
      await http(s.url, '/v1/auth/device/approve', { json: { user_code: a.user_code, action: 'approve' }, token: approver.access_token, ip });
      await poll(ip, a.device_code);
      const pair = await poll(ip, a.device_code);
      await http(s.url, '/v1/auth/device/token', { form: `grant_type=${encodeURIComponent(GRANT)}&device_code=${a.device_code}`, ip });
      const mine = captured.slice(from);
      assert.match(mine, /"url":"\/v1\/auth\/device\/token"/, 'trace logging saw the polls');
      assert.ok(!mine.includes(a.device_code), 'the device code appeared in the logs');
      assert.ok(!mine.includes(a.user_code) && !mine.includes(a.user_code.replace('-', '')), 'the user code appeared in the logs');
      assert.ok(!captured.includes(approver.access_token));
      if (pair.status === 200) assert.ok(!captured.includes(pair.body.refresh_token));
    });
  });
}
