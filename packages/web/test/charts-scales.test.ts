import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DURATION_STEPS, linearScale, niceAxis, niceStep, PACE_STEPS, steppedAxis } from '../src/charts/scales.js';

test('linearScale maps the domain onto the range, inverted ranges included', () => {
  const s = linearScale(40, 200, 0, 320);
  assert.equal(s(40), 0);
  assert.equal(s(200), 320);
  assert.equal(s(120), 160);
  // SVG's y grows downward: the top of the axis is the small pixel value.
  const y = linearScale(0, 10, 200, 0);
  assert.equal(y(0), 200);
  assert.equal(y(10), 0);
  assert.equal(y(2.5), 150);
});

test('a zero-width domain maps to the middle of the range, never NaN', () => {
  const s = linearScale(72, 72, 10, 110);
  assert.equal(s(72), 60);
  assert.equal(s(80), 60);
});

test('niceStep picks 1, 2, 2.5 or 5 × 10^k', () => {
  assert.equal(niceStep(100, 5), 20);
  assert.equal(niceStep(17, 5), 5);
  assert.equal(niceStep(12_345, 5), 2500);
  assert.equal(niceStep(0.7, 5), 0.2);
  assert.equal(niceStep(10, 10), 1);
  assert.equal(niceStep(0, 5), 1);
});

test('niceAxis widens to whole steps and lists every tick', () => {
  assert.deepEqual(niceAxis(48, 63, 5), { min: 45, max: 65, ticks: [45, 50, 55, 60, 65] });
  assert.deepEqual(niceAxis(3210, 14_870, 5, true), { min: 0, max: 15_000, ticks: [0, 5000, 10_000, 15_000] });
  // Decimals come out as written, not 0.30000000000000004.
  assert.deepEqual(niceAxis(0.1, 0.7, 6).ticks, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  // Negative values (a pace drawn upside down, a temperature) work the same way.
  assert.deepEqual(niceAxis(-7, 12, 4), { min: -10, max: 15, ticks: [-10, -5, 0, 5, 10, 15] });
});

test('niceAxis gives a single value a band around it', () => {
  const a = niceAxis(54, 54, 5);
  assert.ok(a.min < 54 && a.max > 54, JSON.stringify(a));
  const z = niceAxis(0, 0, 5, true);
  assert.equal(z.min, 0);
  assert.ok(z.max > 0);
});

test('steppedAxis uses whole minutes for durations and seconds for paces', () => {
  // A 47-minute run: ticks every 10 minutes.
  assert.deepEqual(steppedAxis(0, 47 * 60, DURATION_STEPS, 6).ticks, [0, 600, 1200, 1800, 2400, 3000]);
  // A 5-hour ride: hourly ticks.
  assert.deepEqual(steppedAxis(0, 5 * 3600, DURATION_STEPS, 6).ticks, [0, 3600, 7200, 10_800, 14_400, 18_000]);
  // Paces between 4:38 and 6:12 per km: 30-second ticks from 4:30 to 6:30.
  assert.deepEqual(steppedAxis(278, 372, PACE_STEPS, 5).ticks, [270, 300, 330, 360, 390]);
  // Past the list: multiples of its last step (a 3-day expedition).
  const long = steppedAxis(0, 72 * 3600, DURATION_STEPS, 6);
  assert.ok(long.ticks.length <= 7, String(long.ticks));
  assert.equal(long.ticks[1]! % 21_600, 0);
});
