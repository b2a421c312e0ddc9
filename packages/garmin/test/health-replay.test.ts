/**
 * Health endpoints (issue 9): every recording the health sync uses goes through the typed client
 * method (the replay server fails on anything unplanned), and `parseHealthAnswer` on the same
 * answer text gives exactly what the method gave. Training readiness and SpO2 have no recording
 * file: their answers are the JSON documented in shared/spec/garmin-endpoints.md.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type GarminApi, HEALTH_SOURCES, type HealthPoint, type HealthSource, parseHealthAnswer } from '../src/index.js';
import { documentedAnswer, type Interaction, loadFixture } from './helpers/fixtures.js';
import { recordedSteps, withReplay } from './helpers/replay-api.js';

/** One planned GET answered with `text` exactly as given. */
function answer(pathAndQuery: string, text: string, status = 200): Interaction {
  return {
    request: { method: 'GET', url: `https://connectapi.garmin.com${pathAndQuery}`, headers: {}, body: null },
    response: { status, headers: { 'content-type': 'application/json' }, body: text },
  };
}

/** A recorded fixture's data calls, with each answer body as the text the replay sends. */
function recorded(name: string): Interaction[] {
  return recordedSteps(name).map((i) => ({
    ...i,
    response: { ...i.response, body: i.response.status === 204 ? '' : JSON.stringify(i.response.body ?? null) },
  }));
}

/** The recorded answer texts, in order. */
const textsOf = (steps: Interaction[]) => steps.map((i) => String(i.response.body));

/** Calls `call` against `steps`; checks rawText is the exact answer and parseHealthAnswer agrees. */
async function viaClient<T extends { rawText: string } | null>(
  source: HealthSource,
  steps: Interaction[],
  call: (api: GarminApi) => Promise<T>,
  opts?: Parameters<typeof withReplay>[2],
): Promise<T> {
  const [text] = textsOf(steps);
  const typed = await withReplay(steps, call, opts);
  if (typed) assert.equal(typed.rawText, text, 'rawText is the exact answer text');
  assert.deepEqual(parseHealthAnswer(source, text!), typed, `parseHealthAnswer('${source}') agrees with the method`);
  return typed;
}

const blankName = (segment: string) => (p: string) => (p.endsWith(`/${segment}/`) ? `${p}testuser` : p);

function assertPoints(points: HealthPoint[]): void {
  for (const [t, v] of points) assert.ok(Number.isFinite(t) && v >= 0, `point ${t},${v} is a reading`);
  const times = points.map((p) => p[0]);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
}

