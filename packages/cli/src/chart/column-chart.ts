import { type ChartColour, type ChartStyle, clip, paint } from './chart-style.js';
import { type Point, resample, type Span, spanOf } from './resample.js';
import { axisLine, type Tick } from './time-axis.js';

export interface ColumnChartOptions {
  /** Total width in columns, y labels included; no line is longer. */
  width: number;
  /** Rows of bars (each row holds eight levels with Unicode blocks). */
  height: number;
  style: ChartStyle;
  /** The time span shown (default: the points' own). */
  span?: Span;
  colour?: ChartColour;
  /** Ticks for the time axis line under the bars; no axis line without it. */
  ticks?: (span: Span, columns: number) => Tick[];
  formatValue?: (v: number) => string;
}

const BLOCKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII_LEVELS = [' ', '.', '.', '.', '+', '+', '+', '+', '#'];

/** Whole numbers from 10 up, one decimal below. */
export function formatValue(v: number): string {
  return Math.abs(v) >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

/**
 * A column chart (one bar per column, the mean of the readings it covers) with the maximum and
 * minimum on the left and an optional time axis below. Hand-drawn: a few dozen lines cover this
 * shape, a chart library would cost start-up time and a dependency (README "Charts").
 * An empty series gives the single line "no data".
 */
export function columnChart(points: readonly Point[], o: ColumnChartOptions): string[] {
  const span = o.span ?? spanOf(points);
  const values = points.map((p) => p[1]).filter(Number.isFinite);
  if (!span || values.length === 0) return [clip('no data', o.width)];
  const fmt = o.formatValue ?? formatValue;
  const min = Math.min(...values);
  const max = Math.max(...values);
  // All readings equal: one label, beside the half-height bars.
  const top = max === min ? '' : fmt(max);
  const bottom = fmt(min);
  // The y labels take a gutter; on a very narrow terminal the bars get all the room.
  let gutter = Math.max(top.length, bottom.length) + 2;
  if (o.width - gutter < 8) gutter = 0;
  const columns = Math.max(1, o.width - gutter);
  const cols = resample(points, span, columns);
  const height = Math.max(1, o.height);
  const eighths = height * 8;
  const level = (v: number) => (max === min ? Math.ceil(eighths / 2) : 1 + Math.round(((v - min) / (max - min)) * (eighths - 1)));
  const glyphs = o.style.ascii ? ASCII_LEVELS : BLOCKS;
  const lines: string[] = [];
  for (let r = 0; r < height; r++) {
    const base = (height - 1 - r) * 8;
    const bars = cols.map((v) => (v === null ? ' ' : (glyphs[Math.min(8, Math.max(0, level(v) - base))] as string))).join('');
    const label = r === 0 ? top : r === height - 1 ? bottom : '';
    const edge = o.style.ascii ? ' |' : label ? ' ┤' : ' │';
    const left = gutter === 0 ? '' : label.padStart(gutter - 2) + edge;
    lines.push(clip(left, o.width) + paint(clip(bars, o.width - Array.from(left).length).trimEnd(), o.colour, o.style));
  }
  if (o.ticks) lines.push(clip(' '.repeat(gutter) + axisLine(span, columns, o.ticks(span, columns)), o.width).trimEnd());
  return lines;
}
