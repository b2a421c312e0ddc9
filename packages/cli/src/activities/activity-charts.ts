import type { ActivityDetail, ActivityRecords, RecordField } from '@fitsync/api';
import { columnChart } from '../chart/column-chart.js';
import { type Point, type Span, spanOf } from '../chart/resample.js';
import { elapsedTicks } from '../chart/time-axis.js';
import { type LatLon, trackOutline } from '../chart/track-outline.js';
import type { ChartTarget } from '../health/chart-target.js';
import { formatDuration } from '../sync/format.js';
import { usesPace } from './activity-format.js';

/** The record fields the charts draw (asked for only when they hold values). */
export const CHART_FIELDS = ['time', 'heart_rate', 'speed_mps', 'lat', 'lon'] as const satisfies readonly RecordField[];

/** Paces slower than this (min/km × 60) are standing still, not a pace: left out so they do not flatten the chart. */
const SLOWEST_PACE_S = 20 * 60;
/** Rows of the track outline at most, and its share of the width in rows (about a square on screen). */
const TRACK_MAX_ROWS = 20;

/** The fields of CHART_FIELDS the activity has values for (`time` always). */
export function chartFields(a: ActivityDetail): RecordField[] {
  return CHART_FIELDS.filter((f) => f === 'time' || a.record_fields.includes(f));
}

function column(r: ActivityRecords, f: RecordField): (number | null)[] {
  const i = r.fields.indexOf(f);
  return r.points.map((p) => (i === -1 ? null : (p[i] ?? null)));
}

/** `[time, value]` points where both are numbers. */
function series(times: (number | null)[], values: (number | null)[], map: (v: number) => number | null = (v) => v): Point[] {
  const out: Point[] = [];
  times.forEach((t, i) => {
    const v = values[i];
    if (t === null || v === null || v === undefined) return;
    const m = map(v);
    if (m !== null && Number.isFinite(m)) out.push([t, m]);
  });
  return out;
}

/**
 * The charts of `activities show`: heart rate, then pace (sports on foot; drawn as negative
 * seconds per km so that faster is higher, labelled as m:ss) or speed (km/h), over one shared span
 * with an elapsed-time axis; then the track's outline, or a line saying there is none.
 */
export function activityCharts(a: ActivityDetail, r: ActivityRecords, t: ChartTarget): string[] {
  const lines: string[] = [];
  const times = column(r, 'time');
  const hr = series(times, column(r, 'heart_rate'));
  const pace = usesPace(a);
  const speed = series(times, column(r, 'speed_mps'), pace ? (v) => (v > 0 && 1000 / v <= SLOWEST_PACE_S ? -1000 / v : null) : (v) => v * 3.6);
  const spans = [spanOf(hr), spanOf(speed)].filter((s): s is Span => s !== undefined);
  if (spans.length > 0) {
    const span = { from: Math.min(...spans.map((s) => s.from)), to: Math.max(...spans.map((s) => s.to)) };
    const base = { width: t.width, span, style: t.style, ticks: elapsedTicks };
    if (hr.length > 0) lines.push('', 'Heart rate (bpm)', ...columnChart(hr, { ...base, height: 5, colour: 'red' }));
    if (speed.length > 0) {
      lines.push(
        '',
        pace ? 'Pace (min/km, faster is higher)' : 'Speed (km/h)',
        ...columnChart(speed, { ...base, height: 4, colour: 'cyan', ...(pace ? { formatValue: (v: number) => formatDuration(-v) } : {}) }),
      );
    }
  }
  const lat = column(r, 'lat');
  const lon = column(r, 'lon');
  const track: LatLon[] = [];
  lat.forEach((la, i) => {
    const lo = lon[i];
    if (la !== null && lo !== null && lo !== undefined) track.push([la, lo]);
  });
  lines.push('');
  if (track.length === 0) {
    lines.push(r.points.length === 0 ? 'No track: the activity has no records.' : 'No track: no positions were recorded (an indoor activity).');
    return lines;
  }
  const height = Math.min(TRACK_MAX_ROWS, Math.max(4, Math.round(t.width / 5)));
  lines.push('Track (north up)', ...trackOutline(track, { width: t.width, height, style: t.style, colour: 'green' }));
  return lines;
}
