/**
 * The client against the Garmin emulator (`@fitsync/garmin-sim`) over real
 * HTTP: sign-in with and without MFA, wrong codes, sign-in throttling, token
 * rotation, 401 recovery, injected faults, FIT download, and every data call
 * the sync makes. The sim and the client share one injected clock.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import {
  GarminApi,
  type GarminApiOptions,
  GarminAuth,
  GarminMfaInvalidError,
  GarminRateLimitedError,
  type GarminTokens,
  refreshDiTokens,
  resolveEndpoints,
  Transport,
} from '../src/index.js';

let sim: RunningSim;
let clock = Date.UTC(2026, 5, 15, 12);
const sleeps: number[] = [];
const runtime = {
  now: () => clock,
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
};
const http = new Transport({ timeoutMs: 5000 });

before(async () => {
  sim = await startSim({ seed: 'garmin-client-tests', runtime: { ...systemRuntime, now: () => clock } });
  sim.createUser({ email: 'plain@example.com', password: 'pw-plain', mfa: null, activities: 7, days: 10, workouts: 3 });
  sim.createUser({ email: 'mfa@example.com', password: 'pw-mfa', mfa: 'email', activities: 2, days: 3, workouts: 0 });
  sim.createUser({ email: 'sms@example.com', password: 'pw-sms', mfa: 'sms', activities: 1, days: 2, workouts: 0 });
});
after(async () => {
  http.close();
  await sim?.close();
});

const endpoints = () => ({ ssoUrl: sim.url, apiUrl: sim.url, diauthUrl: sim.url });
const auth = () => new GarminAuth({ endpoints: endpoints(), runtime, http });
const api = (tokens: GarminTokens, opts: Partial<GarminApiOptions> = {}) =>
  new GarminApi({ tokens, endpoints: endpoints(), runtime, http, ...opts });

async function control(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const res = await http.request({
    method,
    url: `${sim.url}${path}`,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(res.status < 300, `${method} ${path} → ${res.status}`);
  const text = res.body.toString('utf8');
  return text ? JSON.parse(text) : null;
}

async function signIn(email: string, password: string): Promise<GarminTokens> {
  const r = await auth().login(email, password);
  assert.ok(r.status === 'authenticated');
  return r.tokens;
}

describe('client vs garmin-sim: sign-in', () => {
  test('without MFA: tokens, and the tokens work', async () => {
    const tokens = await signIn('plain@example.com', 'pw-plain');
    assert.ok(tokens.accessToken && tokens.refreshToken);
    assert.ok(tokens.expiresAt > clock);
    const profile = await api(tokens).validate();
    assert.ok(profile.displayName.length > 0);
  });

  test('wrong password: invalid credentials', async () => {
    await assert.rejects(auth().login('plain@example.com', 'nope'), { code: 'invalid_credentials' });
  });

  test('with MFA: code from /__sim, resumed in a fresh client from JSON', async () => {
    const first = await auth().login('mfa@example.com', 'pw-mfa');
    assert.ok(first.status === 'mfa_required');
    assert.equal(first.mfaMethod, 'email');
    const stored = JSON.stringify(first.pending);
    const { code } = (await control('GET', '/__sim/users/mfa%40example.com/mfa-code')) as { code: string };
    const tokens = await auth().resumeLogin(JSON.parse(stored), code);
    assert.ok((await api(tokens).getSocialProfile()).displayName);
  });

  test('SMS users: the reported method is used', async () => {
    const first = await auth().login('sms@example.com', 'pw-sms');
    assert.ok(first.status === 'mfa_required');
    assert.equal(first.mfaMethod, 'sms');
    const code = sim.mfaCode('sms@example.com');
    assert.ok(code);
    await auth().resumeLogin(first.pending, code);
  });

  test('a wrong Garmin code, then the right one on the same pending sign-in', async () => {
    const first = await auth().login('mfa@example.com', 'pw-mfa');
    assert.ok(first.status === 'mfa_required');
    const code = sim.mfaCode('mfa@example.com')!;
    const wrong = code === '000000' ? '111111' : '000000';
    const err = await auth()
      .resumeLogin(first.pending, wrong)
      .catch((e: unknown) => e);
    assert.ok(err instanceof GarminMfaInvalidError);
    const tokens = await auth().resumeLogin(err.pending ?? first.pending, code);
    assert.ok(tokens.refreshToken);
  });

  test('classic widget strategy: sign-in without and with MFA', async () => {
    const classic = () => new GarminAuth({ endpoints: endpoints(), runtime, http, strategies: ['classic'] });
    const plain = await classic().login('plain@example.com', 'pw-plain');
    assert.equal(plain.status, 'authenticated');
    const first = await classic().login('mfa@example.com', 'pw-mfa');
    assert.ok(first.status === 'mfa_required');
    assert.equal(first.pending.strategy, 'classic');
    const tokens = await classic().resumeLogin(JSON.parse(JSON.stringify(first.pending)), sim.mfaCode('mfa@example.com')!);
    assert.ok((await api(tokens).getSocialProfile()).displayName);
  });

  test('429 on sign-in (fault): no retry, no other strategy, the wait reported', async () => {
    await control('PUT', '/__sim/faults', { rules: [{ path_prefix: '/mobile/api/login', kind: '429', rate: 1, retry_after_s: 120 }] });
    await control('POST', '/__sim/reset-stats');
    try {
      const err = await auth()
        .login('plain@example.com', 'pw-plain')
        .catch((e: unknown) => e);
      assert.ok(err instanceof GarminRateLimitedError);
      assert.equal(err.retryAfterSeconds, 120);
      const stats = (await control('GET', '/__sim/stats')) as { by_path: Record<string, Record<string, number>> };
      assert.deepEqual(stats.by_path['/mobile/api/login'], { '429': 1 });
      assert.equal(
        Object.keys(stats.by_path).filter((p) => p.startsWith('/sso/')).length,
        0,
        'the classic flow was not tried',
      );
    } finally {
      sim.setFaults([]);
    }
  });
});

describe('client vs garmin-sim: tokens', () => {
  test('refresh ahead of expiry rotates the refresh token; the spent one is refused', async () => {
    sim.configure({ access_token_ttl_s: 60 });
    try {
      const tokens = await signIn('plain@example.com', 'pw-plain');
      assert.equal(tokens.expiresAt - clock, 60_000);
      const saved: GarminTokens[] = [];
      const client = api(tokens, { onTokens: (t) => void saved.push(t) });
      clock += 50_000; // 10 s left: inside the quarter-lifetime margin
      await client.getSocialProfile();
      assert.equal(saved.length, 1);
      assert.notEqual(saved[0]!.refreshToken, tokens.refreshToken, 'rotated');
      assert.ok(saved[0]!.expiresAt > clock);
      await assert.rejects(
        refreshDiTokens({ http, endpoints: resolveEndpoints(endpoints()), runtime }, tokens),
        { code: 'token_invalid' },
      );
    } finally {
      sim.configure({ access_token_ttl_s: 86400 });
    }
  });

  test('an access token Garmin no longer accepts: 401 → refresh → success', async () => {
    sim.configure({ access_token_ttl_s: 60 });
    try {
      const tokens = await signIn('plain@example.com', 'pw-plain');
      const saved: GarminTokens[] = [];
      // The client believes the token is good for an hour; the sim's clock says it expired.
      const client = api({ ...tokens, expiresAt: clock + 3600_000, issuedAt: undefined }, { onTokens: (t) => void saved.push(t) });
      clock += 120_000;
      await control('POST', '/__sim/reset-stats');
      await client.getSocialProfile();
      assert.equal(saved.length, 1);
      const stats = (await control('GET', '/__sim/stats')) as { by_path: Record<string, Record<string, number>> };
      assert.deepEqual(stats.by_path['/userprofile-service/socialProfile'], { '200': 1, '401': 1 });
    } finally {
      sim.configure({ access_token_ttl_s: 86400 });
    }
  });

  test('revoked tokens: refresh refused → token invalid (reauth required)', async () => {
    const tokens = await signIn('plain@example.com', 'pw-plain');
    await control('POST', '/__sim/users/plain%40example.com/revoke-tokens');
    await assert.rejects(api(tokens).getSocialProfile(), { code: 'token_invalid' });
  });
});

describe('client vs garmin-sim: data', () => {
  let tokens: GarminTokens;
  before(async () => {
    tokens = await signIn('plain@example.com', 'pw-plain');
  });

  test('every data call the sync makes parses the sim answers', async () => {
    const client = api(tokens);
    const { displayName } = await client.getSocialProfile();
    const truth = sim.truth('plain@example.com');
    assert.equal(await client.getActivityCount(), truth.activities.length);
    const ids: string[] = [];
    for await (const a of client.iterateActivities({ pageSize: 3 })) ids.push(a.activityId);
    assert.deepEqual([...ids].sort(), truth.activities.map((a) => a.activity_id).sort());
    const detail = await client.getActivity(ids[0]!);
    assert.equal(detail.activityId, ids[0]);
    for (const date of truth.days.slice(0, 3)) {
      const s = await client.getDailySummary(displayName, date);
      assert.equal(s.calendarDate, date);
      await client.getDailyHeartRate(displayName, date);
      await client.getDailyStress(date);
      await client.getDailySleep(displayName, date);
      await client.getHrv(date);
    }
    const days = [...truth.days].sort();
    await client.getWeightRange(days[0]!, days.at(-1)!);
    const workouts = await client.listWorkouts({ start: 0, limit: 10 });
    assert.deepEqual(workouts.map((w) => w.workoutId).sort(), [...truth.workouts].sort());
    assert.equal((await client.getWorkout(workouts[0]!.workoutId)).workoutId, workouts[0]!.workoutId);
  });

  test('gear and personal records parse the sim answers; stats of retired gear are null', async () => {
    const client = api(tokens);
    const { displayName, profileId } = await client.getSocialProfile();
    const truth = sim.truth('plain@example.com');
    const records = await client.getPersonalRecords(displayName);
    assert.deepEqual(records.map((r) => r.id).sort(), truth.personal_records.map((r) => r.record_id).sort());
    const gear = await client.getGear(profileId!);
    assert.deepEqual(gear.map((g) => g.uuid).sort(), truth.gear.map((g) => g.gear_id).sort());
    for (const g of gear) {
      const stats = await client.getGearStats(g.uuid);
      const want = truth.gear.find((t) => t.gear_id === g.uuid)!;
      assert.equal(stats === null, want.status === 'retired', g.uuid);
      if (stats) assert.equal(stats.totalDistance, want.total_distance_m);
    }
  });

  test('FIT download: unzipped bytes match the sim truth', async () => {
    const truth = sim.truth('plain@example.com');
    const a = truth.activities[0]!;
    const fit = await api(tokens).downloadFit(a.activity_id);
    assert.equal(fit.toString('latin1', 8, 12), '.FIT');
    assert.equal(createHash('sha256').update(fit).digest('hex'), a.fit_sha256);
  });

  test('5xx, resets and truncated answers are retried until they succeed', async () => {
    const client = api(tokens, { retry: { maxAttempts: 8 } });
    await control('POST', '/__sim/reset-stats');
    await control('PUT', '/__sim/faults', {
      rules: [
        { path_prefix: '/activitylist-service/', kind: '503', rate: 0.15 },
        { path_prefix: '/activitylist-service/', kind: 'reset', rate: 0.15 },
        { path_prefix: '/activitylist-service/', kind: 'truncate', rate: 0.15 },
        { path_prefix: '/download-service/', kind: 'truncate', rate: 0.5 },
      ],
    });
    try {
      const truth = sim.truth('plain@example.com');
      for (let i = 0; i < 6; i++) {
        const page = await client.listActivities({ start: 0, limit: 20 }).catch(async (e: Error) => {
          throw new Error(`${e.message}; sim stats ${JSON.stringify(await control('GET', '/__sim/stats'))}`);
        });
        assert.equal(page.length, truth.activities.length);
      }
      for (const a of truth.activities.slice(0, 3)) {
        const fit = await client.downloadFit(a.activity_id);
        assert.equal(createHash('sha256').update(fit).digest('hex'), a.fit_sha256);
      }
      const stats = (await control('GET', '/__sim/stats')) as { by_path: Record<string, Record<string, number>> };
      const list = stats.by_path['/activitylist-service/activities/search/activities'] ?? {};
      const faults = Object.entries(list).filter(([k]) => k !== '200');
      assert.ok(faults.length > 0, `faults were injected: ${JSON.stringify(list)}`);
      assert.equal(list['200'], 6);
    } finally {
      sim.setFaults([]);
    }
  });

  test('429 with Retry-After on data: the wait is honoured through the injected sleep', async () => {
    sleeps.length = 0;
    await control('PUT', '/__sim/faults', { rules: [{ path_prefix: '/userprofile-service/', kind: '429', rate: 0.5, retry_after_s: 9 }] });
    try {
      const client = api(tokens, { retry: { maxAttempts: 10 } });
      for (let i = 0; i < 4; i++) await client.getSocialProfile();
      assert.ok(sleeps.length > 0 && sleeps.every((ms) => ms === 9000), JSON.stringify(sleeps));
    } finally {
      sim.setFaults([]);
    }
  });
});
