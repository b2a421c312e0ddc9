import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActivityDetail, ActivityRecords, Lap } from '@fitsync/api';
import { activityCharts, chartFields } from '../../src/activities/activity-charts.js';
import { lapColumns, lapRow, paceText, summary, usesPace } from '../../src/activities/activity-format.js';
import type { ChartStyle } from '../../src/chart/chart-style.js';
import { elapsedLabel, elapsedTicks } from '../../src/chart/time-axis.js';
import { type LatLon, trackOutline } from '../../src/chart/track-outline.js';
import { activityDetail, records } from '../helpers/activity-data.js';
import { screenLines, widest } from '../helpers/screen.js';

const PLAIN: ChartStyle = { ascii: false, color: false };
const ASCII: ChartStyle = { ascii: true, color: false };
const detail = (over: Record<string, unknown> = {}) => activityDetail('1', over) as unknown as ActivityDetail;
const recs = (o: { indoor?: boolean } = {}) => records(chartFields(detail()), 300, o) as ActivityRecords;

/** The dots set in a Braille line, as [column, row] pairs of the 2 × 4 grid per cell. */
function brailleDots(lines: string[]): [number, number][] {
  const bits = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];
  const dots: [number, number][] = [];
  lines.forEach((line, r) => {
    Array.from(line).forEach((ch, c) => {
      const v = (ch.codePointAt(0) as number) - 0x2800;
      if (ch === ' ') return;
      assert.ok(v >= 0 && v <= 0xff, `not Braille: ${ch}`);
      bits.forEach((row, y) => {
        row.forEach((b, x) => {
          if (v & b) dots.push([c * 2 + x, r * 4 + y]);
        });
      });
    });
  });
  return dots;
}

