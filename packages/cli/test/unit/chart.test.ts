import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChartStyle } from '../../src/chart/chart-style.js';
import { columnChart } from '../../src/chart/column-chart.js';
import { type Point, resample } from '../../src/chart/resample.js';
import { stageStrip } from '../../src/chart/stage-strip.js';
import { axisLine, dayTicks, hourTicks } from '../../src/chart/time-axis.js';
import { widest } from '../helpers/screen.js';

const T0 = Date.UTC(2026, 2, 14);
const MIN = 60_000;
const utc = () => 0;
const hourTicksUtc = (s: { from: number; to: number }, c: number) => hourTicks(s, c, utc);
/** A day of heart rate every 2 minutes, with a gap of 3 hours (the watch was off). */
const HR: Point[] = Array.from({ length: 720 }, (_, i) => [T0 + i * 2 * MIN, 55 + ((i * 37) % 60)] as Point).filter(
  ([t]) => t < T0 + 10 * 60 * MIN || t >= T0 + 13 * 60 * MIN,
);
const STAGES: Point[] = [
  [T0 - 60 * MIN, 1],
  [T0, 0],
  [T0 + 90 * MIN, 1],
  [T0 + 200 * MIN, 2],
  [T0 + 260 * MIN, 3],
  [T0 + 265 * MIN, 1],
];
const NIGHT = { from: T0 - 60 * MIN, to: T0 + 420 * MIN };
const DAYS: Point[] = Array.from({ length: 400 }, (_, i) => [T0 + i * 86_400_000, 40 + (i % 13)] as Point);

const STYLES: Record<string, ChartStyle> = { colour: { ascii: false, color: true }, plain: { ascii: false, color: false }, ascii: { ascii: true, color: false } };

function allCharts(width: number, style: ChartStyle): string[] {
  return [
    ...columnChart(HR, { width, height: 5, style, colour: 'red', ticks: hourTicksUtc }),
    ...columnChart(DAYS, { width, height: 8, style, colour: 'cyan', ticks: dayTicks }),
    ...columnChart(DAYS.slice(0, 3), { width, height: 4, style, ticks: dayTicks }),
    ...stageStrip(STAGES, { width, span: NIGHT, style, ticks: hourTicksUtc }),
  ];
}