describe('health answers through the client (recordings)', () => {
  test('daily summary: the fields of the derivation rules and lastSyncTimestampGMT', async () => {
    const s = await viaClient('summary', recorded('daily-summary'), (api) => api.getDailySummary('testuser', '2025-06-14'), {
      expectPath: blankName('daily'),
    });
    assert.equal(s.floorsAscended, 4.31299);
    assert.equal(s.moderateIntensityMinutes, 0);
    assert.equal(s.vigorousIntensityMinutes, 0);
    assert.equal(s.bodyBatteryChargedValue, 60);
    assert.equal(s.bodyBatteryDrainedValue, 57);
    assert.equal(s.averageSpo2, null);
    assert.equal(s.lowestSpo2, null);
    assert.equal(s.avgWakingRespirationValue, 14);
    assert.equal(s.includesWellnessData, true);
    assert.equal(s.lastSyncTimestampGMT, null);
    assert.equal(s.sleepingSeconds, 28842);
    assert.equal(s.minHeartRate, 49);
    assert.equal(s.maxHeartRate, 104);
    assert.equal(s.maxStressLevel, 99);
  });

  test('daily heart rate: points drop the null samples', async () => {
    const hr = await viaClient('heart_rate', recorded('daily-heart-rate'), (api) => api.getDailyHeartRate('testuser', '2026-01-07'), {
      expectPath: blankName('dailyHeartRate'),
    });
    assert.equal(hr.values.length, 710);
    assert.equal(hr.points.length, 707);
    assert.deepEqual(hr.points[0], [1767765600000, 63]);
    assert.ok(!hr.points.some((p) => p[0] === 1767791880000), 'the null sample at 1767791880000 is dropped');
    assertPoints(hr.points);
  });

  test('daily stress with body battery: the level column of the body battery rows', async () => {
    const s = await viaClient('stress', recorded('daily-stress-body-battery'), (api) => api.getDailyStress('2023-07-20'));
    assert.ok(s);
    assert.equal(s.stressPoints.length, 10);
    assert.deepEqual(s.stressPoints.slice(0, 2), [
      [1689811800000, 12],
      [1689812100000, 18],
    ]);
    assert.equal(s.bodyBatteryPoints.length, 11);
    assert.deepEqual(s.bodyBatteryPoints.at(-1), [1689840900000, 25]);
  });

  test('daily stress with gaps: -1/-2 stress and null body battery are dropped', async () => {
    const s = await viaClient('stress', recorded('daily-stress-incomplete'), (api) => api.getDailyStress('2025-12-18'));
    assert.ok(s);
    assert.equal(s.stressValues.length, 397);
    assert.equal(s.stressPoints.length, 230);
    assert.deepEqual(s.stressPoints[0], [1766040120000, 25]);
    assert.equal(s.bodyBatteryPoints.length, 260);
    assert.deepEqual(s.bodyBatteryPoints.slice(0, 2), [
      [1766039940000, 28],
      [1766040120000, 26],
    ]);
    assertPoints(s.stressPoints);
    assertPoints(s.bodyBatteryPoints);
  });

  test('daily stress without data: null', async () => {
    const s = await viaClient('stress', recorded('daily-stress-no-data'), (api) => api.getDailyStress('2020-01-01'));
    assert.equal(s, null);
  });

  test('sleep: score from sleepScores.overall; a night without data is null', async () => {
    const steps = recorded('daily-sleep');
    const [a, b] = await withReplay(steps, async (api) => [
      await api.getDailySleep('testuser', '2025-07-07'),
      await api.getDailySleep('testuser', '2030-01-01'),
    ]);
    assert.ok(a);
    assert.equal(a.sleepScore, 83);
    assert.deepEqual(a.stages, [], 'the recording has sleepLevels null');
    assert.equal(a.rawText, textsOf(steps)[0]);
    assert.equal(b, null);
    assert.deepEqual(parseHealthAnswer('sleep', textsOf(steps)[0]!), a);
    assert.equal(parseHealthAnswer('sleep', textsOf(steps)[1]!), null);
  });

  test('sleep stages: one point per change of level, startGMT as GMT', async () => {
    const night = structuredClone(recordedSteps('daily-sleep')[0]!.response.body) as Record<string, unknown>;
    const seg = (start: string, end: string, activityLevel: number) => ({ startGMT: start, endGMT: end, activityLevel });
    night.sleepLevels = [
      seg('2025-07-07T04:47:28.0', '2025-07-07T05:10:28.0', 1.0),
      seg('2025-07-07T05:10:28.0', '2025-07-07T05:40:28.0', 0.0),
      seg('2025-07-07T05:40:28.0', '2025-07-07T06:00:28.0', 0.0),
      seg('2025-07-07T06:00:28.0', '2025-07-07T06:20:28.0', 2.0),
      seg('2025-07-07T06:20:28.0', '2025-07-07T06:22:28.0', 3.0),
    ];
    const steps = [answer('/sleep-service/sleep/dailySleepData?date=2025-07-07', JSON.stringify(night))];
    const s = await viaClient('sleep', steps, (api) => api.getDailySleep('testuser', '2025-07-07'));
    assert.ok(s);
    assert.deepEqual(s.stages, [
      [Date.UTC(2025, 6, 7, 4, 47, 28), 1],
      [Date.UTC(2025, 6, 7, 5, 10, 28), 0],
      [Date.UTC(2025, 6, 7, 6, 0, 28), 2],
      [Date.UTC(2025, 6, 7, 6, 20, 28), 3],
    ]);
  });

  test('HRV day (existing method) and an HRV range without results (204 → no days)', async () => {
    const day = await withReplay(recorded('hrv'), async (api) => [await api.getHrv('2023-07-20'), await api.getHrv('2021-07-20')]);
    assert.equal(day[0]?.lastNightAvg, 42);
    assert.equal(day[1], null);
    const r = await viaClient('hrv', recorded('hrv-no-results'), (api) => api.getHrvRange('1990-06-23', '1990-07-20'));
    assert.deepEqual(r, { days: [], rawText: '' });
  });

  test('HRV range with results (the answer documented in garmin-endpoints.md)', async () => {
    const path = '/hrv-service/hrv/daily/2023-07-01/2023-07-20';
    const r = await viaClient('hrv', [answer(path, documentedAnswer(path))], (api) => api.getHrvRange('2023-07-01', '2023-07-20'));
    assert.deepEqual(r.days, [
      { calendarDate: '2023-07-01', lastNightAvg: 43, weeklyAvg: 43, status: 'BALANCED' },
      { calendarDate: '2023-07-02', lastNightAvg: 44, weeklyAvg: 43, status: 'BALANCED' },
    ]);
  });

  test('weight range: every weigh-in with samplePk and body composition', async () => {
    const w = await viaClient('weight', recorded('weight-range'), (api) => api.getWeightRange('2025-06-01', '2025-06-15'));
    assert.deepEqual(w.days[0]!.entries[0], {
      samplePk: '1749996902851',
      calendarDate: '2025-06-15',
      weightGrams: 59720,
      timestampGMT: 1749996876000,
      sourceType: 'INDEX_SCALE',
      bmi: 22.799999237060547,
      bodyFat: 19.3,
      bodyWater: 58.9,
      boneMass: 3539,
      muscleMass: 26979,
    });
    const twoOnOneDay = w.days[1]!;
    assert.equal(twoOnOneDay.calendarDate, '2025-06-14');
    assert.deepEqual(
      twoOnOneDay.entries.map((e) => [e.samplePk, e.timestampGMT, e.bodyWater]),
      [
        ['1749948744411', 1749948725175, null],
        ['1749909217098', 1749909180000, 58.2],
      ],
    );
  });

  test('respiration: averages and the intraday points without -1/-2', async () => {
    const r = await viaClient('respiration', recorded('notebook-respiration'), (api) => api.getDailyRespiration('2025-06-03'));
    assert.ok(r);
    assert.equal(r.calendarDate, '2025-06-03');
    assert.equal(r.avgWakingRespirationValue, 15);
    assert.equal(r.avgSleepRespirationValue, 15);
    assert.equal(r.lowestRespirationValue, 7);
    assert.equal(r.highestRespirationValue, 22);
    assert.equal(r.points.length, 507, '720 samples, 213 of them -1/-2');
    assert.deepEqual(r.points[0], [1748929200000, 15]);
    assert.deepEqual(r.points.at(-1), [1748997840000, 15]);
    assertPoints(r.points);
  });

  test('steps chart: one point per 15-minute bucket at its start (GMT), 0 steps too', async () => {
    const c = await viaClient('steps', recorded('notebook-steps-chart'), (api) => api.getStepsChart('testuser', '2025-06-03'));
    assert.deepEqual(c.points, [
      [Date.UTC(2025, 5, 3, 4, 0), 0],
      [Date.UTC(2025, 5, 3, 4, 15), 0],
    ]);
  });

  test('VO2max range: precise running value, cycling null', async () => {
    const m = await viaClient('maxmet', recorded('notebook-maxmet-daily'), (api) => api.getMaxMetRange('2025-06-03', '2025-06-03'));
    assert.deepEqual(m.days, [{ calendarDate: '2025-06-03', running: 41.4, cycling: null }]);
  });

  test('hydration range: valueInML per day', async () => {
    const h = await viaClient('hydration', recorded('hydration-stats-daily'), (api) => api.getHydrationRange('2024-06-29', '2024-06-29'));
    assert.deepEqual(h.days, [{ calendarDate: '2024-06-29', valueInML: 1750 }]);
  });
});

