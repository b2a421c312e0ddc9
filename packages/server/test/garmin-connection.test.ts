import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type GarminPendingLogin, GarminTokenInvalidError, type GarminTokens } from '@fitsync/garmin';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { GarminNotConnectedError } from '../src/errors/garmin-not-connected-error.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';

// Garmin account linking against the emulator, on every dialect. One clock drives both the
// server and the sim, so challenge expiry and token lifetimes move without sleeping.
const cheapHasher = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

for (const { dialect, skip } of await dialects()) {
  describe(`Garmin connection on ${dialect}`, { skip }, () => {
    const clock = new FakeRuntime({ now: Date.UTC(2026, 5, 1, 12) });
    let sim: RunningSim;
    let s: TestServer;
    const logs = new PassThrough();
    let captured = '';
    logs.on('data', (c: Buffer) => {
      captured += c.toString('utf8');
    });
    // Secrets planted along the way; the last test searches the logs for them.
    const planted: string[] = [];
    const codes: string[] = [];

    before(async () => {
      sim = await startSim({ seed: `garmin-conn-${dialect}`, runtime: { ...systemRuntime, now: () => clock.now() } });
      s = await startTestServer({
        dialect,
        runtime: clock,
        log: { stream: logs, level: 'trace' },
        env: { FITSYNC_GARMIN_SSO_URL: sim.url, FITSYNC_GARMIN_API_URL: sim.url, FITSYNC_GARMIN_DIAUTH_URL: sim.url },
      });
    });
    after(async () => {
      await s?.close();
      await sim?.close();
    });

    let n = 0;
    /** A FitSync user signed in, and a Garmin account on the sim. */
    async function setup(mfa: 'email' | 'sms' | null = null) {
      n += 1;
      const name = uniqueName('g');
      // A cheap argon2 cost for test users: the hash carries its parameters, so sign-in verifies it cheaply too.
      await createUser(s.db, name, 'correct horse', { hasher: cheapHasher });
      const login = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'correct horse' } });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const pair = login.body as { access_token: string };
      const me = await call(s.app, 'GET', '/v1/me', { token: pair.access_token });
      const email = `${name}@example.com`;
      const password = `PLANTED-garmin-pw-${n}-${dialect}`;
      planted.push(password);
      sim.createUser({ email, password, mfa, activities: 3, days: 3 });
      return { token: pair.access_token, userId: me.body.user_id as string, email, password, name };
    }
    const connect = (token: string, email: string, password: string) =>
      call(s.app, 'PUT', '/v1/garmin/connection', { token, body: { email, password } });
    const mfa = (token: string, challenge_id: string, code: string) =>
      call(s.app, 'POST', '/v1/garmin/connection/mfa', { token, body: { challenge_id, code } });
    const status = async (token: string) => (await call(s.app, 'GET', '/v1/garmin/connection', { token })).body;
    const storedTokens = async (userId: string) => {
      const row = await s.db.get<{ tokens_enc: string; token_version: number }>(
        'SELECT tokens_enc, token_version FROM garmin_connections WHERE user_id = ?',
        [userId],
      );
      assert.ok(row, 'a connection row exists');
      const tokens = JSON.parse(s.app.deps.secretBox.openText(row.tokens_enc, `garmin-tokens:${userId}`)) as GarminTokens;
      planted.push(tokens.accessToken, tokens.refreshToken);
      return { raw: JSON.stringify(row), tokens, version: Number(row.token_version) };
    };
    // The sync's seam raises a domain error; the HTTP error handler turns it into 409 garmin_not_connected.
    const notConnected = (e: unknown) => e instanceof GarminNotConnectedError && /fitsync garmin connect/.test(e.message);
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

    test('every route needs a FitSync session', async () => {
      assertProblem(await call(s.app, 'GET', '/v1/garmin/connection'), 401, 'invalid_token');
      assertProblem(await call(s.app, 'PUT', '/v1/garmin/connection', { body: { email: 'a@b.c', password: 'x' } }), 401, 'invalid_token');
      assertProblem(await call(s.app, 'DELETE', '/v1/garmin/connection'), 401, 'invalid_token');
    });

    test('connect without MFA: 200 connected with the display name; tokens stored sealed', async () => {
      const u = await setup();
      assert.deepEqual(await status(u.token), { status: 'not_connected', display_name: null, connected_at: null, reauth_required_at: null, time_zone: null, signin_blocked_until: null });
      const res = await connect(u.token, u.email, u.password);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const displayName = sim.state.user(u.email)!.displayName;
      assert.deepEqual(res.body, { status: 'connected', display_name: displayName });
      const st = await status(u.token);
      assert.equal(st.status, 'connected');
      assert.equal(st.display_name, displayName);
      assert.equal(st.connected_at, new Date(clock.now()).toISOString());
      const { raw, tokens } = await storedTokens(u.userId);
      assert.ok(tokens.accessToken.length > 20 && tokens.refreshToken.length > 20);
      for (const secret of [u.password, tokens.accessToken, tokens.refreshToken]) assert.ok(!raw.includes(secret), 'no secret in the raw row');
      // the tokens work: the sync's client reads Garmin with them
      const api = await s.app.deps.garmin.apiFor(u.userId);
      assert.equal(await api.getActivityCount(), 3);
    });

    test('connect with MFA: 202 challenge, a wrong code (attempts left), then the right code', async () => {
      const u = await setup('email');
      const res = await connect(u.token, u.email, u.password);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ['challenge_id', 'expires_in', 'status']);
      assert.equal(res.body.status, 'mfa_required');
      assert.equal(res.body.expires_in, 600);
      const code = sim.mfaCode(u.email)!;
      codes.push(code);
      // the parked sign-in is sealed: neither the password nor Garmin's session cookies show
      const row = await s.db.get<{ pending_enc: string }>('SELECT pending_enc FROM garmin_mfa_challenges WHERE id = ?', [
        res.body.challenge_id,
      ]);
      assert.ok(row);
      const pending = JSON.parse(
        s.app.deps.secretBox.openText(row.pending_enc, `garmin-pending:${res.body.challenge_id}:${u.userId}`),
      ) as GarminPendingLogin;
      const cookieValues = pending.cookies.map((c) => c.value).filter((v) => v.length >= 8);
      assert.ok(cookieValues.length > 0, 'the pending sign-in holds Garmin session cookies');
      planted.push(...cookieValues);
      for (const secret of [u.password, ...cookieValues]) assert.ok(!row.pending_enc.includes(secret));
      assert.equal((await status(u.token)).status, 'not_connected');

      const bad = assertProblem(await mfa(u.token, res.body.challenge_id, wrong(code)), 401, 'invalid_mfa_code');
      assert.equal(bad.attempts_left, 4);
      const ok = await mfa(u.token, res.body.challenge_id, code);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.status, 'connected');
      assert.equal((await status(u.token)).status, 'connected');
      const { raw, tokens } = await storedTokens(u.userId);
      assert.ok(!raw.includes(tokens.accessToken));
      // a used challenge is gone
      assertProblem(await mfa(u.token, res.body.challenge_id, code), 410, 'mfa_challenge_expired');
    });

    test('an SMS account works the same (Garmin reported method is sent back)', async () => {
      const u = await setup('sms');
      const res = await connect(u.token, u.email, u.password);
      assert.equal(res.status, 202);
      const code = sim.mfaCode(u.email)!;
      codes.push(code);
      assert.equal((await mfa(u.token, res.body.challenge_id, code)).status, 200);
    });

    test('a challenge expires (injected clock) → 410; the budget of 5 wrong codes ends it too', async () => {
      const u = await setup('email');
      const first = await connect(u.token, u.email, u.password);
      const code = sim.mfaCode(u.email)!;
      codes.push(code);
      await clock.advance(601_000);
      assertProblem(await mfa(u.token, first.body.challenge_id, code), 410, 'mfa_challenge_expired');

      const second = await connect(u.token, u.email, u.password);
      const code2 = sim.mfaCode(u.email)!;
      codes.push(code2);
      for (let left = 4; left >= 0; left--) {
        const r = assertProblem(await mfa(u.token, second.body.challenge_id, wrong(code2)), 401, 'invalid_mfa_code');
        assert.equal(r.attempts_left, left);
      }
      assertProblem(await mfa(u.token, second.body.challenge_id, code2), 410, 'mfa_challenge_expired');
      assertProblem(await mfa(u.token, 'no-such-challenge', code2), 410, 'mfa_challenge_expired');
    });

    test('the right code sent twice at once: one connects, the other reads the challenge as gone', async () => {
      const u = await setup('email');
      const ch = await connect(u.token, u.email, u.password);
      const code = sim.mfaCode(u.email)!;
      codes.push(code);
      const answers = await Promise.all([mfa(u.token, ch.body.challenge_id, code), mfa(u.token, ch.body.challenge_id, code)]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 410], JSON.stringify(answers.map((a) => a.body)));
      assert.equal((await status(u.token)).status, 'connected');
    });

    test('Garmin expiring its code before our challenge does → 410, and the challenge is spent', async () => {
      sim.configure({ mfa_ttl_s: 60 });
      try {
        const u = await setup('email');
        const ch = await connect(u.token, u.email, u.password);
        const code = sim.mfaCode(u.email)!;
        codes.push(code);
        await clock.advance(61_000);
        assertProblem(await mfa(u.token, ch.body.challenge_id, code), 410, 'mfa_challenge_expired');
        assertProblem(await mfa(u.token, ch.body.challenge_id, code), 410, 'mfa_challenge_expired');
      } finally {
        sim.configure({ mfa_ttl_s: 600 });
      }
    });

    test('the classic widget fallback (mobile login asks for a CAPTCHA) parks and resumes the same way', async () => {
      sim.configure({ mobile_login: 'captcha_required' });
      try {
        const u = await setup('email');
        const ch = await connect(u.token, u.email, u.password);
        assert.equal(ch.status, 202, JSON.stringify(ch.body));
        const row = await s.db.get<{ pending_enc: string }>('SELECT pending_enc FROM garmin_mfa_challenges WHERE id = ?', [
          ch.body.challenge_id,
        ]);
        const pending = JSON.parse(
          s.app.deps.secretBox.openText(row!.pending_enc, `garmin-pending:${ch.body.challenge_id}:${u.userId}`),
        ) as GarminPendingLogin;
        assert.equal(pending.strategy, 'classic');
        const code = sim.mfaCode(u.email)!;
        codes.push(code);
        assertProblem(await mfa(u.token, ch.body.challenge_id, wrong(code)), 401, 'invalid_mfa_code');
        const ok = await mfa(u.token, ch.body.challenge_id, code);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal((await status(u.token)).status, 'connected');
      } finally {
        sim.configure({ mobile_login: 'normal' });
      }
    });

    test("another user's challenge reads as unknown", async () => {
      const a = await setup('email');
      const b = await setup();
      const ch = await connect(a.token, a.email, a.password);
      const code = sim.mfaCode(a.email)!;
      codes.push(code);
      assertProblem(await mfa(b.token, ch.body.challenge_id, code), 410, 'mfa_challenge_expired');
      assert.equal((await status(b.token)).status, 'not_connected');
      assert.equal((await mfa(a.token, ch.body.challenge_id, code)).status, 200, 'still usable by its owner');
    });

    test('wrong Garmin password → 401 garmin_auth_failed', async () => {
      const u = await setup();
      const r = assertProblem(await connect(u.token, u.email, 'PLANTED-wrong-garmin-pw'), 401, 'garmin_auth_failed');
      planted.push('PLANTED-wrong-garmin-pw');
      assert.match(r.detail, /Garmin rejected the email or password/);
      assert.equal((await status(u.token)).status, 'not_connected');
    });

    test('Garmin throttling sign-ins → 429 with the wait; no further sign-in reaches Garmin until it passes', async () => {
      const u = await setup();
      sim.setFaults([{ path_prefix: '/mobile/api/login', kind: '429', rate: 1, retry_after_s: 300 }]);
      try {
        sim.resetStats();
        const r = await connect(u.token, u.email, u.password);
        const p = assertProblem(r, 429, 'rate_limited');
        // The account's back-off (1 h) outlasts Garmin's Retry-After (garmin-signin-backoff.test.ts has the rest).
        assert.equal(r.headers['retry-after'], '3600');
        assert.equal(p.retry_after, 3600);
        assert.match(p.detail, /Garmin is limiting sign-ins for this account; .*try again in 1 h, at /);
        // one throttled sign-in, and no other strategy tried after it (retrying makes throttling worse)
        assert.deepEqual(sim.stats().by_path['/mobile/api/login'], { '429': 1 });
        assert.equal(sim.stats().by_path['/sso/signin'], undefined);
        const before = sim.stats();
        const again = assertProblem(await connect(u.token, u.email, u.password), 429, 'rate_limited');
        assert.match(again.detail, /try again in 1 h, at /);
        assert.deepEqual(sim.stats(), before, 'the cool-down answered without calling Garmin');
      } finally {
        sim.setFaults([]);
      }
      await clock.advance(3_600_000);
      // The FitSync session (15 min) expired meanwhile; the Garmin account is free again.
      const fresh = await call(s.app, 'POST', '/v1/auth/login', { body: { username: u.name, password: 'correct horse' } });
      assert.equal((await connect((fresh.body as { access_token: string }).access_token, u.email, u.password)).status, 200);
    });

    test('Garmin failing (503 on sign-in) → 502 upstream_unavailable', async () => {
      const u = await setup();
      sim.setFaults([{ path_prefix: '/mobile/api/login', kind: '503', rate: 1 }, { path_prefix: '/sso/', kind: '503', rate: 1 }]);
      try {
        const p = assertProblem(await connect(u.token, u.email, u.password), 502, 'upstream_unavailable');
        assert.ok(p.detail.length > 10);
        assert.ok(!p.detail.includes(u.password));
      } finally {
        sim.setFaults([]);
      }
    });

    test('CAPTCHA on the mobile path and an unexpected page on the classic one → 502 naming what Garmin showed', async () => {
      sim.configure({ mobile_login: 'captcha_required', classic_interrupt_title: 'Update Phone Number' });
      try {
        const u = await setup();
        const p = assertProblem(await connect(u.token, u.email, u.password), 502, 'upstream_unavailable');
        assert.match(p.detail, /Update Phone Number/);
        assert.ok(!p.detail.includes(u.password) && !p.detail.includes(u.email));
        assert.equal((await status(u.token)).status, 'not_connected');
      } finally {
        sim.configure({ mobile_login: 'normal', classic_interrupt_title: null });
      }
    });

    test('DELETE erases the tokens; then not_connected and apiFor says garmin_not_connected', async () => {
      const u = await setup();
      assert.equal((await connect(u.token, u.email, u.password)).status, 200);
      await storedTokens(u.userId);
      const del = await call(s.app, 'DELETE', '/v1/garmin/connection', { token: u.token });
      assert.equal(del.status, 204);
      assert.equal((await s.db.all('SELECT user_id FROM garmin_connections WHERE user_id = ?', [u.userId])).length, 0);
      assert.deepEqual(await status(u.token), { status: 'not_connected', display_name: null, connected_at: null, reauth_required_at: null, time_zone: null, signin_blocked_until: null });
      await assert.rejects(s.app.deps.garmin.apiFor(u.userId), notConnected);
      assert.equal((await call(s.app, 'DELETE', '/v1/garmin/connection', { token: u.token })).status, 204, 'idempotent');
    });

    test('tokens refreshed ahead of expiry are persisted at once (sealed), and a new client uses them', async () => {
      sim.configure({ access_token_ttl_s: 120 });
      try {
        const u = await setup();
        assert.equal((await connect(u.token, u.email, u.password)).status, 200);
        const before = await storedTokens(u.userId);
        const api = await s.app.deps.garmin.apiFor(u.userId);
        await api.getSocialProfile();
        assert.equal((await storedTokens(u.userId)).version, before.version, 'no refresh while fresh');
        await clock.advance(100_000); // 20 s left of 120: inside the refresh margin
        assert.equal(await api.getActivityCount(), 3);
        const after1 = await storedTokens(u.userId);
        assert.equal(after1.version, before.version + 1);
        assert.notEqual(after1.tokens.accessToken, before.tokens.accessToken);
        assert.notEqual(after1.tokens.refreshToken, before.tokens.refreshToken, 'the rotated refresh token was stored');
        assert.ok(!after1.raw.includes(after1.tokens.refreshToken));
        await clock.advance(60_000); // the first access token is dead now; a fresh client reads the stored pair
        const api2 = await s.app.deps.garmin.apiFor(u.userId);
        assert.equal((await api2.getSocialProfile()).displayName, sim.state.user(u.email)!.displayName);
        assert.equal((await status(u.token)).status, 'connected');
      } finally {
        sim.configure({ access_token_ttl_s: 86400 });
      }
    });

    test('two clients refresh the same tokens: the late one picks up the stored rotation instead of failing', async () => {
      sim.configure({ access_token_ttl_s: 120 });
      try {
        const u = await setup();
        assert.equal((await connect(u.token, u.email, u.password)).status, 200);
        const v1 = (await storedTokens(u.userId)).version;
        // e.g. two server instances, or two jobs, built their clients from the same stored pair
        const first = await s.app.deps.garmin.apiFor(u.userId);
        const second = await s.app.deps.garmin.apiFor(u.userId);
        await clock.advance(100_000);
        await first.getSocialProfile(); // refreshes: Garmin rotates, the old refresh token is spent
        assert.equal((await storedTokens(u.userId)).version, v1 + 1);
        sim.resetStats();
        assert.equal(await second.getActivityCount(), 3, 'the spent refresh token is replaced by the stored one');
        assert.deepEqual(sim.stats().by_path['/di-oauth2-service/oauth/token'], { '400': 1 }, 'Garmin refused the spent one once');
        assert.equal((await status(u.token)).status, 'connected');
      } finally {
        sim.configure({ access_token_ttl_s: 86400 });
      }
    });

    test('tokens revoked at Garmin → the call fails, status reads reauth_required, apiFor refuses', async () => {
      const u = await setup();
      assert.equal((await connect(u.token, u.email, u.password)).status, 200);
      const { tokens } = await storedTokens(u.userId);
      const api = await s.app.deps.garmin.apiFor(u.userId);
      sim.revokeTokens(u.email);
      await assert.rejects(api.getSocialProfile(), GarminTokenInvalidError);
      const st = await status(u.token);
      assert.equal(st.status, 'reauth_required');
      assert.ok(st.connected_at);
      await assert.rejects(s.app.deps.garmin.apiFor(u.userId), notConnected);
      // connecting again heals it
      assert.equal((await connect(u.token, u.email, u.password)).status, 200);
      assert.equal((await status(u.token)).status, 'connected');
      assert.notEqual((await storedTokens(u.userId)).tokens.accessToken, tokens.accessToken);
    });

    test('a paging iterator over revoked tokens also marks reauth_required', async () => {
      const u = await setup();
      assert.equal((await connect(u.token, u.email, u.password)).status, 200);
      await storedTokens(u.userId);
      const api = await s.app.deps.garmin.apiFor(u.userId);
      sim.revokeTokens(u.email);
      await assert.rejects(async () => {
        for await (const _ of api.iterateActivities({ pageSize: 2 })) {
          // drain
        }
      }, GarminTokenInvalidError);
      assert.equal((await status(u.token)).status, 'reauth_required');
    });

    test('metrics count Garmin sign-ins by step and result', async () => {
      const text = await s.app.deps.metrics.render();
      assert.match(text, /fitsync_garmin_signin_total\{[^}]*result="connected"[^}]*\} \d+/);
      assert.match(text, /fitsync_garmin_signin_total\{[^}]*result="mfa_required"[^}]*\} \d+/);
      assert.match(text, /fitsync_garmin_signin_total\{[^}]*result="garmin_auth_failed"[^}]*\} \d+/);
      assert.match(text, /fitsync_garmin_reauth_required_total \d+/);
    });

    test('no Garmin password, code, token or cookie reached the logs (trace level)', async () => {
      await new Promise((r) => setImmediate(r));
      assert.ok(captured.length > 1000, 'trace logging produced output');
      assert.match(captured, /garmin sign-in waits for the MFA code/);
      assert.ok(planted.length > 10);
      for (const secret of planted) assert.ok(!captured.includes(secret), `a planted secret reached the logs (${secret.slice(0, 10)}…)`);
      for (const c of codes) assert.ok(!captured.includes(`"${c}"`), 'a Garmin code reached the logs');
      for (const line of captured.trim().split('\n')) JSON.parse(line);
    });
  });
}
