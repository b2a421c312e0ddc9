import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesPerPoint, decodeSeries, encodeSeries, type SeriesPoint } from '../src/health/series-codec.js';

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);

function regular(n: number, stepMs: number, value: (i: number) => number): SeriesPoint[] {
  return Array.from({ length: n }, (_, i) => [T0 + i * stepMs, value(i)] as SeriesPoint);
}

describe('series codec', () => {
  const cases: [string, SeriesPoint[]][] = [
    ['empty', []],
    ['one point', [[T0, 61]]],
    ['heart rate every 2 min', regular(720, 120_000, (i) => 55 + ((i * 7) % 40))],
    ['respiration with one decimal', regular(300, 120_000, (i) => 12 + (i % 9) / 10)],
    ['fractional values of mixed precision', [[T0, 0.1], [T0 + 60_000, 14.25], [T0 + 120_000, 3.125], [T0 + 180_000, 99.999999]]],
    ['irregular times, jumps back in value', [[T0, 100], [T0 + 1, 0], [T0 + 900_000, 5000], [T0 + 900_001, 3]]],
    ['values beyond 6 decimals fall back to raw floats', [[T0, Math.PI], [T0 + 60_000, 1 / 3]]],
    ['non-integer times fall back to raw floats', [[T0 + 0.5, 1], [T0 + 60_000.25, 2]]],
    ['negative and zero values', [[T0, -2], [T0 + 60_000, 0], [T0 + 120_000, -1]]],
  ];
  for (const [name, points] of cases) {
    test(`round trip is exact: ${name}`, () => {
      const back = decodeSeries(encodeSeries(points));
      assert.deepEqual(back, points);
      for (let i = 0; i < points.length; i++) assert.ok(Object.is(back[i]![1], points[i]![1]) || points[i]![1] === 0);
    });
  }

  test('regular integer series cost about 2 bytes a point', () => {
    const hr = regular(720, 120_000, (i) => 60 + (i % 5));
    const bpp = bytesPerPoint(hr);
    assert.ok(bpp < 2.2, `heart rate: ${bpp} bytes per point`);
    assert.ok(bytesPerPoint(regular(300, 120_000, (i) => 12 + (i % 9) / 10)) < 2.2);
    assert.equal(bytesPerPoint([]), 0);
  });

  test('truncated or foreign bytes are refused, not misread', () => {
    const bytes = encodeSeries(regular(10, 60_000, (i) => i));
    assert.throws(() => decodeSeries(bytes.subarray(0, bytes.length - 1)), /truncated/);
    assert.throws(() => decodeSeries(Buffer.concat([bytes, Buffer.from([0])])), /trailing/);
    assert.throws(() => decodeSeries(Buffer.from([9, 0, 0, 0])), /version/);
  });
});