describe('health answers without a recording file (garmin-endpoints.md)', () => {
  const readinessPath = '/metrics-service/metrics/trainingreadiness/2025-07-07';
  const readiness = () => JSON.parse(documentedAnswer(readinessPath)) as Record<string, unknown>[];

  test('training readiness: the newest snapshot when there is no morning report', async () => {
    const r = await viaClient('readiness', [answer(readinessPath, documentedAnswer(readinessPath))], (api) =>
      api.getTrainingReadiness('2025-07-07'),
    );
    assert.equal(r.score, 50, 'UPDATE_REALTIME_VARIABLES (first) over AFTER_POST_EXERCISE_RESET');
    assert.equal(r.calendarDate, '2025-07-07');
  });

  test('training readiness: the AFTER_WAKEUP_RESET snapshot wins wherever it is', async () => {
    const snapshots = readiness();
    snapshots[1]!.inputContext = 'AFTER_WAKEUP_RESET';
    const r = await viaClient('readiness', [answer(readinessPath, JSON.stringify(snapshots))], (api) =>
      api.getTrainingReadiness('2025-07-07'),
    );
    assert.equal(r.score, 32);
  });

  test('training readiness: [] is an answer without a score, not null', async () => {
    const r = await viaClient('readiness', [answer(readinessPath, '[]')], (api) => api.getTrainingReadiness('2025-07-07'));
    assert.deepEqual(r, { calendarDate: null, score: null, rawText: '[]' });
  });

  const spo2Path = '/wellness-service/wellness/daily/spo2/2023-07-01';

  test('SpO2: averages of the documented day (no intraday readings that day)', async () => {
    const s = await viaClient('spo2', [answer(spo2Path, documentedAnswer(spo2Path))], (api) => api.getDailySpo2('2023-07-01'));
    assert.ok(s);
    assert.equal(s.averageSpO2, 95);
    assert.equal(s.lowestSpO2, 91);
    assert.deepEqual(s.points, []);
  });

  test('SpO2: continuous readings as points (epochTimestamp GMT), "no reading" values dropped', async () => {
    const day = JSON.parse(documentedAnswer(spo2Path)) as Record<string, unknown>;
    // The item shape read by the derivation rules: `epochTimestamp` "YYYY-MM-DDTHH:MM:SS.0" GMT, `spo2Reading`.
    day.continuousReadingDTOList = [
      { epochTimestamp: '2023-07-01T03:01:00.0', spo2Reading: 93, readingConfidence: 9 },
      { epochTimestamp: '2023-07-01T03:00:00.0', spo2Reading: 95, readingConfidence: 9 },
      { epochTimestamp: '2023-07-01T03:02:00.0', spo2Reading: -1, readingConfidence: 0 },
      { epochTimestamp: '2023-07-01T03:03:00.0', spo2Reading: null, readingConfidence: 0 },
    ];
    const s = await viaClient('spo2', [answer(spo2Path, JSON.stringify(day))], (api) => api.getDailySpo2('2023-07-01'));
    assert.deepEqual(s?.points, [
      [Date.UTC(2023, 6, 1, 3, 0), 95],
      [Date.UTC(2023, 6, 1, 3, 1), 93],
    ]);
  });

  test('SpO2 and respiration: a day without any value is null', async () => {
    const day = JSON.parse(documentedAnswer(spo2Path)) as Record<string, unknown>;
    day.averageSpO2 = null;
    day.lowestSpO2 = null;
    const s = await viaClient('spo2', [answer(spo2Path, JSON.stringify(day))], (api) => api.getDailySpo2('2023-07-01'));
    assert.equal(s, null);
    const resp = loadFixture('notebook-respiration').interactions[0]!.response.body as Record<string, unknown>;
    const empty = { ...resp, lowestRespirationValue: null, highestRespirationValue: null, avgWakingRespirationValue: null };
    const none = { ...empty, avgSleepRespirationValue: null, respirationValuesArray: [[1748923320000, -2.0]] };
    assert.equal(parseHealthAnswer('respiration', JSON.stringify(none)), null);
  });
});

