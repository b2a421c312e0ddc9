import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeHealthChunk } from '../src/health/health-store.js';
import { type PreparedBlob, prepareRawBlob } from '../src/health/raw-blobs.js';
import { exportDay, exportTimeMs } from '../src/imports/export/export-dates.js';
import {
  type ExportDayPart,
  ExportFormatError,
  type HealthFamily,
  healthFamilyOf,
  parseHealthMember,
  storeExportDays,
} from '../src/imports/export/health.js';
import { isWorkoutsMember, parseWorkouts, storeWorkouts } from '../src/imports/export/workouts.js';
import { healthRebuilder } from '../src/rebuild/health-rebuilder.js';
import { upsertWorkouts } from '../src/repositories/workout-rows.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';

const D1 = '2024-06-01';
const D2 = '2024-06-02';
const D3 = '2024-06-03';
const iso = (s: string) => new Date(`${s}Z`).toISOString();

/** A UDS day as garmin-export.md §4 lists its fields (export names and units). */
function udsDay(date: string, steps: number, extra: Record<string, unknown> = {}) {
  return {
    userProfilePK: 12345678,
    calendarDate: date,
    includesWellnessData: true,
    totalSteps: steps,
    totalDistanceMeters: 6543.2,
    totalKilocalories: 2400,
    activeKilocalories: 600,
    bmrKilocalories: 1800,
    moderateIntensityMinutes: 20,
    vigorousIntensityMinutes: 10,
    floorsAscendedInMeters: 36.58, // 12 floors of 10 ft
    floorsDescendedInMeters: 30,
    minHeartRate: 45,
    maxHeartRate: 160,
    restingHeartRate: 52,
    averageSpo2Value: 96,
    lowestSpo2Value: 90,
    allDayStress: {
      aggregatorList: [
        { type: 'TOTAL', averageStressLevel: 31, maxStressLevel: 88 },
        { type: 'AWAKE', averageStressLevel: 40, maxStressLevel: 88 },
      ],
    },
    bodyBattery: {
      chargedValue: 60,
      drainedValue: 55,
      bodyBatteryStatList: [
        { bodyBatteryStatType: 'HIGHEST', statsValue: 90 },
        { bodyBatteryStatType: 'LOWEST', statsValue: 20 },
        { bodyBatteryStatType: 'MOSTRECENT', statsValue: 35 },
      ],
    },
    respiration: { avgWakingRespirationValue: 14, highestRespirationValue: 20, lowestRespirationValue: 9 },
    ...extra,
  };
}

/** The sleep night of garmin-export.md §8. */
const NIGHT = {
  sleepStartTimestampGMT: '2024-05-31T21:30:00.0',
  sleepEndTimestampGMT: '2024-06-01T05:00:00.0',
  calendarDate: D1,
  deepSleepSeconds: 5400,
  lightSleepSeconds: 14400,
  remSleepSeconds: 6000,
  awakeSleepSeconds: 1200,
  unmeasurableSeconds: 0,
  sleepScores: { overallScore: 82, qualifierKey: 'GOOD' },
  spo2SleepSummary: { averageSPO2: 95.0, lowestSPO2: 89, averageHR: 50.0 },
  retro: false,
};

const UDS = JSON.stringify([udsDay(D1, 8000), udsDay(D2, 9000), { calendarDate: D3, includesWellnessData: false, totalSteps: 0 }]);
const SLEEP = JSON.stringify([NIGHT, { retro: false }]);
const HEALTH_STATUS = JSON.stringify([
  {
    calendarDate: D1,
    metrics: [
      { type: 'HRV', value: 48, status: 'BALANCED' },
      { type: 'HR', value: 52, status: null },
      { type: 'SPO2', value: 0, status: null },
      { type: 'SKIN_TEMP_C', value: 0, status: null },
    ],
  },
]);
const BIOMETRICS = JSON.stringify([
  {
    weight: {
      weight: 71_200.0,
      bmi: 22.4,
      bodyFat: 19.5,
      bodyWater: 55.1,
      muscleMass: 30_100,
      boneMass: 3_300,
      rawImpedance: 500,
      sourceType: 'INDEX_SCALE',
      timestampGMT: Date.parse('2024-06-02T06:10:00Z'),
    },
  },
  // A failed impedance reading: zeros are not measurements.
  { weight: { weight: 70_900.0, bmi: 22.3, bodyFat: 0, bodyWater: 0, muscleMass: 0, boneMass: 0, sourceType: 'MANUAL', timestampGMT: '2024-06-02T20:30:00.0' } },
]);
const HYDRATION = JSON.stringify([{ calendarDate: D1, valueInML: 2100, goalInML: 2800, sweatLossInML: 500 }]);
const MAXMET = JSON.stringify([
  { calendarDate: D1, sport: 'RUNNING', vo2MaxValue: 51, fitnessAge: 30, maxMetCategory: 0 },
  { calendarDate: D1, sport: 'CYCLING', vo2MaxValue: 47, fitnessAge: 30, maxMetCategory: 0 },
]);
const READINESS = JSON.stringify([{ calendarDate: D1, level: 'HIGH', score: 77, feedbackShort: 'WELL_RECOVERED', recoveryTime: 120 }]);

