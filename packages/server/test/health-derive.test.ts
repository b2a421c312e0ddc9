import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveHealth, followUpSources, type RangeText } from '../src/health/derive-health.js';

const D = '2026-03-02';
const summary = (o: Record<string, unknown>) => JSON.stringify({ calendarDate: D, includesWellnessData: true, ...o });
const weightRange = (first: string, last: string, entries: Record<string, unknown>[]): RangeText => ({
  source: 'weight',
  first,
  last,
  text: JSON.stringify({
    dailyWeightSummaries: entries.length ? [{ summaryDate: D, allWeightMetrics: entries, latestWeight: entries[0] }] : [],
  }),
});
const weighIn = (pk: number, ts: number, weight: number, bodyFat: number | null) => ({
  samplePk: pk,
  calendarDate: D,
  timestampGMT: ts,
  weight,
  bodyFat,
  sourceType: 'INDEX_SCALE',
});

describe('health derivation (answers → typed rows)', () => {
  test('which per-day calls a summary asks for', () => {
    const empty = JSON.stringify({ calendarDate: D, includesWellnessData: false, totalSteps: null });
    assert.deepEqual(followUpSources(empty), []);
    assert.deepEqual(followUpSources(summary({ totalSteps: 10 })), ['heart_rate', 'stress', 'steps']);
    assert.deepEqual(followUpSources(summary({ sleepingSeconds: 25_000, averageSpo2: 95, avgWakingRespirationValue: 14 })), [
      'heart_rate',
      'stress',
      'steps',
      'sleep',
      'readiness',
      'spo2',
      'respiration',
    ]);
  });

  test('intensity minutes = moderate + 2 × vigorous; null only when both are', () => {
    const im = (o: Record<string, unknown>) =>
      deriveHealth([D], new Map([[D, { summary: summary({ totalSteps: 1, ...o }) }]]), [])[0]!.day!.intensity_minutes;
    assert.equal(im({ moderateIntensityMinutes: 10, vigorousIntensityMinutes: 5 }), 20);
    assert.equal(im({ moderateIntensityMinutes: null, vigorousIntensityMinutes: 5 }), 10);
    assert.equal(im({ moderateIntensityMinutes: null, vigorousIntensityMinutes: null }), null);
  });

  test('a day without any value or point is not listed', () => {
    const [d] = deriveHealth([D], new Map([[D, { summary: JSON.stringify({ calendarDate: D, includesWellnessData: false }) }]]), []);
    assert.equal(d!.day, null);
    assert.deepEqual(d!.series, []);
  });

  test('the latest weigh-in gives the day its body composition; every weigh-in is kept', () => {
    const r = weightRange(D, D, [weighIn(2, 2_000, 70_000, 20), weighIn(1, 1_000, 71_000, null)]);
    const [d] = deriveHealth([D], new Map(), [r]);
    assert.equal(d!.day!.weight_g, 70_000);
    assert.equal(d!.day!.body_fat_pct, 20);
    assert.deepEqual(
      d!.weights.map((w) => [w.sample_pk, w.time_ms]),
      [
        ['1', 1_000],
        ['2', 2_000],
      ],
    );
  });

  test('a later range answer covering a day replaces what an earlier one said, even with nothing', () => {
    const early = weightRange('2026-02-20', '2026-03-10', [weighIn(1, 1_000, 71_000, null)]);
    const later = weightRange('2026-03-01', '2026-03-03', []);
    assert.equal(deriveHealth([D], new Map(), [early])[0]!.day!.weight_g, 71_000);
    assert.equal(deriveHealth([D], new Map(), [early, later])[0]!.day, null);
    assert.equal(deriveHealth([D], new Map(), [later, early])[0]!.day!.weight_g, 71_000);
  });
});
