import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { hashToken } from '../src/crypto/hash-token.js';
import { totpCode } from '../src/crypto/totp.js';
import { newId, cryptoRandom } from '../src/random.js';
import { insertSyncJob } from '../src/repositories/sync-jobs.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithMfa, userWithSession } from './helpers/flows.js';
import { openSse } from './helpers/sse-stream.js';
import { parseSetCookie, webRequest, webSignIn, type WebRes } from './helpers/web.js';

const TTL_S = 604_800;

/** problem+json of the given status and code (real HTTP answer). */
function problem(res: WebRes, status: number, code: string) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.body.code, code);
}

for (const { dialect, skip } of await dialects()) {
  describe(`browser sessions on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({ dialect, runtime: clock, env: { FITSYNC_WORKERS: '0', FITSYNC_AUTH_MAX_FAILURES: '1000', FITSYNC_AUTH_MAX_FAILURES_PER_IP: '1000' } });
    });
    after(() => s?.close());

    test('sign-in sets an HttpOnly, SameSite=Strict cookie (no Secure over plain HTTP); the body has no token', async () => {
      const name = uniqueName('web');
      await createUser(s.db, name, 'correct horse');
      const { res, secret, csrf } = await webSignIn(s.url, name);
      const c = parseSetCookie(res.setCookie[0]!);
      assert.equal(c.name, 'fitsync_session');
      assert.match(c.value, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
      assert.equal(c.attrs.get('httponly'), true);
      assert.equal(c.attrs.get('samesite'), 'Strict');
      assert.equal(c.attrs.get('path'), '/');
      assert.equal(c.attrs.get('max-age'), String(TTL_S));
      assert.equal(c.attrs.has('secure'), false);
      assert.deepEqual(Object.keys(res.body).sort(), ['csrf_token', 'status', 'user']);
      assert.equal(res.body.user.username, name);
      assert.equal(res.body.user.garmin_status, 'not_connected');
      assert.equal(res.body.user.mfa_enabled, false);
      assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!res.raw.toString('utf8').includes(secret), 'the cookie secret is not in the body');
      assert.equal(res.headers['cache-control'], 'no-store');
      // Only the secret's sha256 is stored, beside an ordinary session row.
      const rows = await s.db.all<{ secret_hash: string; session_id: string; expires_at: number; created_at: number }>(
        'SELECT w.secret_hash, w.session_id, w.expires_at, w.created_at FROM web_sessions w JOIN sessions s ON s.id = w.session_id JOIN users u ON u.id = s.user_id WHERE u.username = ?',
        [name],
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.secret_hash, hashToken(secret));
      assert.equal(Number(rows[0]!.expires_at) - Number(rows[0]!.created_at), TTL_S * 1000);
      const session = await s.db.get<{ mfa_verified: number; revoked_at: number | null }>('SELECT mfa_verified, revoked_at FROM sessions WHERE id = ?', [rows[0]!.session_id]);
      assert.equal(Number(session!.mfa_verified), 0);
      assert.equal(session!.revoked_at, null);
    });

    test('the cookie signs in GET /v1/web/session and every /v1 route; without a live one: 401 invalid_token', async () => {
      const name = uniqueName('web');
      await createUser(s.db, name, 'correct horse');
      const { cookie, csrf } = await webSignIn(s.url, name);
      const info = await webRequest(s.url, 'GET', '/v1/web/session', { cookie });
      assert.equal(info.status, 200, JSON.stringify(info.body));
      assert.deepEqual(Object.keys(info.body).sort(), ['csrf_token', 'user']);
      assert.equal(info.body.csrf_token, csrf, 'one CSRF token per session');
      assert.equal(info.body.user.username, name);
      const me = await webRequest(s.url, 'GET', '/v1/me', { cookie });
      assert.equal(me.status, 200);
      assert.equal(me.body.username, name);
      assert.equal((await webRequest(s.url, 'GET', '/v1/sync/jobs', { cookie })).status, 200);

      problem(await webRequest(s.url, 'GET', '/v1/web/session'), 401, 'invalid_token');
      problem(await webRequest(s.url, 'GET', '/v1/me'), 401, 'invalid_token');
      const forged = `fitsync_session=${cryptoRandom.bytes(32).toString('base64url')}`;
      problem(await webRequest(s.url, 'GET', '/v1/me', { cookie: forged }), 401, 'invalid_token');
      problem(await webRequest(s.url, 'GET', '/v1/me', { cookie: 'fitsync_session=short' }), 401, 'invalid_token');
      // Another cookie's name does not count; other cookies beside ours do not matter.
      problem(await webRequest(s.url, 'GET', '/v1/me', { cookie: cookie.replace('fitsync_session', 'other') }), 401, 'invalid_token');
      assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie: `theme=dark; ${cookie}; x=1` })).status, 200);
    });

    test('state changes by cookie need the X-CSRF-Token and this origin; a bearer token needs neither', async () => {
      const name = uniqueName('csrf');
      const pair = await userWithSession(s.app, s.db, name);
      const { cookie, csrf } = await webSignIn(s.url, name);
      const body = { sync_type: 'all' };
      // Refused before the route runs: no job check, no Garmin check.
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body }), 403, 'csrf_failed');
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body, csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` }), 403, 'csrf_failed');
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body, csrf: 'x' }), 403, 'csrf_failed');
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body, csrf, origin: 'https://evil.example' }), 403, 'csrf_failed');
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body, csrf, origin: 'null' }), 403, 'csrf_failed');
      // Another session's token is not this one's.
      const other = await webSignIn(s.url, name);
      assert.notEqual(other.csrf, csrf);
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body, csrf: other.csrf }), 403, 'csrf_failed');
      // With the token (and this origin, or none): through to the route, which says Garmin is not linked.
      const own = new URL(s.url).origin;
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body, csrf, origin: own }), 409, 'garmin_not_connected');
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { cookie, body, csrf }), 409, 'garmin_not_connected');
      // Bearer: no CSRF token; a bearer token wins over a cookie sent beside it.
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { token: pair.access_token, body }), 409, 'garmin_not_connected');
      problem(await webRequest(s.url, 'POST', '/v1/sync/jobs', { token: pair.access_token, cookie: 'fitsync_session=garbage', body }), 409, 'garmin_not_connected');
      problem(await webRequest(s.url, 'GET', '/v1/me', { token: 'not-a-jwt', cookie }), 401, 'invalid_token');
      // DELETE /v1/web/session is a state change too: refused without the token, the session lives on.
      problem(await webRequest(s.url, 'DELETE', '/v1/web/session', { cookie }), 403, 'csrf_failed');
      problem(await webRequest(s.url, 'DELETE', '/v1/web/session', { cookie, csrf, origin: 'http://evil.example' }), 403, 'csrf_failed');
      assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie })).status, 200);
    });

    test('sign-out revokes the session at once and clears the cookie', async () => {
      const name = uniqueName('out');
      await createUser(s.db, name, 'correct horse');
      const { cookie, csrf } = await webSignIn(s.url, name);
      const kept = await webSignIn(s.url, name);
      assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie })).status, 200, 'cached as live');
      const out = await webRequest(s.url, 'DELETE', '/v1/web/session', { cookie, csrf, origin: new URL(s.url).origin });
      assert.equal(out.status, 204);
      assert.equal(out.setCookie.length, 1);
      const cleared = parseSetCookie(out.setCookie[0]!);
      assert.equal(cleared.name, 'fitsync_session');
      assert.equal(cleared.value, '');
      assert.equal(cleared.attrs.get('max-age'), '0');
      assert.equal(cleared.attrs.get('httponly'), true);
      problem(await webRequest(s.url, 'GET', '/v1/me', { cookie }), 401, 'invalid_token');
      problem(await webRequest(s.url, 'GET', '/v1/web/session', { cookie }), 401, 'invalid_token');
      problem(await webRequest(s.url, 'DELETE', '/v1/web/session', { cookie, csrf }), 401, 'invalid_token');
      const row = await s.db.get<{ revoked_reason: string }>(
        'SELECT s.revoked_reason FROM sessions s JOIN web_sessions w ON w.session_id = s.id WHERE w.secret_hash = ?',
        [hashToken(cookie.split('=')[1]!)],
      );
      assert.equal(row?.revoked_reason, 'web_sign_out');
      // Only that browser's session ended.
      assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie: kept.cookie })).status, 200);
    });

    test('turning MFA on elsewhere revokes the other sessions: the cookie dies at once, even when cached', async () => {
      const name = uniqueName('rev');
      const pair = await userWithSession(s.app, s.db, name);
      const { cookie } = await webSignIn(s.url, name);
      assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie })).status, 200);
      const setup = await call(s.app, 'POST', '/v1/mfa/totp', { token: pair.access_token });
      const confirm = await call(s.app, 'POST', '/v1/mfa/totp/confirm', { token: pair.access_token, body: { code: totpCode(setup.body.secret, clock.now()) } });
      assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
      problem(await webRequest(s.url, 'GET', '/v1/me', { cookie }), 401, 'invalid_token');
      await clock.advance(30_000);
    });

    test('with MFA: the first post answers mfa_required without a cookie; a TOTP code or a recovery code signs in', async () => {
      const name = uniqueName('mfa');
      const { secret, recoveryCodes } = await userWithMfa(s.app, s.db, clock, name);
      const first = await webRequest(s.url, 'POST', '/v1/web/session', { body: { username: name, password: 'correct horse' } });
      assert.equal(first.status, 200);
      assert.deepEqual(Object.keys(first.body).sort(), ['challenge_id', 'expires_in', 'methods', 'status']);
      assert.equal(first.body.status, 'mfa_required');
      assert.deepEqual(first.setCookie, []);
      const wrong = await webRequest(s.url, 'POST', '/v1/web/session/mfa', { body: { challenge_id: first.body.challenge_id, code: '000000' === totpCode(secret, clock.now()) ? '111111' : '000000' } });
      problem(wrong, 401, 'invalid_mfa_code');
      assert.equal(wrong.body.attempts_left, 4);
      assert.deepEqual(wrong.setCookie, []);
      const ok = await webRequest(s.url, 'POST', '/v1/web/session/mfa', { body: { challenge_id: first.body.challenge_id, code: totpCode(secret, clock.now()) } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(Object.keys(ok.body).sort(), ['csrf_token', 'status', 'user']);
      assert.equal(ok.body.user.mfa_enabled, true);
      const c = parseSetCookie(ok.setCookie[0]!);
      assert.equal(c.attrs.get('httponly'), true);
      const info = await webRequest(s.url, 'GET', '/v1/web/session', { cookie: `${c.name}=${c.value}` });
      assert.equal(info.body.csrf_token, ok.body.csrf_token);
      const session = await s.db.get<{ mfa_verified: number }>(
        'SELECT s.mfa_verified FROM sessions s JOIN web_sessions w ON w.session_id = s.id WHERE w.secret_hash = ?',
        [hashToken(c.value)],
      );
      assert.equal(Number(session!.mfa_verified), 1);
      // The challenge is single use, as on /v1/auth/mfa.
      problem(
        await webRequest(s.url, 'POST', '/v1/web/session/mfa', { body: { challenge_id: first.body.challenge_id, code: totpCode(secret, clock.now()) } }),
        410,
        'mfa_challenge_expired',
      );

      const second = await webRequest(s.url, 'POST', '/v1/web/session', { body: { username: name, password: 'correct horse' } });
      const rec = await webRequest(s.url, 'POST', '/v1/web/session/mfa', { body: { challenge_id: second.body.challenge_id, recovery_code: recoveryCodes[0] } });
      assert.equal(rec.status, 200, JSON.stringify(rec.body));
      assert.equal(rec.setCookie.length, 1);
      // A recovery code is spent once, whichever door it came through.
      const third = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
      assertProblem(
        await call(s.app, 'POST', '/v1/auth/mfa', { body: { challenge_id: third.body.challenge_id, recovery_code: recoveryCodes[0] } }),
        401,
        'invalid_mfa_code',
      );
    });

    test('the sign-in posts take only JSON from this site; bad input is refused like /v1/auth/login', async () => {
      const name = uniqueName('post');
      await createUser(s.db, name, 'correct horse');
      const body = { username: name, password: 'correct horse' };
      problem(await webRequest(s.url, 'POST', '/v1/web/session', { body, origin: 'https://evil.example' }), 403, 'csrf_failed');
      problem(await webRequest(s.url, 'POST', '/v1/web/session/mfa', { body: { challenge_id: 'x', code: '1' }, origin: 'https://evil.example' }), 403, 'csrf_failed');
      problem(await webRequest(s.url, 'POST', '/v1/web/session', { body: JSON.stringify(body), contentType: 'text/plain' }), 415, 'validation_error');
      problem(await webRequest(s.url, 'POST', '/v1/web/session', { body: `username=${name}&password=correct+horse`, contentType: 'application/x-www-form-urlencoded' }), 415, 'validation_error');
      problem(await webRequest(s.url, 'POST', '/v1/web/session', {}), 415, 'validation_error');
      problem(await webRequest(s.url, 'POST', '/v1/web/session/mfa', { body: JSON.stringify({ challenge_id: 'x', code: '1' }), contentType: 'text/plain' }), 415, 'validation_error');
      problem(await webRequest(s.url, 'POST', '/v1/web/session', { body: { username: name } }), 400, 'validation_error');
      problem(await webRequest(s.url, 'POST', '/v1/web/session', { body: '{"username":', contentType: 'application/json' }), 400, 'validation_error');
      const bad = await webRequest(s.url, 'POST', '/v1/web/session', { body: { username: name, password: 'wrong horse' } });
      problem(bad, 401, 'invalid_credentials');
      assert.deepEqual(bad.setCookie, []);
      problem(await webRequest(s.url, 'POST', '/v1/web/session', { body: { username: uniqueName('nobody'), password: 'x' } }), 401, 'invalid_credentials');
      // This site's origin and a charset parameter are fine.
      const ok = await webRequest(s.url, 'POST', '/v1/web/session', { body, origin: new URL(s.url).origin, contentType: 'application/json; charset=utf-8' });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });

    test('the cookie works on the job event stream, which ends when the browser signs out', async () => {
      const name = uniqueName('sse');
      await createUser(s.db, name, 'correct horse');
      const { cookie, csrf } = await webSignIn(s.url, name);
      const user = await s.db.get<{ id: string }>('SELECT id FROM users WHERE username = ?', [name]);
      const job = await insertSyncJob(s.db, {
        jobId: newId(cryptoRandom),
        userId: user!.id,
        syncType: 'all',
        since: null,
        until: null,
        full: false,
        countsJson: '{}',
        now: clock.now(),
        idempotencyKey: null,
        requestHash: null,
        trigger: 'manual',
      });
      problem(await webRequest(s.url, 'GET', `/v1/sync/jobs/${job.job_id}/events`), 401, 'invalid_token');
      const stream = await openSse(`${s.url}/v1/sync/jobs/${job.job_id}/events`, { cookie });
      try {
        assert.equal(stream.status, 200);
        assert.equal(stream.headers['x-content-type-options'], 'nosniff', 'security headers on the hijacked stream too');
        const first = await stream.next(() => true);
        assert.equal(first.data.job_id, job.job_id);
        assert.equal((await webRequest(s.url, 'DELETE', '/v1/web/session', { cookie, csrf })).status, 204);
        await stream.endsWithin(5000);
      } finally {
        stream.close();
      }
    });

    test('the cookie expires after the refresh-token lifetime; the purger removes it', async () => {
      const name = uniqueName('exp');
      await createUser(s.db, name, 'correct horse');
      const { cookie, secret } = await webSignIn(s.url, name);
      await clock.advance(TTL_S * 1000 - 1000);
      assert.equal((await webRequest(s.url, 'GET', '/v1/me', { cookie })).status, 200);
      await clock.advance(1000);
      problem(await webRequest(s.url, 'GET', '/v1/me', { cookie }), 401, 'invalid_token');
      const purged = await s.app.deps.purger.runOnce();
      assert.ok((purged.web_sessions ?? 0) >= 1, JSON.stringify(purged));
      assert.equal(await s.db.get('SELECT 1 AS x FROM web_sessions WHERE secret_hash = ?', [hashToken(secret)]), undefined);
      problem(await webRequest(s.url, 'GET', '/v1/me', { cookie }), 401, 'invalid_token');
    });
  });
}