const MEMBERS: [HealthFamily, string][] = [
  ['uds', UDS],
  ['sleep', SLEEP],
  ['health_status', HEALTH_STATUS],
  ['biometrics', BIOMETRICS],
  ['hydration', HYDRATION],
  ['maxmet', MAXMET],
  ['readiness', READINESS],
];

function allParts(): ExportDayPart[] {
  return MEMBERS.flatMap(([family, text]) => parseHealthMember(family, text).parts);
}

/** What GET /v1/health/daily must serve for D1 and D2 from the export alone. */
const EXPECTED_D1 = {
  date: D1,
  steps: 8000,
  distance_m: 6543.2,
  calories: 2400,
  active_calories: 600,
  floors: 12,
  intensity_minutes: 40,
  resting_hr: 52,
  min_hr: 45,
  max_hr: 160,
  avg_stress: 31,
  max_stress: 88,
  body_battery_high: 90,
  body_battery_low: 20,
  body_battery_charged: 60,
  body_battery_drained: 55,
  spo2_avg: 96,
  spo2_low: 90,
  respiration_avg: 14,
  sleep_start: iso('2024-05-31T21:30:00'),
  sleep_end: iso('2024-06-01T05:00:00'),
  sleep_s: 25_800,
  sleep_deep_s: 5400,
  sleep_light_s: 14400,
  sleep_rem_s: 6000,
  sleep_awake_s: 1200,
  sleep_score: 82,
  hrv_nightly_avg_ms: 48,
  hrv_status: 'BALANCED',
  training_readiness: 77,
  vo2max_running: 51,
  vo2max_cycling: 47,
  weight_g: null,
  body_fat_pct: null,
  muscle_mass_g: null,
  bone_mass_g: null,
  body_water_pct: null,
  bmi: null,
  hydration_ml: 2100,
};
const NULL_SLEEP_ETC = {
  sleep_start: null,
  sleep_end: null,
  sleep_s: null,
  sleep_deep_s: null,
  sleep_light_s: null,
  sleep_rem_s: null,
  sleep_awake_s: null,
  sleep_score: null,
  hrv_nightly_avg_ms: null,
  hrv_status: null,
  training_readiness: null,
  vo2max_running: null,
  vo2max_cycling: null,
  hydration_ml: null,
};
const EXPECTED_D2 = {
  ...EXPECTED_D1,
  ...NULL_SLEEP_ETC,
  date: D2,
  steps: 9000,
  // The day's value is its latest weigh-in, whose failed impedance zeros are null.
  weight_g: 70_900,
  bmi: 22.3,
};

