/**
 * Every recorded data answer goes through the client's parsers, and the
 * replay server checks the client asked exactly what was recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Interaction, loadFixture } from './helpers/fixtures.js';
import { recordedSteps, replayApi, withReplay } from './helpers/replay-api.js';
import { type ReplayServer, startReplay } from './helpers/replay-server.js';

const steps = recordedSteps;

describe('data endpoints (recorded answers)', () => {
  test('social profile', async () => {
    const p = await withReplay(steps('social-profile'), (api) => api.getSocialProfile());
    assert.equal(p.displayName, 'testuser');
    assert.equal(p.profileId, '2591602');
    assert.equal(p.fullName, 'Test User');
  });

  test('validate() reads the social profile', async () => {
    const p = await withReplay(steps('social-profile'), (api) => api.validate());
    assert.equal(p.displayName, 'testuser');
  });

  test('activity list: one page, newest first, fields the sync needs', async () => {
    const list = await withReplay(steps('activity-list'), (api) => api.listActivities({ start: 0, limit: 3 }));
    assert.equal(list.length, 3);
    const a = list[0]!;
    assert.equal(a.activityId, '21482825013');
    assert.equal(a.activityType, 'trail_running');
    assert.equal(a.startTimeGMT, '2026-01-08 14:10:21');
    assert.equal(a.startTimeUtc, '2026-01-08T14:10:21.000Z');
    assert.equal(a.beginTimestamp, Date.parse('2026-01-08T14:10:21Z'));
    assert.equal(a.distance, 4261.18994140625);
    assert.equal(a.averageHR, 142);
    assert.equal(a.steps, 5310);
    assert.equal(a.manualActivity, false);
    assert.equal(a.lapCount, 2);
    assert.equal(a.raw.activityName, 'Activity');
    const times = list.map((x) => x.startTimeUtc);
    assert.deepEqual([...times].sort().reverse(), times, 'newest first');
  });

  test('activity list pagination with start/limit', async () => {
    const [p1, p2] = await withReplay(steps('activity-list-pagination'), async (api) => [
      await api.listActivities({ start: 0, limit: 2 }),
      await api.listActivities({ start: 2, limit: 2 }),
    ]);
    assert.equal(p1!.length, 2);
    assert.ok(p2!.length >= 1);
    const ids = [...p1!, ...p2!].map((a) => a.activityId);
    assert.equal(new Set(ids).size, ids.length, 'pages do not overlap');
  });

  test('iterateActivities pages until an empty page', async () => {
    const recorded = steps('activity-list-pagination');
    const empty: Interaction = structuredClone(recorded[1]!);
    empty.request.url = empty.request.url.replace('start=2', `start=${2 + (recorded[1]!.response.body as unknown[]).length}`);
    empty.response.body = [];
    const all: string[] = [];
    await withReplay([...recorded, empty], async (api) => {
      for await (const a of api.iterateActivities({ pageSize: 2 })) all.push(a.activityId);
    });
    assert.equal(all.length, 2 + (recorded[1]!.response.body as unknown[]).length);
  });

  test('activity detail (DTO shapes)', async () => {
    const recorded = steps('activity-get');
    const d = await withReplay(recorded, async (api) => {
      const [first] = await api.listActivities({ start: 0, limit: 1 });
      return api.getActivity(first!.activityId);
    });
    assert.equal(d.activityId, '21482825013');
    assert.equal(d.activityType, 'trail_running');
    assert.equal(d.startTimeGMT, '2026-01-08T14:10:21.0');
    assert.equal(d.startTimeUtc, '2026-01-08T14:10:21.000Z');
    assert.equal(d.calories, 390);
    assert.equal(d.duration, 2223.327);
  });

  test('daily summary (the sanitiser blanked the display name in the recorded path)', async () => {
    const s = await withReplay(steps('daily-summary'), (api) => api.getDailySummary('testuser', '2025-06-14'), {
      expectPath: (p) => (p.endsWith('/daily/') ? `${p}testuser` : p),
    });
    assert.equal(s.calendarDate, '2025-06-14');
    assert.equal(s.totalSteps, 5459);
    assert.equal(s.totalDistanceMeters, 4471);
    assert.equal(s.totalKilocalories, 2252);
    assert.equal(s.restingHeartRate, 51);
    assert.equal(s.averageStressLevel, 24);
    assert.equal(s.bodyBatteryHighestValue, 92);
    assert.equal(s.bodyBatteryLowestValue, 32);
  });

  test('daily heart rate: [epochMs, bpm] via descriptors', async () => {
    const hr = await withReplay(steps('daily-heart-rate'), (api) => api.getDailyHeartRate('testuser', '2026-01-07'), {
      expectPath: (p) => (p.endsWith('/dailyHeartRate/') ? `${p}testuser` : p),
    });
    assert.equal(hr.calendarDate, '2026-01-07');
    assert.equal(hr.restingHeartRate, 52);
    assert.deepEqual(hr.values[0], [1767765600000, 63]);
    assert.ok(hr.values.length > 100);
  });

  test('daily stress with body battery', async () => {
    const s = await withReplay(steps('daily-stress-body-battery'), (api) => api.getDailyStress('2023-07-20'));
    assert.ok(s);
    assert.equal(s.avgStressLevel, 25);
    assert.equal(s.maxStressLevel, 85);
    assert.deepEqual(s.stressValues[0], [1689811800000, 12]);
    assert.deepEqual(s.bodyBatteryValues[0], [1689811800000, 45]);
    assert.ok(s.bodyBatteryHigh !== null && s.bodyBatteryLow !== null && s.bodyBatteryHigh >= s.bodyBatteryLow);
  });

  test('daily stress without data: body null → null', async () => {
    const s = await withReplay(steps('daily-stress-no-data'), (api) => api.getDailyStress('2020-01-01'));
    assert.equal(s, null);
  });

  test('sleep: a night with data, then one without (all-null DTO → null)', async () => {
    const [a, b] = await withReplay(steps('daily-sleep'), async (api) => [
      await api.getDailySleep('testuser', '2025-07-07'),
      await api.getDailySleep('testuser', '2030-01-01'),
    ]);
    assert.ok(a);
    assert.equal(a.calendarDate, '2025-07-07');
    assert.equal(a.sleepTimeSeconds, 24180);
    assert.equal(a.deepSleepSeconds, 5280);
    assert.equal(a.sleepStartTimestampGMT, 1751863648000);
    assert.equal(b, null);
  });

  test('HRV: a day with results, then 204 → null', async () => {
    const [a, b] = await withReplay(steps('hrv'), async (api) => [await api.getHrv('2023-07-20'), await api.getHrv('2021-07-20')]);
    assert.ok(a);
    assert.equal(a.lastNightAvg, 42);
    assert.equal(a.weeklyAvg, 39);
    assert.equal(a.status, 'BALANCED');
    assert.equal(b, null);
  });

  test('HRV range without results: 204 → no days', async () => {
    const r = await withReplay(steps('hrv-no-results'), (api) => api.getHrvRange('1990-06-23', '1990-07-20'));
    assert.deepEqual(r, { days: [], rawText: '' });
  });

  test('weight range in grams', async () => {
    const w = await withReplay(steps('weight-range'), (api) => api.getWeightRange('2025-06-01', '2025-06-15'));
    assert.ok(w.days.length >= 2);
    assert.equal(w.days[0]!.calendarDate, '2025-06-15');
    assert.equal(w.days[0]!.weightGrams, 59720);
    assert.equal(w.days[1]!.entries[0]!.sourceType, 'MANUAL');
  });
});

describe('malformed or surprising answers are typed errors', () => {
  let replay: ReplayServer;
  before(async () => {
    replay = await startReplay([]);
  });
  after(() => replay.close());

  const planJson = (path: string, body: unknown, status = 200, contentType = 'application/json'): Interaction => ({
    request: { method: 'GET', url: `https://connectapi.garmin.com${path}`, headers: {}, body: null },
    response: { status, headers: { 'content-type': contentType }, body },
  });
  const api = () => replayApi(replay.url);

  test('an activity id above 2^53 stays exact', async () => {
    const big = '9223372036854775807';
    const item = structuredClone((loadFixture('activity-list').interactions[0]!.response.body as unknown[])[0]) as Record<string, unknown>;
    const text = JSON.stringify([{ ...item, activityId: 1 }]).replace('"activityId":1', `"activityId":${big}`);
    replay.plan([planJson('/activitylist-service/activities/search/activities?limit=1&start=0', text)]);
    const [a] = await api().listActivities({ limit: 1 });
    assert.equal(a!.activityId, big);
    assert.equal(a!.raw.activityId, big);
    replay.assertDone();
  });

  test('a list that is not a list → unexpected answer, not a crash', async () => {
    replay.plan([planJson('/activitylist-service/activities/search/activities?limit=5&start=0', { error: 'x' })]);
    await assert.rejects(api().listActivities({ limit: 5 }), { code: 'unexpected_answer', message: /expected a JSON array/ });
  });

  test('a field of the wrong type names the field', async () => {
    replay.plan([planJson('/userprofile-service/socialProfile', { displayName: 42 })]);
    await assert.rejects(api().getSocialProfile(), { code: 'unexpected_answer', message: /displayName/ });
  });

  test('an HTML page where JSON was expected names status, type and title', async () => {
    replay.plan([planJson('/userprofile-service/socialProfile', '<html><title>Sign In</title></html>', 200, 'text/html')]);
    await assert.rejects(api().getSocialProfile(), { code: 'unexpected_answer', message: /HTTP 200 text\/html titled "Sign In"/ });
  });

  test('404 → not found', async () => {
    replay.plan([planJson('/activity-service/activity/1', { message: 'nope' }, 404)]);
    await assert.rejects(api().getActivity('1'), { code: 'not_found' });
  });

  test('bad input is refused before any request', async () => {
    await assert.rejects(api().getDailyStress('2026-13-45x'), { code: 'invalid_input' });
    await assert.rejects(api().getActivity('12a'), { code: 'invalid_input' });
    await assert.rejects(api().getActivity(2 ** 60), { code: 'invalid_input' });
    assert.equal(replay.failures.length, 0);
  });
});
