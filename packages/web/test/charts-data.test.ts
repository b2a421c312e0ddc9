import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthDay, WeightEntry } from '@fitsync/api';
import { activitySeries } from '../src/charts/activity-series.js';
import { clock, dayAxis, elapsedAxis, paceAxis, valueAxis } from '../src/charts/axes.js';
import { HEALTH_METRICS, metricByDay, metricOf, periodOf, periodRange, secondByDay, usesWeighIns } from '../src/charts/health-metrics.js';

test('clock writes m:ss, and h:mm:ss from an hour', () => {
  assert.equal(clock(0), '0:00');
  assert.equal(clock(59.6), '1:00');
  assert.equal(clock(305), '5:05');
  assert.equal(clock(2700), '45:00');
  assert.equal(clock(5400), '1:30:00');
  assert.equal(clock(-65), '-1:05');
});

test('axes label their ticks', () => {
  const e = elapsedAxis(47 * 60 + 12);
  assert.equal(e.min, 0);
  assert.equal(e.max, 2832);
  // Ticks never pass the end of the activity.
  assert.deepEqual(e.ticks.map((t) => t.label), ['0:00', '10:00', '20:00', '30:00', '40:00']);
  const p = paceAxis(278, 372);
  assert.deepEqual(p.ticks.map((t) => t.label), ['4:30', '5:00', '5:30', '6:00', '6:30']);
  const v = valueAxis(98, 181, { format: String });
  assert.deepEqual(v.ticks.map((t) => t.label), ['80', '100', '120', '140', '160', '180', '200']);
  const d = dayAxis('2026-11-07', 30);
  assert.equal(d.max, 29);
  assert.equal(d.ticks[0]!.label, 'Nov 7');
});

test('activitySeries: elapsed seconds, heart rate, pace, positions, gaps at pauses', () => {
  const t0 = Date.UTC(2026, 4, 30, 6, 15);
  const fields = ['time', 'lat', 'lon', 'heart_rate', 'speed_mps'];
  // Records 25 s apart, so the ±10 s speed smoothing sees one record at a time here.
  const points: (number | null)[][] = [
    [t0, 47.1, 8.5, 120, 3.2],
    [t0 + 25_000, 47.1001, 8.5001, 0, 3.5], // 0 bpm: no strap contact
    [t0 + 50_000, null, null, 131, 0.2], // no fix; 0.2 m/s is standing still
    [t0 + 340_000, 47.1002, 8.5002, 140, 4], // after a 290 s pause
  ];
  const s = activitySeries({ fields, points });
  assert.equal(s.elapsed, 340);
  assert.deepEqual(s.heartRate, [[0, 120], [25, null], [50, 131], [195, null], [340, 140]]);
  assert.deepEqual(s.pace, [[0, 312.5], [25, 1000 / 3.5], [50, null], [195, null], [340, 250]]);
  assert.equal(s.positions.length, 4);
  assert.deepEqual(s.positions[2], [null, null]);
  assert.ok(s.hasHeartRate && s.hasPace && s.hasTrack);
});

test('pace comes from the speed averaged over ±10 s, not from each jittery second', () => {
  const t0 = Date.UTC(2026, 4, 30, 6, 15);
  // GPS speed alternating 2.5 and 5 m/s every second: 6:40 and 3:20 /km.
  const points = Array.from({ length: 61 }, (_, i) => [t0 + i * 1000, i % 2 === 0 ? 2.5 : 5]);
  const s = activitySeries({ fields: ['time', 'speed_mps'], points });
  const mid = s.pace.find(([x]) => x === 30)!;
  // 21 samples around 0:30 (11 × 2.5, 10 × 5): about 3.69 m/s, 4:31 /km — not 6:40 or 3:20.
  assert.ok(Math.abs(mid[1]! - 1000 / ((11 * 2.5 + 10 * 5) / 21)) < 1e-9, String(mid[1]));
});

