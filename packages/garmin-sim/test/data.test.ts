import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, http, signIn } from './helpers.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');

describe('data endpoints', () => {
  let sim: RunningSim;
  let token: string;
  let displayName: string;
  let clock = NOW;
  const get = (path: string) => http(`${sim.url}${path}`, { headers: bearer(token) });
  const idsOf = (text: string) => [...text.matchAll(/"activityId":(\d+)/g)].map((m) => m[1]!);

  before(async () => {
    sim = await startSim({ seed: 'data-test', runtime: { ...systemRuntime, now: () => clock } });
    displayName = sim.createUser({ email: 'd@example.com', password: 'pw', activities: 57, days: 90, workouts: 7 }).display_name;
    token = (await signIn(sim.url, 'd@example.com', 'pw')).access_token;
  });
  after(() => sim.close());

  test('paging: newest first, exact 64-bit ids, an empty page at the end, matching truth and count', async () => {
    const seen: string[] = [];
    let lastBegin = Number.POSITIVE_INFINITY;
    for (let start = 0; ; start += 20) {
      const res = await get(`/activitylist-service/activities/search/activities?start=${start}&limit=20`);
      assert.equal(res.status, 200);
      const items = res.json<Array<{ beginTimestamp: number; startTimeGMT: string; startTimeLocal: string }>>();
      if (items.length === 0) break;
      for (const it of items) {
        assert.ok(it.beginTimestamp <= lastBegin, 'newest first');
        lastBegin = it.beginTimestamp;
        assert.match(it.startTimeGMT, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        assert.match(it.startTimeLocal, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        assert.ok(it.beginTimestamp < NOW && it.beginTimestamp > NOW - 90 * 86400_000, 'within the past days');
      }
      seen.push(...idsOf(res.text));
    }
    assert.equal(seen.length, 57);
    for (const id of seen) assert.ok(BigInt(id) > 2n ** 53n, `${id} is above 2^53`);
    // Each id is written exactly: its text is not what a double would print.
    assert.ok(seen.some((id) => String(Number(id)) !== id));
    const truth = (await http(`${sim.url}/__sim/users/d%40example.com/truth`)).json<{
      activities: Array<{ activity_id: string; fit_sha256: string }>;
      days: string[];
      days_without_data: string[];
      workouts: string[];
    }>();
    assert.deepEqual(
      truth.activities.map((a) => a.activity_id),
      seen,
    );
    for (const a of truth.activities) assert.match(a.fit_sha256, /^[0-9a-f]{64}$/);
    const count = await get('/activitylist-service/activities/count');
    assert.deepEqual(count.json(), { totalCount: 57 });
    assert.equal(truth.days.length + truth.days_without_data.length, 90);
    assert.ok(truth.days_without_data.length > 0, 'some days have no data');
    assert.equal(truth.workouts.length, 7);
  });

  test('startDate/endDate filter on the local start date', async () => {
    const all = (await get('/activitylist-service/activities/search/activities?start=0&limit=1000')).json<Array<{ startTimeLocal: string }>>();
    const day = all[10]!.startTimeLocal.slice(0, 10);
    const res = await get(`/activitylist-service/activities/search/activities?start=0&limit=100&startDate=${day}&endDate=${day}`);
    const items = res.json<Array<{ startTimeLocal: string }>>();
    assert.ok(items.length >= 1);
    assert.equal(items.length, all.filter((a) => a.startTimeLocal.startsWith(day)).length);
    assert.equal((await get('/activitylist-service/activities/search/activities?start=x')).status, 400);
    assert.equal((await get('/activitylist-service/activities/search/activities?startDate=2026-02-30')).status, 400);
  });

  test('activity detail uses DTO objects and matches the list item', async () => {
    const list = await get('/activitylist-service/activities/search/activities?start=0&limit=1');
    const id = idsOf(list.text)[0]!;
    const item = list.json<Array<{ distance: number; duration: number; calories: number; averageHR: number }>>()[0]!;
    const res = await get(`/activity-service/activity/${id}`);
    assert.equal(res.status, 200);
    assert.ok(res.text.startsWith(`{"activityId":${id},`));
    const d = res.json<{
      activityTypeDTO: { typeKey: string };
      summaryDTO: { distance: number; duration: number; calories: number; averageHR: number; startTimeGMT: string };
      metadataDTO: { fileFormat: { formatKey: string } };
    }>();
    assert.ok(d.activityTypeDTO.typeKey);
    assert.equal(d.summaryDTO.distance, item.distance);
    assert.equal(d.summaryDTO.duration, item.duration);
    assert.equal(d.summaryDTO.calories, item.calories);
    assert.equal(d.summaryDTO.averageHR, item.averageHR);
    assert.match(d.summaryDTO.startTimeGMT, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.0$/);
    assert.equal(d.metadataDTO.fileFormat.formatKey, 'fit');
    assert.equal((await get('/activity-service/activity/1')).status, 404);
  });

  test('added activities come first, start "now" and have larger ids', async () => {
    const before = sim.truth('d@example.com').activities.map((a) => a.activity_id);
    clock += 3600_000;
    const res = await http(`${sim.url}/__sim/users/d%40example.com/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 3 }),
    });
    assert.equal(res.status, 201);
    const added = [...res.text.matchAll(/"(\d{17,})"/g)].map((m) => m[1]!);
    assert.equal(added.length, 3);
    const page = await get('/activitylist-service/activities/search/activities?start=0&limit=4');
    const ids = idsOf(page.text);
    assert.deepEqual(ids.slice(0, 3), [...added].reverse());
    assert.equal(ids[3], before[0]);
    for (const id of added) assert.ok(BigInt(id) > BigInt(before[0]!));
    const first = page.json<Array<{ beginTimestamp: number }>>()[0]!;
    assert.ok(Math.abs(first.beginTimestamp - clock) < 10_000, 'starts now');
    assert.equal((await get('/activitylist-service/activities/count')).json<{ totalCount: number }>().totalCount, 60);
    assert.equal(sim.truth('d@example.com').activities.length, 60);
  });

  test('wellness: data days, no-data days (null stress, 204 hrv, empty sleep) and weights', async () => {
    const truth = sim.truth('d@example.com');
    const day = truth.days[0]!;
    const summary = (await get(`/usersummary-service/usersummary/daily/${displayName}?calendarDate=${day}`)).json<{
      calendarDate: string;
      totalSteps: number;
      restingHeartRate: number;
    }>();
    assert.equal(summary.calendarDate, day);
    assert.ok(summary.totalSteps > 0);
    // The recorded path has an empty display name; that works too.
    assert.equal((await get(`/usersummary-service/usersummary/daily/?calendarDate=${day}`)).status, 200);
    assert.equal((await get(`/usersummary-service/usersummary/daily/someoneelse?calendarDate=${day}`)).status, 403);
    const hr = (await get(`/wellness-service/wellness/dailyHeartRate/${displayName}?date=${day}`)).json<{
      heartRateValues: Array<[number, number]>;
      heartRateValueDescriptors: Array<{ key: string }>;
    }>();
    assert.equal(hr.heartRateValues.length, 720);
    assert.equal(hr.heartRateValueDescriptors[0]!.key, 'timestamp');
    const stress = (await get(`/wellness-service/wellness/dailyStress/${day}`)).json<{ stressValuesArray: unknown[] }>();
    assert.ok(stress.stressValuesArray.length > 0);

    const empty = truth.days_without_data[0]!;
    const nullStress = await get(`/wellness-service/wellness/dailyStress/${empty}`);
    assert.equal(nullStress.status, 200);
    assert.equal(nullStress.text, 'null');
    const noHrv = await get(`/hrv-service/hrv/${empty}`);
    assert.equal(noHrv.status, 204);
    assert.equal(noHrv.body.length, 0);
    const noSleep = (await get(`/sleep-service/sleep/dailySleepData?date=${empty}&nonSleepBufferMinutes=60`)).json<{
      dailySleepDTO: { sleepTimeSeconds: null; id: null };
    }>();
    assert.equal(noSleep.dailySleepDTO.sleepTimeSeconds, null);
    const emptySummary = (await get(`/usersummary-service/usersummary/daily/${displayName}?calendarDate=${empty}`)).json<{
      totalSteps: null;
    }>();
    assert.equal(emptySummary.totalSteps, null);

    let sleepDays = 0;
    let hrvDays = 0;
    let hrvDaysInLast28 = 0;
    const last28From = new Date(Date.parse(`${truth.days[0]}T00:00:00Z`) - 27 * 86400_000).toISOString().slice(0, 10);
    for (const d of truth.days) {
      const s = (await get(`/wellness-service/wellness/dailySleepData/${displayName}?date=${d}&nonSleepBufferMinutes=60`)).json<{
        dailySleepDTO: { sleepTimeSeconds: number | null };
      }>();
      if (s.dailySleepDTO.sleepTimeSeconds) sleepDays++;
      if ((await get(`/hrv-service/hrv/${d}`)).status === 200) {
        hrvDays++;
        if (d >= last28From) hrvDaysInLast28++;
      }
    }
    assert.ok(sleepDays > 0 && sleepDays < truth.days.length, 'some nights without sleep');
    assert.ok(hrvDays > 0 && hrvDays < truth.days.length, 'some days without HRV');
    const hrvRange = await get(`/hrv-service/hrv/daily/${last28From}/${truth.days[0]}`);
    assert.equal(hrvRange.json<{ hrvSummaries: unknown[] }>().hrvSummaries.length, hrvDaysInLast28);
    assert.equal((await get('/hrv-service/hrv/daily/1990-06-23/1990-07-20')).status, 204);

    const from = truth.days[truth.days.length - 1]!;
    const to = truth.days[0]!;
    const range = (await get(`/weight-service/weight/range/${from}/${to}?includeAll=true`)).json<{
      dailyWeightSummaries: Array<{ summaryDate: string; latestWeight: { weight: number } }>;
    }>();
    assert.ok(range.dailyWeightSummaries.length > 0);
    for (const w of range.dailyWeightSummaries) assert.ok(w.latestWeight.weight > 50000, 'grams');
    const flat = (await get(`/weight-service/weight/dateRange?startDate=${from}&endDate=${to}`)).json<{ dateWeightList: unknown[] }>();
    assert.equal(flat.dateWeightList.length, range.dailyWeightSummaries.length);
    assert.equal((await get(`/weight-service/weight/dateRange?startDate=${to}&endDate=${from}`)).status, 400);
    assert.equal((await get('/hrv-service/hrv/2026-13-01')).status, 400);
  });

  test('workouts: list pages and detail', async () => {
    const truth = sim.truth('d@example.com');
    const page1 = (await get('/workout-service/workouts?start=0&limit=5')).json<Array<{ workoutId: number; workoutName: string }>>();
    const page2 = (await get('/workout-service/workouts?start=5&limit=5')).json<Array<{ workoutId: number }>>();
    assert.equal(page1.length, 5);
    assert.equal(page2.length, 2);
    assert.deepEqual([...page1, ...page2].map((w) => String(w.workoutId)), truth.workouts);
    const detail = (await get(`/workout-service/workout/${page1[0]!.workoutId}`)).json<{
      workoutId: number;
      workoutSegments: Array<{ workoutSteps: unknown[] }>;
    }>();
    assert.equal(detail.workoutId, page1[0]!.workoutId);
    assert.ok(detail.workoutSegments[0]!.workoutSteps.length > 0);
    assert.equal((await get('/workout-service/workout/42')).status, 404);
  });

  test('unknown paths answer 404, wrong methods 405', async () => {
    assert.equal((await get('/nope')).status, 404);
    assert.equal((await http(`${sim.url}/userprofile-service/socialProfile`, { method: 'POST', headers: bearer(token) })).status, 405);
  });
});
