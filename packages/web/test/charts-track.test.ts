import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LatLon, projectTrack } from '../src/charts/projection.js';

const box = { width: 400, height: 300, padding: 10 };

test('a track is fitted to the box with its aspect kept, north up', () => {
  // A square of 0.01° each way at 60° N: east–west it is half as wide as north–south (cos 60° = 0.5).
  const t = projectTrack(
    [
      [60, 10],
      [60, 10.01],
      [60.01, 10.01],
      [60.01, 10],
    ],
    box,
  )!;
  const xs = t.points.map((p) => p[0]);
  const ys = t.points.map((p) => p[1]);
  const w = Math.max(...xs) - Math.min(...xs);
  const h = Math.max(...ys) - Math.min(...ys);
  // Height is the binding side: 280 px; the width half of it (within cos's variation over 0.01°).
  assert.equal(h, 280);
  assert.ok(Math.abs(w - 140) < 0.2, String(w));
  // Centred horizontally.
  assert.ok(Math.abs(Math.min(...xs) - (400 - w) / 2) < 0.01);
  // North up: the first point (60° N) is below the third (60.01° N).
  assert.ok(t.points[0]![1] > t.points[2]![1]);
  assert.deepEqual(t.start, t.points[0]);
  assert.deepEqual(t.finish, t.points[3]);
});

test('at the equator a degree east is as long as a degree north', () => {
  const t = projectTrack(
    [
      [0, 0],
      [0, 0.02],
      [0.01, 0.02],
    ],
    { width: 300, height: 300, padding: 0 },
  )!;
  assert.deepEqual(t.points, [
    [0, 225],
    [300, 225],
    [300, 75],
  ]);
});

test('points without a position are skipped; none at all is no track', () => {
  const track: LatLon[] = [
    [null, null],
    [47.1, 8.5],
    [null, 8.6],
    [47.2, null],
    [47.2, 8.6],
    [Number.NaN, 8.6],
    [95, 8.6],
  ];
  assert.equal(projectTrack(track, box)!.points.length, 2);
  assert.equal(projectTrack([[null, null], [undefined, undefined]], box), null);
  assert.equal(projectTrack([], box), null);
});

test('one position is drawn in the middle', () => {
  const t = projectTrack([[47.1, 8.5]], box)!;
  assert.deepEqual(t.points, [[200, 150]]);
  assert.deepEqual(t.start, t.finish);
});

test('a track across the antimeridian stays in one piece', () => {
  const t = projectTrack(
    [
      [-17, 179.99],
      [-17, -179.99],
    ],
    box,
  )!;
  const w = Math.abs(t.points[1]![0] - t.points[0]![0]);
  // 0.02° apart, the full inner width — not 359.98° apart squeezed into one side.
  assert.equal(w, 380);
  assert.ok(t.points[1]![0] > t.points[0]![0], 'east stays east');
});

test('points closer than minStep are merged, the finish is always kept', () => {
  const track: LatLon[] = Array.from({ length: 5001 }, (_, i) => [46 + i * 1e-6, 7] as const);
  const t = projectTrack(track, { ...box, minStep: 1 })!;
  assert.ok(t.points.length <= 282, String(t.points.length));
  assert.deepEqual(t.points[t.points.length - 1], t.finish);
  assert.deepEqual(t.finish, [200, 10]);
  assert.deepEqual(t.start, [200, 290]);
});