describe('terminal charts', () => {
  test('no line is wider than the width, for every width from 20 to 200 and every style', () => {
    for (const [name, style] of Object.entries(STYLES)) {
      for (let width = 20; width <= 200; width++) {
        for (const line of allCharts(width, style)) assert.ok(widest(line) <= width, `${name} at ${width}: ${widest(line)} columns: ${JSON.stringify(line)}`);
      }
    }
  });

  test('the charts use the width they are given (not a fixed size)', () => {
    const at = (w: number) => Math.max(...columnChart(HR, { width: w, height: 3, style: STYLES.plain as ChartStyle }).map(widest));
    assert.ok(at(120) > at(80) && at(80) > 70, 'wider terminal, wider chart');
    assert.equal(widest(stageStrip(STAGES, { width: 97, span: NIGHT, style: STYLES.plain as ChartStyle })[0] as string), 97);
  });

  test('--ascii: printable ASCII only, no escape codes, even with colour asked for', () => {
    for (const width of [20, 80, 133]) {
      const text = allCharts(width, { ascii: true, color: true }).join('\n');
      assert.match(text, /^[\x20-\x7e\n]*$/, text);
      assert.match(text, /#/, 'bars are drawn');
    }
  });

  test('without colour (NO_COLOR): no escape codes but Unicode blocks; with colour: SGR codes', () => {
    const plain = allCharts(80, STYLES.plain as ChartStyle).join('\n');
    assert.ok(!plain.includes('\u001b'), 'no escape code');
    assert.match(plain, /[█▓▒░▁▂▃▄▅▆▇]/);
    const coloured = allCharts(80, STYLES.colour as ChartStyle).join('\n');
    assert.match(coloured, /\u001b\[31m/, 'heart rate in red');
    assert.match(coloured, /\u001b\[34m█/, 'deep sleep in blue');
  });

  test('empty, one-point and all-equal series', () => {
    const style = STYLES.plain as ChartStyle;
    assert.deepEqual(columnChart([], { width: 40, height: 4, style }), ['no data']);
    assert.deepEqual(columnChart([], { width: 5, height: 4, style }), ['no da']);
    assert.deepEqual(stageStrip([], { width: 40, span: NIGHT, style }), ['no data']);
    const one = columnChart([[T0, 61]], { width: 40, height: 2, style });
    assert.equal(one.length, 2);
    assert.equal(one[0], '   │');
    assert.equal(one[1], `61 ┤${'█'.repeat(36)}`, 'the one reading fills the width');
    const flat = columnChart(
      Array.from({ length: 50 }, (_, i) => [T0 + i * MIN, 7] as Point),
      { width: 40, height: 2, style },
    );
    // All equal: half height (row 2 empty, row 1 full) and one label, not a division by zero.
    assert.equal(flat[0], '  │');
    assert.equal(flat[1], `7 ┤${'█'.repeat(37)}`);
  });

  test('levels: the minimum is the lowest bar, the maximum the full height', () => {
    const lines = columnChart(
      [
        [T0, 10],
        [T0 + MIN, 20],
      ],
      { width: 12, height: 2, style: STYLES.plain as ChartStyle },
    );
    assert.deepEqual(lines, ['20 ┤    ████', '10 ┤▁▁▁▁████']);
  });

  test('a gap in the readings stays empty; sparse readings are stretched', () => {
    const cols = resample(HR, { from: T0, to: T0 + 24 * 60 * MIN }, 24);
    assert.deepEqual(cols.slice(10, 13), [null, null, null], 'no reading from 10:00 to 13:00');
    assert.ok(cols.slice(0, 10).every((v) => v !== null));
    assert.deepEqual(resample([[0, 1], [10, 2]], { from: 0, to: 20 }, 4), [1, 1, 2, 2]);
    // One day missing among daily values is a gap of its own.
    assert.deepEqual(resample([[0, 1], [10, 1], [30, 3]], { from: 0, to: 40 }, 4), [1, 1, null, 3]);
  });

  test('the sleep strip: stages in order, the last one lasting to the end of sleep, with a legend', () => {
    const lines = stageStrip(STAGES, { width: 48, span: NIGHT, style: STYLES.ascii as ChartStyle, ticks: hourTicksUtc });
    // 480 minutes over 48 columns: 10 minutes a column.
    assert.equal(lines[0], `${'='.repeat(6)}${'#'.repeat(9)}${'='.repeat(11)}${'~'.repeat(6)}.${'='.repeat(15)}`);
    assert.equal(lines[1], lines[0]);
    assert.equal(lines[2], '23:00 00:00 01:00 02:00 03:00 04:00 05:00 06:00');
    assert.equal(lines[3], '# deep  = light  ~ REM  . awake');
    const unknown = stageStrip([[T0, 9]], { width: 10, span: { from: T0, to: T0 + 10 }, style: STYLES.plain as ChartStyle });
    assert.equal(unknown[0], ' '.repeat(10), 'a value that is no stage is a gap');
  });

  test('time axes: whole hours on the given clock, labels never overlap', () => {
    const span = { from: T0, to: T0 + 24 * 60 * MIN };
    assert.equal(axisLine(span, 96, hourTicks(span, 96, utc)), '00:00 02:00 04:00 06:00 08:00 10:00 12:00 14:00 16:00 18:00 20:00 22:00'.replace(/ /g, () => ' '.repeat(3)));
    assert.equal(axisLine(span, 24, hourTicks(span, 24, utc)), '00:00 06:00 12:00 18:00');
    const plus90 = hourTicks(span, 24, () => 90 * MIN);
    assert.equal(plus90[0]?.label, '06:00', 'a +01:30 clock: first whole 6 h is 06:00 local');
    assert.equal(plus90[0]?.at, T0 + 270 * MIN);
    const days = { from: T0, to: T0 + 10 * 86_400_000 };
    assert.equal(axisLine(days, 60, dayTicks(days, 60)), '2026-03-14  2026-03-16  2026-03-18  2026-03-20  2026-03-22');
    assert.match(axisLine(days, 20, dayTicks(days, 20)), /^03-14 +03-\d\d/, 'short dates when full ones do not fit');
  });
});
