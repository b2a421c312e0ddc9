import type { HealthDay, HealthSeries } from '@fitsync/api';
import type { ChartColour } from '../chart/chart-style.js';
import { columnChart } from '../chart/column-chart.js';
import { type Point, type Span, spanOf } from '../chart/resample.js';
import { stageStrip } from '../chart/stage-strip.js';
import { hourTicks } from '../chart/time-axis.js';
import type { ChartTarget } from './chart-target.js';
import { clock } from './health-format.js';

/** The series `health show` draws, in the order they are drawn. */
export const DAY_CHART_METRICS = ['heart_rate', 'stress', 'body_battery', 'sleep_stages'] as const;
export type DayChartMetric = (typeof DAY_CHART_METRICS)[number];

const BARS: readonly { metric: Exclude<DayChartMetric, 'sleep_stages'>; title: string; height: number; colour: ChartColour }[] = [
  { metric: 'heart_rate', title: 'Heart rate (bpm)', height: 5, colour: 'red' },
  { metric: 'stress', title: 'Stress (0-100)', height: 3, colour: 'yellow' },
  { metric: 'body_battery', title: 'Body battery (0-100)', height: 3, colour: 'green' },
];

/**
 * The charts of one day: heart rate, stress and body battery over one shared time span (so the
 * columns line up), then the night's sleep-stage strip. Series without points are left out.
 */
export function dayCharts(day: HealthDay, series: Record<DayChartMetric, HealthSeries>, t: ChartTarget): string[] {
  const lines: string[] = [];
  const spans = BARS.map((b) => spanOf(series[b.metric].points)).filter((s): s is Span => s !== undefined);
  if (spans.length > 0) {
    const span = { from: Math.min(...spans.map((s) => s.from)), to: Math.max(...spans.map((s) => s.to)) };
    for (const b of BARS) {
      const points = series[b.metric].points;
      if (points.length === 0) continue;
      lines.push('', b.title, ...columnChart(points, { width: t.width, height: b.height, span, style: t.style, colour: b.colour, ticks: hourTicks }));
    }
  }
  const stages = series.sleep_stages.points;
  const first = stages[0];
  if (first) {
    const end = day.sleep_end === null ? Number.NaN : Date.parse(day.sleep_end);
    // The last stage lasts until the end of sleep; without it, one typical step.
    const span = { from: first[0], to: end > (stages[stages.length - 1] as Point)[0] ? end : (spanOf(stages) as Span).to };
    lines.push('', `Sleep ${clock(span.from)}-${clock(span.to)}`, ...stageStrip(stages, { width: t.width, span, style: t.style, ticks: hourTicks }));
  }
  return lines;
}