describe('export health files: names and parsing', () => {
  test('families by file name anywhere in the tree; other files are none', () => {
    const cases: [string, HealthFamily | null][] = [
      ['DI_CONNECT/DI-Connect-Aggregator/UDSFile_2024-06-01_2024-06-03.json', 'uds'],
      ['x_1/DI_CONNECT/DI-Connect-User/UDSFile_2023-01-01_2023-04-10.json', 'uds'],
      ['DI_CONNECT/DI-Connect-Aggregator/HydrationLogFile_2024-06-01_2024-06-03.json', 'hydration'],
      ['DI_CONNECT/DI-Connect-Wellness/2024-05-01_2024-06-03_12345678_sleepData.json', 'sleep'],
      ['DI_CONNECT\\DI-Connect-Wellness\\2024-05-01_2024-06-03_12345678_healthStatusData.json', 'health_status'],
      ['DI_CONNECT/DI-Connect-Wellness/12345678_userBioMetrics.json', 'biometrics'],
      ['DI_CONNECT/DI-Connect-Metrics/MetricsMaxMetData_20240301_20240603_12345678.json', 'maxmet'],
      ['DI_CONNECT/DI-Connect-Metrics/TrainingReadinessDTO_20240301_20240603_12345678.json', 'readiness'],
      ['DI_CONNECT/DI-Connect-Wellness/12345678_bioMetrics_latest.json', null],
      ['DI_CONNECT/DI-Connect-Wellness/12345678_userBioMetricProfileData.json', null],
      ['DI_CONNECT/DI-Connect-Metrics/TrainingHistory_20240301_20240603_12345678.json', null],
      ['DI_CONNECT/DI-Connect-Fitness/testuser_workout.json', null],
      ['DI_CONNECT/DI-Connect-Aggregator/UDSFile_2024-06-01_2024-06-03.json.zip', null],
    ];
    for (const [path, family] of cases) assert.equal(healthFamilyOf(path), family, path);
    assert.equal(isWorkoutsMember('DI_CONNECT/DI-Connect-Fitness/testuser_workout.json'), true);
    assert.equal(isWorkoutsMember('DI_CONNECT/DI-Connect-Fitness/testuser_trainingPlan.json'), false);
  });

  test('every date shape of the export: plain, old "Mar 3, 2023" objects, ISO without zone (GMT), ms, LocalDateTime arrays', () => {
    assert.equal(exportDay('2024-06-01'), D1);
    assert.equal(exportDay({ date: 'Mar 3, 2023 12:00:00 AM' }), '2023-03-03');
    assert.equal(exportDay('2024-06-01T00:00:00.0'), D1);
    assert.equal(exportDay([2026, 5, 19, 5, 37, 39, 806000000]), '2026-05-19');
    assert.equal(exportDay('2024-02-30'), null);
    assert.equal(exportDay('yesterday'), null);
    assert.equal(exportDay(null), null);
    assert.equal(exportTimeMs('2026-04-27T05:37:18.0'), Date.parse('2026-04-27T05:37:18Z'));
    assert.equal(exportTimeMs(1717225200000), Date.parse('2024-06-01T07:00:00Z'));
    assert.equal(exportTimeMs([2026, 5, 19, 5, 37, 39, 806000000]), Date.parse('2026-05-19T05:37:39.806Z'));
    assert.equal(exportTimeMs({ date: 'Mar 3, 2023 1:05:00 PM' }), Date.parse('2023-03-03T13:05:00Z'));
    assert.equal(exportTimeMs('Mar 3, 2023 12:00:00 AM'), Date.parse('2023-03-03T00:00:00Z'));
    assert.equal(exportTimeMs('Mar 3, 2023 12:30:00\u202fPM'), Date.parse('2023-03-03T12:30:00Z'));
    assert.equal(exportDay({ date: 'Dec 31, 2023 11:59:59 PM' }), '2023-12-31');
    assert.equal(exportTimeMs(42), null, 'seconds-sized numbers are not export timestamps');
  });

  test('each family gives its days; the trailing {"retro": false} is skipped and counted', () => {
    const uds = parseHealthMember('uds', UDS);
    assert.deepEqual(
      uds.parts.map((p) => [p.date, p.source]),
      [
        [D1, 'export_uds'],
        [D2, 'export_uds'],
        [D3, 'export_uds'],
      ],
    );
    assert.deepEqual([uds.skipped, uds.dropped], [0, 0]);
    const sleep = parseHealthMember('sleep', SLEEP);
    assert.deepEqual(
      sleep.parts.map((p) => [p.date, p.source, p.record.deepSleepSeconds]),
      [[D1, 'export_sleep', 5400]],
    );
    assert.equal(sleep.skipped, 1);
    const weights = parseHealthMember('biometrics', BIOMETRICS);
    assert.deepEqual(
      weights.parts.map((p) => [p.date, p.source, (p.record.entries as unknown[]).length]),
      [[D2, 'export_weight', 2]],
      'a weigh-in without a calendar date is filed under the UTC day of its time, ms or ISO',
    );
    const maxmet = parseHealthMember('maxmet', MAXMET);
    assert.deepEqual(
      maxmet.parts.map((p) => [p.date, (p.record.entries as { sport: string }[]).map((e) => e.sport)]),
      [[D1, ['RUNNING', 'CYCLING']]],
      'both sports of a day are one part',
    );
    for (const [family, text] of MEMBERS) assert.ok(parseHealthMember(family, text).parts.length > 0, family);
  });

  test('old exports: calendarDate as {"date": "Mar 3, 2023 12:00:00 AM"}', () => {
    const old = JSON.stringify([{ ...udsDay('x', 5000), calendarDate: { date: 'Mar 3, 2023 12:00:00 AM' }, restingHeartRateTimestamp: { date: 'Mar 3, 2023 7:00:00 AM' } }]);
    const { parts, skipped } = parseHealthMember('uds', old);
    assert.equal(skipped, 0);
    assert.deepEqual(
      parts.map((p) => [p.date, p.record.totalSteps]),
      [['2023-03-03', 5000]],
    );
  });

  test('a day twice (chunk boundaries, within and across files) keeps the last; weigh-ins of one time are one', () => {
    const twice = parseHealthMember('uds', JSON.stringify([udsDay(D1, 100), udsDay(D2, 200), udsDay(D1, 300)]));
    assert.deepEqual(
      twice.parts.map((p) => [p.date, p.record.totalSteps]),
      [
        [D1, 300],
        [D2, 200],
      ],
    );
    const w = parseHealthMember('biometrics', JSON.stringify([...JSON.parse(BIOMETRICS), ...JSON.parse(BIOMETRICS)]));
    assert.equal((w.parts[0]!.record.entries as unknown[]).length, 2);
  });

  test('implausible values are dropped and counted; 0 sentinels are "not measured", not counted', () => {
    const bad = JSON.stringify([
      udsDay(D1, 8000, { restingHeartRate: 300, averageSpo2Value: 0, lowestSpo2Value: 0, totalSteps: -5 }),
    ]);
    const r = parseHealthMember('uds', bad);
    assert.equal(r.dropped, 2, 'resting HR 300 and negative steps');
    const heavy = parseHealthMember('biometrics', JSON.stringify([{ weight: { weight: 900_000, timestampGMT: Date.parse(`${D1}T07:00:00Z`) } }]));
    assert.equal(heavy.dropped, 1);
    const light = parseHealthMember('biometrics', JSON.stringify([{ weight: { weight: 500, timestampGMT: Date.parse(`${D1}T07:00:00Z`) } }]));
    assert.equal(light.dropped, 1);
    const longSleep = parseHealthMember(
      'sleep',
      JSON.stringify([{ ...NIGHT, sleepEndTimestampGMT: '2024-06-02T05:00:00.0', deepSleepSeconds: 90_000 }]),
    );
    assert.equal(longSleep.dropped, 2, 'a 31.5 h night and 25 h of deep sleep');
    const longTotal = parseHealthMember('sleep', JSON.stringify([{ ...NIGHT, lightSleepSeconds: 50_000, remSleepSeconds: 40_000 }]));
    assert.equal(longTotal.dropped, 1, 'stages adding up to more than a day');
    assert.equal(parseHealthMember('health_status', HEALTH_STATUS).dropped, 0);
  });

  test('a text that is not a JSON array is an ExportFormatError naming the family only', () => {
    for (const text of ['{"calendarDate": "2024-06-01"}', 'not json', '', 'null']) {
      assert.throws(
        () => parseHealthMember('sleep', text),
        (e: unknown) => e instanceof ExportFormatError && /sleep file/.test(e.message) && !/json\b.*_/.test(e.message),
      );
    }
    // Items that are not objects are skipped, not fatal.
    assert.deepEqual(parseHealthMember('hydration', '[1, "x", null]'), { parts: [], skipped: 3, dropped: 0 });
  });

  test('workouts: {"workoutList": […]} bare or in a one-element array; items without an id are skipped', () => {
    const list = {
      workoutList: [
        {
          workoutId: 900000001,
          workoutName: 'Easy Run',
          sportType: { sportTypeId: 1, sportTypeKey: 'running' },
          createdDate: '2024-05-01T10:00:00.0',
          updatedDate: '2024-05-02T11:30:00.0',
        },
        { workoutId: 'BIG', workoutName: 'Long Ride', sportType: { sportTypeKey: 'cycling' }, createdDate: 1714557600000 },
        { workoutName: 'no id' },
      ],
      workoutScheduleList: [],
    };
    // An id beyond 2^53 stays exact (a JSON number literal, as Garmin writes it).
    const big = (t: string) => t.replace('"BIG"', '12345678901234567890');
    for (const text of [big(JSON.stringify(list)), big(JSON.stringify([list]))]) {
      const { items, skipped } = parseWorkouts(text);
      assert.equal(skipped, 1);
      assert.deepEqual(
        items.map((w) => [w.workoutId, w.name, w.sport, w.garminUpdatedAt]),
        [
          ['900000001', 'Easy Run', 'running', '2024-05-02T11:30:00.000Z'],
          ['12345678901234567890', 'Long Ride', 'cycling', '2024-05-01T10:00:00.000Z'],
        ],
      );
    }
    assert.throws(() => parseWorkouts('[1]'), ExportFormatError);
    assert.throws(() => parseWorkouts('{"workoutList": 3}'), ExportFormatError);
    assert.throws(() => parseWorkouts('nope'), ExportFormatError);
  });
});

