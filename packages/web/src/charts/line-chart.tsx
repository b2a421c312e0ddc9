import type { JSX } from 'preact';
import type { ChartAxis } from './axes.js';
import { linearScale } from './scales.js';
import { downsample, isolatedPoints, linePath, type Point } from './series.js';

export interface LineChartProps {
  /** The accessible name (docs/web.md: "Heart rate chart", "Steps trend", …). */
  label: string;
  /** A sentence for the <title>: what the chart shows, its range and units. */
  description: string;
  points: readonly Point[];
  /** A second series on the same axes, drawn dashed (e.g. the day's lowest under its highest). */
  second?: readonly Point[];
  x: ChartAxis;
  y: ChartAxis;
  /** The y unit, written above the axis ("bpm", "min/km"). */
  unit: string;
  /** Colour of the line (a class in charts.css). */
  tone: 'heart' | 'pace' | 'trend';
  /** Larger values at the bottom (pace: faster is higher). */
  invertY?: boolean;
  /** Dots on every point (short daily series); isolated points always get one. */
  dots?: boolean;
}

// The viewBox; the SVG scales to the page width (charts.css), so these are also about the
// pixels of a desktop layout, which is what downsampling aims at.
const W = 720;
const H = 260;
const M = { top: 24, right: 16, bottom: 32, left: 56 };

/**
 * A line chart in SVG: y grid and ticks with the unit, x ticks, the series as one path broken at
 * gaps, dots where a point stands alone. Long series are downsampled to two points per pixel column.
 * Colours come from classes (the CSP allows no inline styles).
 */
export function LineChart(props: LineChartProps): JSX.Element {
  const left = M.left;
  const right = W - M.right;
  const top = M.top;
  const bottom = H - M.bottom;
  const sx = linearScale(props.x.min, props.x.max, left, right);
  const sy = props.invertY ? linearScale(props.y.min, props.y.max, top, bottom) : linearScale(props.y.min, props.y.max, bottom, top);
  const points = downsample(props.points, right - left);
  const d = linePath(points, sx, sy, props.y.min, props.y.max);
  const dots = props.dots ? points.filter((p) => p[1] !== null) : isolatedPoints(points);
  const second = props.second ? downsample(props.second, right - left) : [];
  const dots2 = props.dots ? second.filter((p) => p[1] !== null) : isolatedPoints(second);
  const clip = (y: number) => Math.min(props.y.max, Math.max(props.y.min, y));
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label} preserveAspectRatio="xMidYMid meet">
      <title>{props.description}</title>
      <g class="chart-grid">
        {props.y.ticks.map((t) => (
          <line key={`g${t.at}`} x1={left} x2={right} y1={sy(t.at)} y2={sy(t.at)} />
        ))}
      </g>
      <g class="chart-axis">
        <line x1={left} x2={left} y1={top} y2={bottom} />
        <line x1={left} x2={right} y1={bottom} y2={bottom} />
        {props.y.ticks.map((t) => (
          <text key={`y${t.at}`} x={left - 6} y={sy(t.at)} dy="0.32em" text-anchor="end">
            {t.label}
          </text>
        ))}
        {props.x.ticks.map((t) => (
          <g key={`x${t.at}`}>
            <line x1={sx(t.at)} x2={sx(t.at)} y1={bottom} y2={bottom + 5} />
            <text x={sx(t.at)} y={bottom + 18} text-anchor={anchorOf(sx(t.at), left, right)}>
              {t.label}
            </text>
          </g>
        ))}
        <text class="chart-unit" x={left - 6} y={top - 10} text-anchor="end">
          {props.unit}
        </text>
      </g>
      {second.length > 0 && <path class={`chart-line chart-second chart-${props.tone}`} d={linePath(second, sx, sy, props.y.min, props.y.max)} />}
      <path class={`chart-line chart-${props.tone}`} d={d} />
      <g class={`chart-dots chart-${props.tone}`}>
        {dots.map(([x, y]) => (
          <circle key={`d${x}`} cx={sx(x)} cy={sy(clip(y!))} r={3} />
        ))}
        {dots2.map(([x, y]) => (
          <circle key={`e${x}`} cx={sx(x)} cy={sy(clip(y!))} r={2.5} />
        ))}
      </g>
    </svg>
  );
}

/** Labels at the ends are anchored inward, so they are not cut off at the edge of the viewBox. */
function anchorOf(x: number, left: number, right: number): 'start' | 'middle' | 'end' {
  if (x - left < 20) return 'start';
  if (right - x < 20) return 'end';
  return 'middle';
}