describe('track outline', () => {
  test('a square keeps its shape: as many dots across as down, fitted to the height', () => {
    // A square of about 1.1 km at 60° N: 0.01° of latitude, 0.02° of longitude (cos 60° = 0.5).
    const sq: LatLon[] = [[60, 10], [60.01, 10], [60.01, 10.02], [60, 10.02], [60, 10]];
    const lines = trackOutline(sq, { width: 80, height: 10, style: PLAIN });
    const dots = brailleDots(lines);
    const xs = dots.map((d) => d[0]);
    const ys = dots.map((d) => d[1]);
    assert.equal(Math.max(...ys) - Math.min(...ys), 39, 'the height is used: 10 rows × 4 dots');
    assert.ok(Math.abs(Math.max(...xs) - Math.min(...xs) - 39) <= 1, `as wide as tall: ${Math.max(...xs)}`);
    assert.ok(widest(lines.join('\n')) <= 80);
    // The outline only: the middle of the square is empty.
    assert.ok(!dots.some(([x, y]) => x > 5 && x < 34 && y > 5 && y < 34), 'no dot inside');
  });

  test('north is up and east is right: a track going north-east rises to the right', () => {
    const lines = trackOutline([[50, 8], [50.01, 8.0155]], { width: 40, height: 8, style: PLAIN });
    const dots = brailleDots(lines);
    const left = dots.reduce((a, b) => (b[0] < a[0] ? b : a));
    const right = dots.reduce((a, b) => (b[0] > a[0] ? b : a));
    assert.ok(left[1] > right[1], 'the east end is higher on screen');
  });

  test('a wide track uses the width and fewer rows; never wider than asked', () => {
    const wide: LatLon[] = [[0, 0], [0.001, 0.5]];
    for (const width of [20, 80, 120]) {
      const lines = trackOutline(wide, { width, height: 20, style: PLAIN });
      assert.equal(widest(lines.join('\n')), width);
      assert.ok(lines.length < 5, `${lines.length} rows`);
    }
  });

  test('--ascii: only printable ASCII, upper and lower halves per cell', () => {
    const loop = (recs().points as number[][]).map((p) => [p[3], p[4]] as LatLon);
    const lines = trackOutline(loop, { width: 60, height: 12, style: ASCII });
    assert.match(lines.join('\n'), /^[ '.:\n]+$/);
    assert.equal(lines.length, 12);
    assert.ok(widest(lines.join('\n')) <= 60);
  });

  test('no positions: nothing; one position or one place: a single dot; bad values are skipped', () => {
    assert.deepEqual(trackOutline([], { width: 80, height: 10, style: PLAIN }), []);
    assert.deepEqual(trackOutline([[52, 13], [52, 13]], { width: 80, height: 10, style: PLAIN }), ['⠁']);
    assert.deepEqual(trackOutline([[Number.NaN, 1], [95, 1], [52, 13]], { width: 80, height: 10, style: ASCII }), ["'"]);
  });

  test('across the antimeridian the track stays small', () => {
    const lines = trackOutline([[-17, 179.999], [-17.001, -179.999]], { width: 80, height: 10, style: PLAIN });
    assert.ok(lines.length <= 10 && widest(lines.join('\n')) <= 80);
    assert.ok(brailleDots(lines).length < 100, 'a short line, not one across the world');
  });
});

describe('activity charts and format', () => {
  test('elapsed ticks: minutes then hours, labels fit the columns', () => {
    assert.deepEqual([0, 45, 60, 90, 150].map((m) => elapsedLabel(m * 60_000)), ['0', '45m', '1h', '1h30', '2h30']);
    const span = { from: 0, to: 25 * 60_000 };
    assert.deepEqual(elapsedTicks(span, 80).map((t) => t.label), ['0', '5m', '10m', '15m', '20m']);
    assert.deepEqual(elapsedTicks(span, 20).map((t) => t.label), ['0', '15m']);
    assert.deepEqual(elapsedTicks({ from: 0, to: 5 * 3_600_000 }, 80).map((t) => t.label), ['0', '30m', '1h', '1h30', '2h', '2h30', '3h', '3h30', '4h', '4h30']);
  });

  test('pace on foot, speed otherwise; pace text m:ss per km', () => {
    assert.equal(usesPace(detail()), true);
    assert.equal(usesPace(detail({ sport: 'cycling', activity_type: 'road_biking' })), false);
    assert.equal(usesPace(detail({ sport: null, activity_type: 'hiking' })), true);
    assert.equal(paceText(1000 / 304), '5:04');
    assert.equal(paceText(0), null);
  });

  test('summary: local and UTC start, pace, device; the decode error when there is one', () => {
    process.env.TZ = 'UTC';
    const s = summary(detail());
    assert.equal(s.Start, '2026-05-30 06:15 (2026-05-30 06:15:00Z)');
    assert.equal(s['Avg pace'], '5:05 /km');
    assert.equal(s.Device, 'garmin fr945 (software 12.1)');
    assert.equal(s.Type, 'running');
    assert.equal(summary(detail({ activity_type: 'trail_running', sub_sport: 'trail' })).Type, 'trail_running (running, trail)');
    assert.equal('Decode error' in s, false);
    const bad = summary(detail({ decode_error: 'not a FIT file', sport: null, device: null, laps: [], record_count: null }));
    assert.equal(bad['Decode error'], 'not a FIT file');
    assert.equal(bad.Device, null);
    const ride = summary(detail({ sport: 'cycling', activity_type: 'cycling', distance_m: 30_000, duration_s: 3600 }));
    assert.equal(ride['Avg speed'], '30.0 km/h');
  });

  test('laps: time since the start, pace or km/h column', () => {
    const lap = (detail().laps as Lap[])[1] as Lap;
    assert.deepEqual(lapRow(lap, detail().start_time), {
      lap: 2, start: '5:00', time: '4:57', km: '1.00', pace: '4:57', speed: '12.1', avg_hr: 144, max_hr: 155, ascent: 12, calories: 70,
    });
    assert.equal(lapColumns(true)[4]?.key, 'pace');
    assert.equal(lapColumns(false)[4]?.key, 'speed');
  });

  for (const width of [40, 80, 120]) {
    test(`charts at ${width} columns: heart rate, pace and the track, no line wider`, () => {
      const lines = activityCharts(detail(), recs(), { width, style: PLAIN });
      const text = lines.join('\n');
      assert.ok(lines.includes('Heart rate (bpm)') && lines.includes('Pace (min/km, faster is higher)') && lines.includes('Track (north up)'), text);
      assert.equal(widest(text), width, text);
      // Pace labels: the fastest (3:13 /km at 4 m/s… here 1000/4 = 4:10) on top, the slowest below.
      const pace = lines.indexOf('Pace (min/km, faster is higher)');
      assert.match(lines[pace + 1] as string, /^\d:\d\d ┤/);
      const top = (lines[pace + 1] as string).split(' ')[0] as string;
      const bottom = (lines[pace + 4] as string).trim().split(' ')[0] as string;
      assert.ok(top < bottom, `faster on top: ${top} vs ${bottom}`);
      assert.match(lines[pace + 5] as string, /^ +0 +\S+m/, 'elapsed-time axis');
      assert.ok(brailleDots(screenLines(lines.slice(lines.indexOf('Track (north up)') + 1).join('\n'))).length > 50);
    });
  }

  test('indoor: charts but a line instead of the track; cycling: speed in km/h', () => {
    const indoor = activityCharts(detail({ record_fields: ['time', 'heart_rate', 'speed_mps'] }), recs({ indoor: true }), { width: 80, style: ASCII });
    assert.ok(indoor.includes('No track: no positions were recorded (an indoor activity).'));
    assert.ok(!indoor.includes('Track (north up)'));
    assert.match(indoor.join('\n'), /^[\x20-\x7e\n]*$/, 'ASCII only');
    const ride = activityCharts(detail({ sport: 'cycling', activity_type: 'cycling' }), recs(), { width: 80, style: PLAIN });
    assert.ok(ride.includes('Speed (km/h)'));
    assert.match(ride[ride.indexOf('Speed (km/h)') + 1] as string, /^14 ┤/, 'the top speed: 4 m/s = 14.4 km/h');
  });
});