/** API answers (as Garmin words them) for D1: a summary without floors or body battery, a sleep without a score. */
function apiAnswers(day: string) {
  return {
    summary: JSON.stringify({
      calendarDate: day,
      includesWellnessData: true,
      totalSteps: 8100,
      restingHeartRate: 50,
      sleepingSeconds: 3600,
      lastSyncTimestampGMT: `${day}T20:00:00.0`,
    }),
    sleep: JSON.stringify({
      dailySleepDTO: {
        id: 1,
        calendarDate: day,
        sleepTimeSeconds: 3600,
        deepSleepSeconds: 1200,
        lightSleepSeconds: 1800,
        remSleepSeconds: 600,
        awakeSleepSeconds: 0,
        sleepStartTimestampGMT: Date.parse(`${day}T01:00:00Z`),
        sleepEndTimestampGMT: Date.parse(`${day}T02:00:00Z`),
      },
      sleepLevels: [],
    }),
  };
}

const API_WEIGHTS = JSON.stringify({
  dailyWeightSummaries: [
    {
      summaryDate: D2,
      allWeightMetrics: [{ samplePk: 11, calendarDate: D2, timestampGMT: Date.parse(`${D2}T07:00:00Z`), weight: 72_000.0, sourceType: 'INDEX_SCALE' }],
    },
  ],
});

