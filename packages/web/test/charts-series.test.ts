import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linearScale } from '../src/charts/scales.js';
import { breakGaps, downsample, extentOf, isolatedPoints, linePath, type Point, paceOf, quantileExtent, smooth, windowMeans } from '../src/charts/series.js';

test('pace is 1000 / speed in seconds per km; standing still is no pace', () => {
  assert.equal(paceOf(4), 250); // 4:10 /km
  assert.equal(paceOf(2.5), 400);
  assert.equal(Math.round(paceOf(1000 / 1200)!), 1200); // exactly 20:00 /km is still a pace
  assert.equal(paceOf(0.5), null); // 33:20 /km: standing still
  assert.equal(paceOf(0), null);
  assert.equal(paceOf(null), null);
  assert.equal(paceOf(-1), null);
});

test('extentOf skips gaps and copes with more points than a call may take arguments', () => {
  assert.deepEqual(extentOf([[0, 120], [1, null], [2, 95], [3, 171]]), [95, 171]);
  assert.equal(extentOf([[0, null]]), null);
  const many: Point[] = Array.from({ length: 300_000 }, (_, i) => [i, i % 1000]);
  assert.deepEqual(extentOf(many), [0, 999]);
});

test('breakGaps inserts a gap where the recording paused', () => {
  const pts: Point[] = [[0, 100], [1, 101], [2, 102], [62, 99], [63, 98]];
  assert.deepEqual(breakGaps(pts, 10), [[0, 100], [1, 101], [2, 102], [32, null], [62, 99], [63, 98]]);
  assert.deepEqual(breakGaps(pts, 100), pts);
});

test('downsample keeps each bucket\'s low and high, in order, and the gaps', () => {
  // 10 000 one-second heart-rate samples with one spike and one dropout.
  const pts: Point[] = Array.from({ length: 10_000 }, (_, i) => [i, 140 + (i % 7)]);
  pts[4321] = [4321, 199];
  for (let i = 7000; i < 7100; i++) pts[i] = [i, null];
  const out = downsample(pts, 500);
  assert.ok(out.length <= 3 * 500, String(out.length));
  assert.ok(out.length >= 500, String(out.length));
  // The spike and the floor survive.
  assert.deepEqual(extentOf(out), [140, 199]);
  assert.ok(out.some((p) => p[0] === 4321 && p[1] === 199));
  // The dropout is still a break.
  assert.ok(out.some((p) => p[1] === null && p[0] >= 7000 && p[0] < 7100));
  // x stays in order, first and last kept.
  for (let i = 1; i < out.length; i++) assert.ok(out[i]![0] > out[i - 1]![0], `order at ${i}`);
  assert.equal(out[0]![0], 0);
  assert.equal(out[out.length - 1]![0], 9999);
});

test('downsample leaves a short series alone', () => {
  const pts: Point[] = [[0, 1], [1, null], [2, 3]];
  assert.deepEqual(downsample(pts, 500), pts);
});

test('linePath moves to a new start after every gap and clips to the axis', () => {
  const sx = linearScale(0, 4, 0, 400);
  const sy = linearScale(0, 100, 100, 0);
  const pts: Point[] = [[0, 50], [1, 60], [2, null], [3, 250], [4, 0]];
  assert.equal(linePath(pts, sx, sy, 0, 100), 'M0 50L100 40 M300 0L400 100');
  assert.equal(linePath([[0, null]], sx, sy), '');
});

test('isolatedPoints finds the values a line cannot show', () => {
  const pts: Point[] = [[0, 70.2], [1, null], [2, 70.4], [3, 70.1], [4, null], [5, 69.8]];
  assert.deepEqual(isolatedPoints(pts), [[0, 70.2], [5, 69.8]]);
});

test('windowMeans averages per window and leaves empty windows out', () => {
  const pts: Point[] = [[0, 100], [30, 110], [59, 120], [60, null], [150, 130], [179, 140]];
  assert.deepEqual(windowMeans(pts, 60), [
    { from: 0, mean: 110 },
    { from: 120, mean: 135 },
  ]);
  assert.deepEqual(windowMeans([], 60), []);
});

test('smooth averages over a window either side and never across a gap', () => {
  const pts: Point[] = [[0, 10], [1, 20], [2, 30], [3, null], [4, 100], [5, 200]];
  assert.deepEqual(smooth(pts, 1), [[0, 15], [1, 20], [2, 25], [3, null], [4, 150], [5, 150]]);
  // Uneven spacing: the window is on x, not on the count of points.
  assert.deepEqual(smooth([[0, 1], [10, 3], [11, 5]], 2), [[0, 1], [10, 4], [11, 4]]);
  assert.deepEqual(smooth([], 5), []);
  assert.deepEqual(smooth([[0, null]], 5), [[0, null]]);
});

test('quantileExtent leaves the rarest extremes out of the range', () => {
  // 100 paces of 4:30 to 5:09 per km and a slow start of 10:00: the range ignores the start.
  const pts: Point[] = [[0, 600], ...Array.from({ length: 100 }, (_, i): Point => [i + 1, 270 + (i % 40)]), [101, null]];
  assert.deepEqual(quantileExtent(pts, 0.02), [270, 309]);
  assert.deepEqual(quantileExtent(pts, 0), [270, 600]);
  assert.equal(quantileExtent([[0, null]], 0.02), null);
});
