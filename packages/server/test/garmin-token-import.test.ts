import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { GarminTokens } from '@fitsync/garmin';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';

// PUT /v1/garmin/connection/tokens with tokens the sim issued, in both formats; the server checks
// them with one profile call and links like a sign-in, or refuses and stores nothing.
// Jumps use clock.set: advance() would step the server's idle loops through a day.
const cheapHasher = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

for (const { dialect, skip } of await dialects()) {
  describe(`Garmin token import on ${dialect}`, { skip }, () => {
    const clock = new FakeRuntime({ now: Date.UTC(2026, 7, 1, 9) });
    let sim: RunningSim;
    let s: TestServer;
    const logs = new PassThrough();
    let captured = '';
    logs.on('data', (c: Buffer) => {
      captured += c.toString('utf8');
    });
    const planted: string[] = [];

    before(async () => {
      sim = await startSim({ seed: `token-import-${dialect}`, runtime: { ...systemRuntime, now: () => clock.now() } });
      s = await startTestServer({
        dialect,
        runtime: clock,
        log: { stream: logs, level: 'trace' },
        env: { FITSYNC_ACCESS_TOKEN_TTL: '31536000', FITSYNC_GARMIN_SSO_URL: sim.url, FITSYNC_GARMIN_API_URL: sim.url, FITSYNC_GARMIN_DIAUTH_URL: sim.url },
      });
    });
    after(async () => {
      await s?.close();
      await sim?.close();
    });

    let n = 0;
    async function setup() {
      n += 1;
      const name = uniqueName('imp');
      await createUser(s.db, name, 'correct horse', { hasher: cheapHasher });
      const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
      const token = (login.body as { access_token: string }).access_token;
      const me = await call(s.app, 'GET', '/v1/me', { token });
      const email = `import${n}.${dialect}@example.com`;
      const created = sim.createUser({ email, password: 'garmin-pw' });
      const di = sim.issueDiTokens(email);
      planted.push(di.access_token, di.refresh_token);
      return { token, userId: me.body.user_id as string, email, di, displayName: created.display_name };
    }
    const put = (token: string, body: unknown) => call(s.app, 'PUT', '/v1/garmin/connection/tokens', { token, body });
    const pgc = (di: { access_token: string; refresh_token: string | null }, extra: Record<string, unknown> = {}) => ({
      format: 'garminconnect',
      di_token: di.access_token,
      di_refresh_token: di.refresh_token,
      di_client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
      ...extra,
    });
    const garth = (di: { access_token: string; refresh_token: string; expires_in: number }, domain = 'garmin.com', refreshExpiresAt?: number) => ({
      format: 'garth',
      oauth1: { oauth_token: 'PLANTED-oauth1-token', oauth_token_secret: 'PLANTED-oauth1-secret', mfa_token: null, mfa_expiration_timestamp: null, domain },
      oauth2: {
        scope: 'CONNECT_READ CONNECT_WRITE',
        jti: 'jti-1',
        token_type: 'Bearer',
        access_token: di.access_token,
        refresh_token: di.refresh_token,
        expires_in: di.expires_in,
        expires_at: Math.floor(clock.now() / 1000) + di.expires_in,
        refresh_token_expires_in: 2591999,
        refresh_token_expires_at: refreshExpiresAt ?? Math.floor(clock.now() / 1000) + 2591999,
      },
    });
    const stored = async (userId: string) => {
      const row = await s.db.get<{ tokens_enc: string }>('SELECT tokens_enc FROM garmin_connections WHERE user_id = ?', [userId]);
      return row ? (JSON.parse(s.app.deps.secretBox.openText(row.tokens_enc, `garmin-tokens:${userId}`)) as GarminTokens) : null;
    };
    const connection = async (token: string) => (await call(s.app, 'GET', '/v1/garmin/connection', { token })).body;

    test('python-garminconnect tokens: one profile call, linked, stored sealed; client id from the JWT', async () => {
      const u = await setup();
      sim.resetStats();
      const r = await put(u.token, pgc(u.di, { di_client_id: 'SOMETHING_ELSE' }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { status: 'connected', display_name: u.displayName });
      assert.deepEqual(sim.stats().by_path, { '/userprofile-service/socialProfile': { '200': 1 } }, 'one profile call, no refresh');
      const t = await stored(u.userId);
      assert.equal(t?.accessToken, u.di.access_token);
      assert.equal(t?.clientId, 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2', 'the JWT client_id claim wins over di_client_id');
      const raw = JSON.stringify(await s.db.all('SELECT * FROM garmin_connections WHERE user_id = ?', [u.userId]));
      assert.ok(!raw.includes(u.di.refresh_token), 'sealed at rest');
      assert.equal((await connection(u.token)).status, 'connected');
      // The sync seam works on them.
      assert.equal((await (await s.app.deps.garmin.apiFor(u.userId)).getSocialProfile()).displayName, u.displayName);
    });

    test('an expired access token with a live refresh token: refreshed first, the rotated pair stored', async () => {
      const u = await setup();
      clock.set(clock.now() + (u.di.expires_in + 60) * 1000);
      sim.resetStats();
      const r = await put(u.token, pgc(u.di));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(sim.stats().by_path, { '/di-oauth2-service/oauth/token': { '200': 1 }, '/userprofile-service/socialProfile': { '200': 1 } });
      const t = await stored(u.userId);
      assert.ok(t && t.refreshToken !== u.di.refresh_token, 'the rotated refresh token is the one kept');
      planted.push(t!.accessToken, t!.refreshToken);
    });

    test('garth tokens (OAuth2 pair) link too; garmin.cn and fully expired ones are refused', async () => {
      const u = await setup();
      const r = await put(u.token, garth(u.di));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal((await stored(u.userId))?.clientId, 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2');

      const v = await setup();
      const cn = assertProblem(await put(v.token, garth(v.di, 'garmin.cn')), 400, 'validation_error');
      assert.match(cn.detail, /Garmin China \(garmin\.cn\)/);
      clock.set(clock.now() + (v.di.expires_in + 60) * 1000);
      const old = assertProblem(await put(v.token, garth(v.di, 'garmin.com', Math.floor(clock.now() / 1000) - 10)), 401, 'garmin_auth_failed');
      assert.match(old.detail, /have expired: both the access token and the refresh token/);
      assert.equal((await connection(v.token)).status, 'not_connected');
    });

    test('malformed tokens → 400 naming the problem; nothing stored, Garmin not called', async () => {
      const u = await setup();
      const [head, payload] = u.di.access_token.split('.');
      const cases: Array<[unknown, RegExp]> = [
        [pgc({ access_token: 'not-a-jwt', refresh_token: u.di.refresh_token }), /di_token is not a JWT/],
        [pgc({ access_token: `${b64({ alg: 'none' })}.${payload}.c2ln`, refresh_token: u.di.refresh_token }), /unsigned JWT \(alg "none"\)/],
        [pgc({ access_token: `${head}.${b64({ client_id: 'X' })}.c2ln`, refresh_token: u.di.refresh_token }), /no `exp` claim/],
        [pgc({ access_token: u.di.access_token, refresh_token: null }), /di_refresh_token is null/],
      ];
      sim.resetStats();
      for (const [body, re] of cases) assert.match(assertProblem(await put(u.token, body), 400, 'validation_error').detail, re);
      assertProblem(await put(u.token, { format: 'garminconnect', di_token: u.di.access_token }), 400, 'validation_error');
      assertProblem(await put(u.token, { ...pgc(u.di), extra: 1 }), 400, 'validation_error');
      assertProblem(await put(u.token, { format: 'pickle' }), 400, 'validation_error');
      assert.deepEqual(sim.stats().by_path, {});
      assert.equal((await connection(u.token)).status, 'not_connected');
    });

    test('Garmin refusing the tokens → 401 "Garmin refused the imported tokens (…)"; an existing link is kept', async () => {
      const u = await setup();
      assert.equal((await put(u.token, pgc(u.di))).status, 200);
      const before = await stored(u.userId);
      const other = sim.issueDiTokens(u.email);
      planted.push(other.access_token, other.refresh_token);
      sim.revokeTokens(u.email);
      const p = assertProblem(await put(u.token, pgc(other)), 401, 'garmin_auth_failed');
      assert.match(p.detail, /^Garmin refused the imported tokens \(the refresh token was rejected\); sign in with `fitsync garmin connect`\.$/);
      assert.deepEqual(await stored(u.userId), before, 'the stored link is untouched');
      const none = await setup();
      sim.revokeTokens(none.email);
      assertProblem(await put(none.token, pgc(none.di)), 401, 'garmin_auth_failed');
      assert.equal((await connection(none.token)).status, 'not_connected');
      assert.equal(await stored(none.userId), null);
    });

    test('Garmin throttling the profile call → 429 with its wait; no sign-in back-off starts', async () => {
      const u = await setup();
      sim.setFaults([{ path_prefix: '/userprofile-service/', kind: '429', rate: 1, retry_after_s: 600 }]);
      try {
        const r = await put(u.token, pgc(u.di));
        const p = assertProblem(r, 429, 'rate_limited');
        assert.equal(r.headers['retry-after'], '600');
        assert.match(p.detail, /^Garmin is rate limiting requests; try again in 10 min, at \d\d:\d\d UTC\.$/);
      } finally {
        sim.setFaults([]);
      }
      assert.equal((await connection(u.token)).signin_blocked_until, null);
      assert.equal((await put(u.token, pgc(u.di))).status, 200);
    });

    test('no token value reached an answer or the logs', () => {
      assert.ok(planted.length >= 8);
      for (const secret of [...planted, 'PLANTED-oauth1-token', 'PLANTED-oauth1-secret']) assert.ok(!captured.includes(secret), 'a token value is in the logs');
      assert.match(captured, /garmin token import failed/);
    });
  });
}