describe('parseHealthAnswer: empty answers and malformed ones', () => {
  test('"" and null: null for the per-day sources, an empty answer for list and range sources', () => {
    const perDay: HealthSource[] = ['summary', 'heart_rate', 'stress', 'sleep', 'respiration', 'spo2'];
    for (const source of HEALTH_SOURCES) {
      for (const text of ['', 'null']) {
        const v = parseHealthAnswer(source, text);
        if (perDay.includes(source)) assert.equal(v, null, `${source} ${JSON.stringify(text)}`);
        else assert.ok(v && v.rawText === text, `${source} ${JSON.stringify(text)} gives an empty answer`);
      }
    }
    assert.deepEqual(parseHealthAnswer('steps', '[]'), { points: [], rawText: '[]' });
    assert.deepEqual(parseHealthAnswer('maxmet', '[]'), { days: [], rawText: '[]' });
    assert.deepEqual(parseHealthAnswer('hydration', '[]'), { days: [], rawText: '[]' });
    assert.deepEqual(parseHealthAnswer('weight', ''), { days: [], raw: {}, rawText: '' });
  });

  const body = (name: string) => structuredClone(recordedSteps(name)[0]!.response.body) as Record<string, unknown>;
  const withField = (name: string, edit: (o: Record<string, unknown>) => void) => {
    const o = body(name);
    edit(o);
    return JSON.stringify(o);
  };
  const cases: [HealthSource, string, RegExp][] = [
    ['summary', withField('daily-summary', (o) => (o.floorsAscended = '4 floors')), /floorsAscended/],
    ['summary', withField('daily-summary', (o) => (o.includesWellnessData = 'yes')), /includesWellnessData/],
    ['heart_rate', withField('daily-heart-rate', (o) => (o.heartRateValues = [[1767765600000, 'high']])), /heartRateValues/],
    ['stress', withField('daily-stress-body-battery', (o) => (o.stressValuesArray = 'none')), /stressValuesArray/],
    ['sleep', withField('daily-sleep', (o) => (o.sleepLevels = [{ startGMT: 'yesterday', activityLevel: 1 }])), /startGMT/],
    ['sleep', withField('daily-sleep', (o) => (o.sleepLevels = [{ startGMT: '2025-07-07T04:47:28.0', activityLevel: 'deep' }])), /activityLevel/],
    ['sleep', withField('daily-sleep', (o) => ((o.dailySleepDTO as Record<string, unknown>).sleepScores = { overall: { value: 'good' } })), /value/],
    ['respiration', withField('notebook-respiration', (o) => (o.avgWakingRespirationValue = '15 per minute')), /avgWakingRespirationValue/],
    ['spo2', JSON.stringify({ calendarDate: '2023-07-01', averageSpO2: 95, continuousReadingDTOList: [{ epochTimestamp: 1688180400000, spo2Reading: 95 }] }), /epochTimestamp/],
    ['steps', JSON.stringify([{ startGMT: '2025-06-03T04:00:00.0', steps: 'many' }]), /steps/],
    ['steps', JSON.stringify({ startGMT: '2025-06-03T04:00:00.0' }), /expected a JSON array/],
    ['readiness', JSON.stringify([{ calendarDate: '2025-07-07', score: 'fifty', inputContext: 'AFTER_WAKEUP_RESET' }]), /score/],
    ['hrv', JSON.stringify({ hrvSummaries: [{ calendarDate: '2023-07-01', lastNightAvg: 'x' }] }), /lastNightAvg/],
    ['maxmet', JSON.stringify([{ generic: { calendarDate: '2025-06-03', vo2MaxPreciseValue: '41.4' }, cycling: null }]), /vo2MaxPreciseValue/],
    ['weight', withField('weight-range', (o) => (o.dailyWeightSummaries = [{ summaryDate: '2025-06-15', allWeightMetrics: [{ calendarDate: '2025-06-15', weight: 1, samplePk: 'pk-1' }] }])), /samplePk/],
    ['hydration', JSON.stringify([{ calendarDate: '2024-06-29', valueInML: true }]), /valueInML/],
  ];
  for (const [source, text, field] of cases) {
    test(`${source}: ${field.source} of the wrong type → unexpected answer naming it`, () => {
      assert.throws(() => parseHealthAnswer(source, text), (err: Error & { code?: string }) => {
        assert.equal(err.name, 'GarminUnexpectedAnswerError');
        assert.equal(err.code, 'unexpected_answer');
        assert.match(err.message, field);
        return true;
      });
    });
  }

  test('a malformed answer through a typed method is a typed error too', async () => {
    const path = '/usersummary-service/stats/hydration/daily/2024-06-29/2024-06-29';
    await withReplay([answer(path, '[{"calendarDate":"2024-06-29","valueInML":"lots"}]')], (api) =>
      assert.rejects(api.getHydrationRange('2024-06-29', '2024-06-29'), { code: 'unexpected_answer', message: /valueInML/ }),
    );
  });
});

describe('range methods refuse more than 28 days before any request', () => {
  const calls: [string, (api: GarminApi) => Promise<unknown>][] = [
    ['getHrvRange', (api) => api.getHrvRange('2025-01-01', '2025-01-29')],
    ['getMaxMetRange', (api) => api.getMaxMetRange('2025-01-01', '2025-01-29')],
    ['getWeightRange', (api) => api.getWeightRange('2025-01-01', '2025-01-29')],
    ['getHydrationRange', (api) => api.getHydrationRange('2025-01-01', '2025-01-29')],
    ['getHydrationRange backwards', (api) => api.getHydrationRange('2025-01-02', '2025-01-01')],
  ];
  for (const [name, call] of calls) {
    test(name, async () => {
      await withReplay([], async (api, replay) => {
        await assert.rejects(call(api), { name: 'GarminInputError', code: 'invalid_input' });
        assert.equal(replay.seen.length, 0);
      });
    });
  }
});
