import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '../src/index.js';
import { type Derived, deriveDay, deriveRanges, type Fetch, hasData } from './health-derive.js';
import { bearer, http, signIn } from './helpers.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const gmtMs = (s: string) => Date.parse(`${s.slice(0, 19)}Z`);
// biome-ignore lint/suspicious/noExplicitAny: test JSON is read loosely; the assertions check its shape
type J = Record<string, any>;

const expectedDay = (d: Derived): Record<string, unknown> => ({
  ...d.fields,
  series_points: Object.fromEntries(Object.entries(d.series).map(([k, v]) => [k, v.length])),
});

describe('health endpoints', () => {
  let sim: RunningSim;
  let clock = NOW;
  const users: Record<string, { token: string; name: string }> = {};
  const getAs =
    (email: string): Fetch =>
    (path) =>
      http(`${sim.url}${path}`, { headers: bearer(users[email]!.token) });
  /** The account's UTC offset: its days are local days. */
  const offMs = (email: string) => sim.state.user(email)!.tz.offsetS * 1000;
  const json = async (get: Fetch, path: string): Promise<J> => {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    return JSON.parse(r.text) as J;
  };

  before(async () => {
    sim = await startSim({ seed: 'health-test', runtime: { ...systemRuntime, now: () => clock } });
    // e@ lives in UTC−10: at 12:00 UTC its local day is early (02:00), so the edits below stay in one local day.
    for (const [email, days, zone] of [
      ['h@example.com', 120, null],
      ['e@example.com', 30, 'Pacific/Honolulu'],
    ] as const) {
      const name = sim.createUser({ email, password: 'pw', days, time_zone: zone }).display_name;
      users[email] = { name, token: (await signIn(sim.url, email, 'pw')).access_token };
    }
  });
  after(() => sim.close());

  test('truth equals the derivation rules applied to the sim’s own answers, every day of the history', async () => {
    const get = getAs('h@example.com');
    const from = isoDay(NOW - 120 * DAY_MS);
    const to = isoDay(NOW - DAY_MS);
    const ranges = await deriveRanges(get, from, to);
    const expected = [];
    for (let t = Date.parse(`${from}T00:00:00Z`); t < NOW - DAY_MS / 2; t += DAY_MS) {
      const d = await deriveDay(get, users['h@example.com']!.name, isoDay(t), ranges);
      if (hasData(d)) expected.push(expectedDay(d));
    }
    const truth = sim.truth('h@example.com');
    assert.equal(truth.health_days.length, expected.length);
    for (let i = 0; i < expected.length; i++) assert.deepEqual(truth.health_days[i], expected[i], expected[i]!.date as string);
    assert.deepEqual(
      truth.weights,
      ranges.weighIns.map((w) => ({
        time: new Date(w.timestampGMT as number).toISOString(),
        date: w.calendarDate,
        weight_g: w.weight,
        bmi: w.bmi,
        body_fat_pct: w.bodyFat,
        body_water_pct: w.bodyWater,
        bone_mass_g: w.boneMass,
        muscle_mass_g: w.muscleMass,
        source: w.sourceType,
      })),
    );
    assert.deepEqual(
      truth.health_days.map((h) => h.date),
      [...truth.days].reverse(),
    );
    // The data exercise every rule: nights without sleep, SpO2, HRV or readiness; days with two weigh-ins.
    const days = truth.health_days;
    assert.ok(days.some((h) => h.sleep_s === null) && days.some((h) => h.sleep_s !== null));
    assert.ok(days.some((h) => h.sleep_s !== null && h.spo2_avg === null));
    assert.ok(days.some((h) => h.sleep_s !== null && h.hrv_nightly_avg_ms === null));
    assert.ok(days.some((h) => h.respiration_avg === null));
    assert.ok(days.some((h) => h.vo2max_cycling !== null) && days.some((h) => h.vo2max_running !== null));
    assert.ok(days.some((h) => h.hydration_ml !== null) && days.some((h) => h.hydration_ml === null));
    const perDay = new Map<string, number>();
    for (const w of truth.weights) perDay.set(w.date, (perDay.get(w.date) ?? 0) + 1);
    assert.ok([...perDay.values()].some((n) => n === 2), 'a day with two weigh-ins');
    assert.ok(truth.weights.some((w) => w.body_fat_pct === null) && truth.weights.some((w) => w.body_fat_pct !== null));
  });

  test('the summary agrees with its series; sleep stages add up to the sleep seconds', async () => {
    const get = getAs('h@example.com');
    const name = users['h@example.com']!.name;
    const truth = sim.truth('h@example.com');
    let nights = 0;
    for (const { date } of truth.health_days.filter((_, i) => i % 5 === 0)) {
      const s = await json(get, `/usersummary-service/usersummary/daily/${name}?calendarDate=${date}`);
      const hr = (await json(get, `/wellness-service/wellness/dailyHeartRate/${name}?date=${date}`)).heartRateValues as Array<
        [number, number | null]
      >;
      const bpm = hr.map((p) => p[1]).filter((v): v is number => v !== null);
      assert.ok(bpm.length < hr.length, 'some HR samples are null');
      assert.equal(s.minHeartRate, Math.min(...bpm));
      assert.equal(s.maxHeartRate, Math.max(...bpm));
      assert.ok(s.restingHeartRate >= s.minHeartRate && s.restingHeartRate <= s.maxHeartRate);
      const st = await json(get, `/wellness-service/wellness/dailyStress/${date}`);
      const stress = (st.stressValuesArray as Array<[number, number]>).map((p) => p[1]);
      assert.ok(stress.includes(-1) || stress.includes(-2), 'some stress values are "no reading"');
      const ok = stress.filter((v) => v >= 0);
      assert.equal(s.averageStressLevel, Math.round(ok.reduce((a, b) => a + b, 0) / ok.length));
      assert.equal(s.maxStressLevel, Math.max(...ok));
      const levels = (st.bodyBatteryValuesArray as Array<[number, string, number]>).map((r) => r[2]);
      assert.equal(s.bodyBatteryHighestValue, Math.max(...levels));
      assert.equal(s.bodyBatteryLowestValue, Math.min(...levels));
      const rises = levels.slice(1).map((v, i) => v - levels[i]!);
      assert.equal(s.bodyBatteryChargedValue, rises.filter((d) => d > 0).reduce((a, b) => a + b, 0));
      assert.equal(s.bodyBatteryDrainedValue, -rises.filter((d) => d < 0).reduce((a, b) => a + b, 0));
      const chart = await json(get, `/wellness-service/wellness/dailySummaryChart/${name}?date=${date}`);
      assert.equal(chart.length, 96);
      assert.equal(s.totalSteps, chart.reduce((a: number, b: J) => a + b.steps, 0));
      assert.equal(gmtMs(chart[0].startGMT), Date.parse(`${date}T00:00:00Z`) - offMs('h@example.com'));

      const resp = await json(get, `/wellness-service/wellness/daily/respiration/${date}`);
      assert.equal(resp.avgWakingRespirationValue, s.avgWakingRespirationValue);
      if (s.avgWakingRespirationValue !== null) {
        const waking = (resp.respirationValuesArray as Array<[number, number]>).filter((p) => {
          const h = new Date(p[0] + offMs('h@example.com')).getUTCHours();
          return p[1] >= 0 && h >= 7 && h < 23;
        });
        assert.equal(s.avgWakingRespirationValue, Math.round(waking.reduce((a, p) => a + p[1], 0) / waking.length));
      }
      const sleep = await json(get, `/sleep-service/sleep/dailySleepData?date=${date}`);
      const dto = sleep.dailySleepDTO;
      assert.equal(s.sleepingSeconds, dto.sleepTimeSeconds);
      const o2 = await json(get, `/wellness-service/wellness/daily/spo2/${date}`);
      assert.equal(o2.averageSpO2, s.averageSpo2);
      assert.equal(o2.lowestSpO2, s.lowestSpo2);
      if (s.averageSpo2 !== null) {
        const readings = (o2.continuousReadingDTOList as J[]).map((r) => r.spo2Reading as number);
        assert.equal(s.averageSpo2, Math.round(readings.reduce((a, b) => a + b, 0) / readings.length));
        assert.equal(s.lowestSpo2, Math.min(...readings));
        for (const r of o2.continuousReadingDTOList as J[]) {
          assert.match(r.epochTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.0$/);
          assert.ok(gmtMs(r.epochTimestamp) >= dto.sleepStartTimestampGMT && gmtMs(r.epochTimestamp) < dto.sleepEndTimestampGMT);
        }
      }
      if (dto.sleepTimeSeconds === null) {
        assert.equal(o2.continuousReadingDTOList, null, 'no sleep, no SpO2');
        assert.equal((await get(`/metrics-service/metrics/trainingreadiness/${date}`)).text, '[]');
        continue;
      }
      nights++;
      assert.equal(dto.sleepTimeSeconds, dto.deepSleepSeconds + dto.lightSleepSeconds + dto.remSleepSeconds);
      const per = [0, 0, 0, 0];
      let at = dto.sleepStartTimestampGMT as number;
      for (const l of sleep.sleepLevels as J[]) {
        assert.equal(gmtMs(l.startGMT), at, 'segments are contiguous');
        per[l.activityLevel]! += (gmtMs(l.endGMT) - gmtMs(l.startGMT)) / 1000;
        at = gmtMs(l.endGMT);
      }
      assert.equal(at, dto.sleepEndTimestampGMT);
      assert.deepEqual(per, [dto.deepSleepSeconds, dto.lightSleepSeconds, dto.remSleepSeconds, dto.awakeSleepSeconds]);
      assert.equal(typeof dto.sleepScores.overall.value, 'number');
      assert.ok((await json(get, `/metrics-service/metrics/trainingreadiness/${date}`)).length > 0);
    }
    assert.ok(nights > 5);
  });

  test('days without data are answered the way Garmin answers them', async () => {
    const get = getAs('h@example.com');
    const name = users['h@example.com']!.name;
    const truth = sim.truth('h@example.com');
    const empty = truth.days_without_data[0]!;
    const s = await json(get, `/usersummary-service/usersummary/daily/${name}?calendarDate=${empty}`);
    assert.equal(s.includesWellnessData, false);
    for (const k of ['totalSteps', 'minHeartRate', 'floorsAscended', 'moderateIntensityMinutes', 'averageSpo2', 'sleepingSeconds']) {
      assert.equal(s[k], null, k);
    }
    assert.equal((await json(get, `/wellness-service/wellness/dailyHeartRate/${name}?date=${empty}`)).heartRateValues, null);
    assert.equal((await get(`/wellness-service/wellness/dailyStress/${empty}`)).text, 'null');
    const sleep = await json(get, `/sleep-service/sleep/dailySleepData?date=${empty}`);
    assert.equal(sleep.dailySleepDTO.sleepTimeSeconds, null);
    assert.deepEqual(sleep.sleepLevels, []);
    assert.equal((await get(`/hrv-service/hrv/${empty}`)).status, 204);
    const resp = await json(get, `/wellness-service/wellness/daily/respiration/${empty}`);
    assert.equal(resp.respirationValuesArray, null);
    assert.equal(resp.avgWakingRespirationValue, null);
    assert.equal((await json(get, `/wellness-service/wellness/daily/spo2/${empty}`)).continuousReadingDTOList, null);
    assert.equal((await get(`/wellness-service/wellness/dailySummaryChart/${name}?date=${empty}`)).text, '[]');
    assert.equal((await get(`/metrics-service/metrics/trainingreadiness/${empty}`)).text, '[]');
    // Before the history: every range is empty.
    assert.equal((await get('/metrics-service/metrics/maxmet/daily/2020-01-01/2020-01-28')).text, '[]');
    assert.equal((await get('/usersummary-service/stats/hydration/daily/2020-01-01/2020-01-28')).text, '[]');
    assert.equal((await get('/hrv-service/hrv/daily/2020-01-01/2020-01-28')).status, 204);
    assert.deepEqual((await json(get, '/weight-service/weight/range/2020-01-01/2020-01-28')).dailyWeightSummaries, []);
    assert.ok(!truth.health_days.some((h) => h.date === empty));
  });

  test('daily statistics and HRV ranges are limited to 28 days, as Garmin does', async () => {
    const get = getAs('h@example.com');
    for (const base of ['/hrv-service/hrv/daily', '/usersummary-service/stats/hydration/daily']) {
      assert.notEqual((await get(`${base}/2026-05-01/2026-05-28`)).status, 400, `${base} 28 days`);
      const over = await get(`${base}/2026-05-01/2026-05-29`);
      assert.equal(over.status, 400, `${base} 29 days`);
      assert.match(over.text, /cannot be more than 28 days/);
      assert.equal((await get(`${base}/2026-05-02/2026-05-01`)).status, 400, 'end before start');
    }
    assert.equal((await get('/metrics-service/metrics/maxmet/daily/2026-03-01/2026-06-01')).status, 200);
  });

  test('new routes are counted per route and faulted like the others', async () => {
    const get = getAs('h@example.com');
    sim.resetStats();
    await get('/wellness-service/wellness/daily/spo2/2026-06-01');
    await get('/wellness-service/wellness/daily/spo2/2026-06-02');
    await get(`/wellness-service/wellness/dailySummaryChart/${users['h@example.com']!.name}?date=2026-06-02`);
    const byRoute = sim.stats().by_route;
    assert.deepEqual(byRoute['/wellness-service/wellness/daily/spo2/{date}'], { 200: 2 });
    assert.deepEqual(byRoute['/wellness-service/wellness/dailySummaryChart/{displayName}'], { 200: 1 });
    sim.setFaults([{ path_prefix: '/metrics-service/metrics/trainingreadiness/', kind: '500', rate: 1 }]);
    try {
      assert.equal((await get('/metrics-service/metrics/trainingreadiness/2026-06-02')).status, 500);
      assert.equal((await get('/metrics-service/metrics/maxmet/daily/2026-06-01/2026-06-02')).status, 200);
    } finally {
      sim.setFaults([]);
    }
  });

  test('edits change exactly the edited day: edit_sleep, add_today', async () => {
    const email = 'e@example.com';
    const get = getAs(email);
    const name = users[email]!.name;
    const post = (body: unknown) =>
      http(`${sim.url}/__sim/users/${encodeURIComponent(email)}/health`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const today = isoDay(clock + offMs(email));
    const dates = [...sim.truth(email).days_without_data, ...sim.truth(email).days, today].sort();
    const summaries = async () => {
      const out = new Map<string, string>();
      for (const d of dates) out.set(d, (await get(`/usersummary-service/usersummary/daily/${name}?calendarDate=${d}`)).text);
      return out;
    };
    const changedDays = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((d) => a.get(d) !== b.get(d));
    const before0 = await summaries();
    const truth0 = sim.truth(email);
    assert.deepEqual(await summaries(), before0, 'answers are stable');

    const night = truth0.health_days.find((h) => h.sleep_s !== null)!;
    const edited = await post({ edit_sleep: night.date });
    assert.equal(edited.status, 200);
    assert.deepEqual(edited.json(), { changed: [night.date] });
    const after1 = await summaries();
    assert.deepEqual(changedDays(before0, after1), [night.date]);
    const [s0, s1] = [JSON.parse(before0.get(night.date)!), JSON.parse(after1.get(night.date)!)];
    assert.notEqual(s1.sleepingSeconds, s0.sleepingSeconds);
    assert.notEqual(s1.lastSyncTimestampGMT, s0.lastSyncTimestampGMT);
    const truth1 = sim.truth(email);
    const diff = truth1.health_days.filter((h, i) => JSON.stringify(h) !== JSON.stringify(truth0.health_days[i]));
    assert.deepEqual(
      diff.map((h) => h.date),
      [night.date],
    );
    // The edited day still agrees with the derivation rules.
    const ranges = await deriveRanges(get, night.date, night.date);
    assert.deepEqual(diff[0], expectedDay(await deriveDay(get, name, night.date, ranges)));

    assert.ok(!before0.get(today)!.includes('"includesWellnessData":true'), 'no data today before add_today');
    clock += 3 * 3600_000;
    const added = await post({ add_today: true });
    assert.deepEqual(added.json(), { changed: [today] });
    const after2 = await summaries();
    assert.deepEqual(changedDays(after1, after2), [today]);
    const truth2 = sim.truth(email);
    const todayTruth = truth2.health_days.at(-1)!;
    assert.equal(todayTruth.date, today);
    assert.equal(truth2.days[0], today);
    assert.deepEqual(truth2.health_days.slice(0, -1), truth1.health_days);
    assert.deepEqual(todayTruth, expectedDay(await deriveDay(get, name, today, await deriveRanges(get, today, today))));
    const hr = (await json(get, `/wellness-service/wellness/dailyHeartRate/${name}?date=${today}`)).heartRateValues as Array<[number]>;
    assert.ok(hr.length > 0 && hr.every((p) => p[0] < clock), 'today has data up to the sim clock only');
    const chart = await json(get, `/wellness-service/wellness/dailySummaryChart/${name}?date=${today}`);
    assert.equal(chart.length, Math.floor((clock - (Date.parse(`${today}T00:00:00Z`) - offMs(email))) / 900_000));

    clock += 3600_000;
    assert.equal((await post({ add_today: true })).status, 200);
    assert.deepEqual(changedDays(after2, await summaries()), [today], 'a later add_today extends today only');

    const noData = truth2.days_without_data[0]!;
    const refused = await post({ edit_sleep: noData });
    assert.equal(refused.status, 409);
    for (const bad of [{}, { edit_sleep: '2026-02-30' }, { add_today: false }, { edit_sleep: night.date, extra: 1 }, []]) {
      assert.equal((await post(bad)).status, 400, JSON.stringify(bad));
    }
    assert.equal((await http(`${sim.url}/__sim/users/nobody%40example.com/health`, { method: 'POST', body: '{"add_today":true}' })).status, 404);
  });
});