test('activitySeries reads columns by name and says what is missing', () => {
  // An indoor ride without a strap: no positions, no heart rate.
  const s = activitySeries({ fields: ['speed_mps', 'time'], points: [[5, 1000], [6, 2000]] });
  assert.equal(s.hasHeartRate, false);
  assert.equal(s.hasTrack, false);
  assert.deepEqual(s.heartRate, []);
  // 5 and 6 m/s one second apart: averaged (±10 s) to 5.5 m/s.
  assert.deepEqual(s.pace, [[0, 1000 / 5.5], [1, 1000 / 5.5]]);
  const none = activitySeries({ fields: ['time'], points: [] });
  assert.equal(none.elapsed, 0);
  assert.equal(none.hasPace, false);
});

function day(date: string, v: Partial<HealthDay>): HealthDay {
  return { date, ...v } as HealthDay;
}

test('health metrics: a value per day, gaps where there is none', () => {
  const range = periodRange('2026-12-06', 30);
  assert.deepEqual(range, { since: '2026-11-07', until: '2026-12-06' });
  const days = [day('2026-11-07', { resting_hr: 52, sleep_s: 27_000 }), day('2026-12-05', { resting_hr: 49, sleep_s: null })];
  const rhr = metricByDay(metricOf('resting_hr'), range, { days });
  assert.equal(rhr.length, 30);
  assert.deepEqual(rhr[0], { day: '2026-11-07', value: 52 });
  assert.equal(rhr[1]!.value, null);
  assert.deepEqual(rhr[28], { day: '2026-12-05', value: 49 });
  const sleep = metricByDay(metricOf('sleep'), range, { days });
  assert.equal(sleep[0]!.value, 7.5); // hours
  assert.equal(sleep[28]!.value, null);
});

test('weight: the last weigh-in of a day, in kg', () => {
  const w = (time: string, grams: number) => ({ time, date: time.slice(0, 10), weight_g: grams }) as WeightEntry;
  const m = metricOf('weight');
  assert.ok(usesWeighIns(m));
  const byDay = metricByDay(m, { since: '2026-12-01', until: '2026-12-03' }, {
    weights: [w('2026-12-01T06:30:00Z', 72_400), w('2026-12-01T21:00:00Z', 73_100), w('2026-12-03T07:00:00Z', 72_000)],
  });
  assert.deepEqual(byDay.map((d) => d.value), [73.1, null, 72]);
});

test('metric and period come from the address, with defaults for anything else', () => {
  assert.equal(metricOf('steps').label, 'Steps');
  assert.equal(metricOf('nonsense').label, 'Resting heart rate');
  assert.equal(metricOf(null).key, 'resting_hr');
  assert.equal(periodOf('365').label, '1 year');
  assert.equal(periodOf('7').days, 30);
  // The labels docs/web.md names are all there, once each.
  const labels = HEALTH_METRICS.map((m) => m.label);
  for (const l of ['Resting heart rate', 'Steps', 'Sleep', 'HRV', 'Stress', 'Body battery', 'Weight']) assert.ok(labels.includes(l), l);
  assert.equal(new Set(labels).size, labels.length);
  assert.equal(new Set(HEALTH_METRICS.map((m) => m.key)).size, HEALTH_METRICS.length);
});

test('body battery has a second line, the day\'s lowest; other metrics have none', () => {
  const range = { since: '2026-12-04', until: '2026-12-06' };
  const days = [day('2026-12-04', { body_battery_high: 100, body_battery_low: 12 }), day('2026-12-06', { body_battery_high: 88, body_battery_low: null })];
  const bb = metricOf('body_battery');
  assert.deepEqual(metricByDay(bb, range, { days }).map((d) => d.value), [100, null, 88]);
  assert.deepEqual(secondByDay(bb, range, { days }).map((d) => d.value), [12, null, null]);
  assert.deepEqual(secondByDay(metricOf('steps'), range, { days }), []);
});