/** What the fallback rule makes of D1: the API's values where it has them, the export's elsewhere. */
const MERGED_D1 = {
  ...EXPECTED_D1,
  steps: 8100,
  resting_hr: 50,
  sleep_start: iso(`${D1}T01:00:00`),
  sleep_end: iso(`${D1}T02:00:00`),
  sleep_s: 3600,
  sleep_deep_s: 1200,
  sleep_light_s: 1800,
  sleep_rem_s: 600,
  sleep_awake_s: 0,
};

async function apiChunk() {
  const blobs = async (texts: Record<string, string>) =>
    Object.fromEntries(await Promise.all(Object.entries(texts).map(async ([k, t]) => [k, await prepareRawBlob(t)] as const))) as Record<
      'summary',
      PreparedBlob
    >;
  return {
    days: [D1, D2],
    fetched: [{ date: D1, answers: await blobs(apiAnswers(D1)) }],
    ranges: [{ source: 'weight' as const, first: D1, last: D2, blob: await prepareRawBlob(API_WEIGHTS) }],
  };
}

for (const { dialect, skip } of await dialects()) {
  describe(`export health and workouts stored on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const users: Record<string, { token: string; id: string }> = {};
    before(async () => {
      s = await startTestServer({ dialect });
      for (const name of ['imponly', 'apifirst', 'exportfirst', 'workouts']) {
        const token = (await userWithSession(s.app, s.db, `${name}${process.pid}`)).access_token;
        users[name] = { token, id: (await call(s.app, 'GET', '/v1/me', { token })).body.user_id };
      }
    });
    after(() => s?.close());

    const daily = async (u: string) => (await call(s.app, 'GET', '/v1/health/daily', { token: users[u]!.token })).body.days;
    const weights = async (u: string) => (await call(s.app, 'GET', '/v1/health/weight', { token: users[u]!.token })).body.entries;
    const rebuild = (u: string, now: number) => healthRebuilder.rebuild({ db: s.db, fitStore: s.app.deps.blobs.fit, decoder: s.app.deps.decoder }, users[u]!.id, now);

    test('an import alone: daily rows and weigh-ins as mapped, no series; a no-wellness day has no row; again = unchanged', async () => {
      const u = users.imponly!;
      const counts = await s.db.transaction((tx) => storeExportDays(tx, u.id, allParts(), 1));
      assert.deepEqual(counts, { new: 2, updated: 0, unchanged: 1 });
      assert.deepEqual(await daily('imponly'), [EXPECTED_D1, EXPECTED_D2]);
      assert.deepEqual(await weights('imponly'), [
        {
          time: '2024-06-02T06:10:00.000Z',
          date: D2,
          weight_g: 71_200,
          bmi: 22.4,
          body_fat_pct: 19.5,
          body_water_pct: 55.1,
          bone_mass_g: 3_300,
          muscle_mass_g: 30_100,
          source: 'INDEX_SCALE',
        },
        {
          time: '2024-06-02T20:30:00.000Z',
          date: D2,
          weight_g: 70_900,
          bmi: 22.3,
          body_fat_pct: null,
          body_water_pct: null,
          bone_mass_g: null,
          muscle_mass_g: null,
          source: 'MANUAL',
        },
      ]);
      const hr = await call(s.app, 'GET', `/v1/health/series/heart_rate?date=${D1}`, { token: u.token });
      assert.deepEqual(hr.body.points, [], 'the export has no intraday series');
      assert.deepEqual(await s.db.transaction((tx) => storeExportDays(tx, u.id, allParts(), 2)), { new: 0, updated: 0, unchanged: 3 });
    });

    test('a re-import replaces the answers of the sources it carries and keeps the others of those days', async () => {
      const u = users.imponly!;
      const night = parseHealthMember('sleep', JSON.stringify([{ ...NIGHT, deepSleepSeconds: 4000 }])).parts;
      assert.deepEqual(await s.db.transaction((tx) => storeExportDays(tx, u.id, night, 3)), { new: 0, updated: 1, unchanged: 0 });
      const [d1] = await daily('imponly');
      assert.deepEqual([d1.sleep_deep_s, d1.sleep_s, d1.steps, d1.hrv_nightly_avg_ms], [4000, 24_400, 8000, 48]);
      await s.db.transaction((tx) => storeExportDays(tx, u.id, allParts(), 4));
      assert.deepEqual(await daily('imponly'), [EXPECTED_D1, EXPECTED_D2]);
    });

    test('rebuild after an import gives the same rows', async () => {
      const before = { days: await daily('imponly'), weights: await weights('imponly') };
      for (const t of ['health_days', 'health_series', 'health_weights']) await s.db.run(`DELETE FROM ${t} WHERE user_id = ?`, [users.imponly!.id]);
      assert.deepEqual(await daily('imponly'), []);
      assert.deepEqual(await rebuild('imponly', 5), { new: 2, updated: 0, unchanged: 1 });
      assert.deepEqual(await daily('imponly'), before.days);
      assert.deepEqual(await weights('imponly'), before.weights);
      assert.deepEqual(await rebuild('imponly', 6), { new: 0, updated: 0, unchanged: 3 });
    });

    test('API answers first, then the import: nothing the API gave changes, the export fills the rest', async () => {
      const u = users.apifirst!;
      await s.db.transaction(async (tx) => storeHealthChunk(tx, u.id, await apiChunk(), 1));
      const apiOnly = await daily('apifirst');
      assert.equal(apiOnly[0].steps, 8100);
      assert.equal(apiOnly[0].floors, null);
      assert.equal(apiOnly[1].weight_g, 72_000);
      const counts = await s.db.transaction((tx) => storeExportDays(tx, u.id, allParts(), 2));
      assert.deepEqual(counts, { new: 0, updated: 2, unchanged: 1 });
      const days = await daily('apifirst');
      assert.deepEqual(days[0], MERGED_D1);
      // The API's weigh-ins of a day win as a list: the export's of that day are not added.
      assert.deepEqual(
        (await weights('apifirst')).map((w: { time: string; weight_g: number }) => [w.time, w.weight_g]),
        [['2024-06-02T07:00:00.000Z', 72_000]],
      );
      assert.equal(days[1].weight_g, 72_000);
      assert.equal(days[1].steps, 9000);
      const again = await s.db.transaction(async (tx) => storeHealthChunk(tx, u.id, await apiChunk(), 3));
      assert.deepEqual(again, { new: 0, updated: 0, unchanged: 2 }, 'a later API sync of the same answers keeps the export fallback');
      assert.deepEqual(await daily('apifirst'), days);
    });

    test('the import first, then API answers: the API overwrites the same days, the export still fills; rebuild agrees', async () => {
      const u = users.exportfirst!;
      await s.db.transaction((tx) => storeExportDays(tx, u.id, allParts(), 1));
      assert.deepEqual(await daily('exportfirst'), [EXPECTED_D1, EXPECTED_D2]);
      const counts = await s.db.transaction(async (tx) => storeHealthChunk(tx, u.id, await apiChunk(), 2));
      assert.deepEqual(counts, { new: 0, updated: 2, unchanged: 0 });
      const days = await daily('exportfirst');
      assert.deepEqual(days, await daily('apifirst'), 'the same rows whichever came first');
      assert.deepEqual(await weights('exportfirst'), await weights('apifirst'));
      for (const t of ['health_days', 'health_weights']) await s.db.run(`DELETE FROM ${t} WHERE user_id = ?`, [u.id]);
      await rebuild('exportfirst', 3);
      assert.deepEqual(await daily('exportfirst'), days);
    });

    test('workouts are stored keyed by workoutId and listed by GET /v1/workouts; a sync copy is not undone', async () => {
      const u = users.workouts!;
      const text = JSON.stringify([
        {
          workoutList: [
            {
              workoutId: 900000001,
              workoutName: 'Easy Run',
              sportType: { sportTypeKey: 'running' },
              createdDate: '2024-05-01T10:00:00.0',
              updatedDate: '2024-05-02T11:30:00.0',
            },
            { workoutId: 900000002, workoutName: 'Sweet Spot Ride', sportType: { sportTypeKey: 'cycling' }, updatedDate: 1714644000000 },
          ],
          workoutScheduleList: [],
        },
      ]);
      const { items } = parseWorkouts(text);
      // The API already synced workout 1 at the same edit (its own JSON).
      await s.db.transaction((tx) =>
        upsertWorkouts(
          tx,
          u.id,
          [{ workoutId: '900000001', name: 'Easy Run (API)', sport: 'running', garminUpdatedAt: '2024-05-02T11:30:00.000Z', summaryJson: '{"api":true}' }],
          1,
        ),
      );
      assert.deepEqual(await s.db.transaction((tx) => storeWorkouts(tx, u.id, items, 2)), { new: 1, updated: 0, unchanged: 1 });
      const list = (await call(s.app, 'GET', '/v1/workouts', { token: u.token })).body.workouts;
      assert.deepEqual(list, [
        { workout_id: '900000001', name: 'Easy Run (API)', sport: 'running', updated_at: '2024-05-02T11:30:00.000Z' },
        { workout_id: '900000002', name: 'Sweet Spot Ride', sport: 'cycling', updated_at: '2024-05-02T10:00:00.000Z' },
      ]);
      assert.deepEqual(await s.db.transaction((tx) => storeWorkouts(tx, u.id, items, 3)), { new: 0, updated: 0, unchanged: 2 });
      // An export edited after the sync's copy replaces it.
      const later = parseWorkouts(text.replace('2024-05-02T11:30:00.0', '2024-05-03T09:00:00.0')).items;
      assert.deepEqual(await s.db.transaction((tx) => storeWorkouts(tx, u.id, later, 4)), { new: 0, updated: 1, unchanged: 1 });
      const one = (await call(s.app, 'GET', '/v1/workouts', { token: u.token })).body.workouts.find((w: { workout_id: string }) => w.workout_id === '900000001');
      assert.deepEqual(one, { workout_id: '900000001', name: 'Easy Run', sport: 'running', updated_at: '2024-05-03T09:00:00.000Z' });
    });
  });
}
