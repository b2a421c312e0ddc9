import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeHealthChunk } from '../src/health/health-store.js';
import { type PreparedBlob, prepareRawBlob } from '../src/health/raw-blobs.js';
import { healthRebuilder } from '../src/rebuild/health-rebuilder.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';

const D1 = '2026-03-01';
const D2 = '2026-03-02';
const ms = (day: string, h: number, m = 0) => Date.parse(`${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);

/** Answers as Garmin words them (only the fields the derivation reads), for two days. */
function answers(day: string, steps: number) {
  return {
    summary: JSON.stringify({ calendarDate: day, includesWellnessData: true, totalSteps: steps, sleepingSeconds: 3600, restingHeartRate: 50 }),
    heart_rate: JSON.stringify({
      calendarDate: day,
      heartRateValueDescriptors: [
        { key: 'timestamp', index: 0 },
        { key: 'heartrate', index: 1 },
      ],
      heartRateValues: [
        [ms(day, 8), 61],
        [ms(day, 8, 2), null],
        [ms(day, 8, 4), 63],
      ],
    }),
    sleep: JSON.stringify({
      dailySleepDTO: {
        calendarDate: day,
        sleepTimeSeconds: 3600,
        deepSleepSeconds: 1200,
        lightSleepSeconds: 1800,
        remSleepSeconds: 600,
        awakeSleepSeconds: 0,
        sleepStartTimestampGMT: ms(day, 1),
        sleepEndTimestampGMT: ms(day, 2),
        sleepScores: { overall: { value: 77 } },
      },
      sleepLevels: [
        { startGMT: `${day}T01:00:00.0`, endGMT: `${day}T01:20:00.0`, activityLevel: 0 },
        { startGMT: `${day}T01:20:00.0`, endGMT: `${day}T01:30:00.0`, activityLevel: 1 },
        { startGMT: `${day}T01:30:00.0`, endGMT: `${day}T01:50:00.0`, activityLevel: 1 },
        { startGMT: `${day}T01:50:00.0`, endGMT: `${day}T02:00:00.0`, activityLevel: 2 },
      ],
    }),
  };
}

const weights = JSON.stringify({
  dailyWeightSummaries: [
    {
      summaryDate: D2,
      allWeightMetrics: [
        { samplePk: 11, calendarDate: D2, timestampGMT: ms(D2, 7), weight: 70_500.0, bodyFat: 21.5, sourceType: 'INDEX_SCALE' },
        { samplePk: 12, calendarDate: D2, timestampGMT: ms(D2, 19), weight: 70_100.0, bmi: 22.1, sourceType: 'MANUAL' },
      ],
    },
  ],
});

for (const { dialect, skip } of await dialects()) {
  describe(`health read API on ${dialect}`, { skip }, () => {
    let s: TestServer;
    let token: string;
    let userId: string;
    before(async () => {
      s = await startTestServer({ dialect });
      token = (await userWithSession(s.app, s.db, 'healthapi')).access_token;
      userId = (await call(s.app, 'GET', '/v1/me', { token })).body.user_id;
    });
    after(() => s?.close());

    test('bad metric, bad dates and no token are refused', async () => {
      assertProblem(await call(s.app, 'GET', '/v1/health/series/blood_pressure', { token }), 400, 'validation_error');
      for (const q of ['date=2026-3-01', 'date=2026-02-30', 'date=yesterday']) {
        assertProblem(await call(s.app, 'GET', `/v1/health/series/heart_rate?${q}`, { token }), 400, 'validation_error');
      }
      assertProblem(await call(s.app, 'GET', '/v1/health/weight?since=2026-02-30', { token }), 400, 'validation_error');
      assert.equal((await call(s.app, 'GET', '/v1/health/series/heart_rate')).status, 401);
      assert.equal((await call(s.app, 'GET', '/v1/health/weight')).status, 401);
    });

    test('no data: points [] with the asked date, or date null when nothing at all', async () => {
      const none = await call(s.app, 'GET', '/v1/health/series/stress', { token });
      assert.deepEqual(none.body, { metric: 'stress', date: null, unit: 'level', points: [] });
      const asked = await call(s.app, 'GET', `/v1/health/series/stress?date=${D1}`, { token });
      assert.deepEqual(asked.body, { metric: 'stress', date: D1, unit: 'level', points: [] });
    });

    test('stored answers are served as days, series and weigh-ins; rebuild restores deleted rows', async () => {
      const prepared = async (texts: Record<string, string>) =>
        Object.fromEntries(await Promise.all(Object.entries(texts).map(async ([k, t]) => [k, await prepareRawBlob(t)] as const))) as Record<
          'summary',
          PreparedBlob
        >;
      const chunk = {
        days: [D1, D2],
        fetched: [
          { date: D1, answers: await prepared(answers(D1, 1000)) },
          { date: D2, answers: await prepared(answers(D2, 2000)) },
        ],
        ranges: [{ source: 'weight' as const, first: D1, last: D2, blob: await prepareRawBlob(weights) }],
      };
      await s.db.transaction((tx) => storeHealthChunk(tx, userId, chunk, 1));
      const days = (await call(s.app, 'GET', '/v1/health/daily', { token })).body.days;
      assert.deepEqual(
        days.map((d: { date: string; steps: number }) => [d.date, d.steps]),
        [
          [D1, 1000],
          [D2, 2000],
        ],
      );
      assert.equal(days[1].sleep_start, new Date(ms(D2, 1)).toISOString());
      assert.equal(days[1].sleep_score, 77);
      assert.equal(days[1].weight_g, 70_100);
      assert.equal(days[1].bmi, 22.1);
      assert.equal(days[1].body_fat_pct, null, 'body composition of the latest weigh-in only');
      assert.equal(days[0].weight_g, null);

      const hr = (await call(s.app, 'GET', '/v1/health/series/heart_rate', { token })).body;
      assert.deepEqual(hr, {
        metric: 'heart_rate',
        date: D2,
        unit: 'bpm',
        points: [
          [ms(D2, 8), 61],
          [ms(D2, 8, 4), 63],
        ],
      });
      const stages = (await call(s.app, 'GET', `/v1/health/series/sleep_stages?date=${D1}`, { token })).body;
      assert.deepEqual(stages.points, [
        [ms(D1, 1), 0],
        [ms(D1, 1, 20), 1],
        [ms(D1, 1, 50), 2],
      ]);
      const w = (await call(s.app, 'GET', `/v1/health/weight?since=${D2}&until=${D2}`, { token })).body.entries;
      assert.deepEqual(
        w.map((e: { time: string; weight_g: number; source: string }) => [e.time, e.weight_g, e.source]),
        [
          [new Date(ms(D2, 7)).toISOString(), 70_500, 'INDEX_SCALE'],
          [new Date(ms(D2, 19)).toISOString(), 70_100, 'MANUAL'],
        ],
      );
      assert.deepEqual((await call(s.app, 'GET', `/v1/health/weight?until=${D1}`, { token })).body.entries, []);

      const before = {
        days: (await call(s.app, 'GET', '/v1/health/daily', { token })).body,
        hr: (await call(s.app, 'GET', `/v1/health/series/heart_rate?date=${D1}`, { token })).body,
        w: (await call(s.app, 'GET', '/v1/health/weight', { token })).body,
      };
      for (const t of ['health_days', 'health_series', 'health_weights']) await s.db.run(`DELETE FROM ${t} WHERE user_id = ?`, [userId]);
      assert.deepEqual((await call(s.app, 'GET', '/v1/health/daily', { token })).body.days, []);
      assert.deepEqual(await healthRebuilder.rebuild({ db: s.db, fitStore: s.app.deps.blobs.fit, decoder: s.app.deps.decoder }, userId, 2), { new: 2, updated: 0, unchanged: 0 });
      assert.deepEqual((await call(s.app, 'GET', '/v1/health/daily', { token })).body, before.days);
      assert.deepEqual((await call(s.app, 'GET', `/v1/health/series/heart_rate?date=${D1}`, { token })).body, before.hr);
      assert.deepEqual((await call(s.app, 'GET', '/v1/health/weight', { token })).body, before.w);
      assert.deepEqual(await healthRebuilder.rebuild({ db: s.db, fitStore: s.app.deps.blobs.fit, decoder: s.app.deps.decoder }, userId, 3), { new: 0, updated: 0, unchanged: 2 });
    });
  });
}
