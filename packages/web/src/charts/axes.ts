import { dayTicks } from './days.js';
import { DURATION_STEPS, niceAxis, PACE_STEPS, steppedAxis } from './scales.js';

/** A tick: where it sits on its axis (data units) and what it says. */
export interface Tick {
  at: number;
  label: string;
}

/** One axis of a chart: its bounds in data units and its ticks. */
export interface ChartAxis {
  min: number;
  max: number;
  ticks: readonly Tick[];
}

/** Seconds as m:ss, or h:mm:ss from an hour: 0 → "0:00", 2700 → "45:00", 5400 → "1:30:00". */
export function clock(seconds: number): string {
  const t = Math.round(seconds);
  const sign = t < 0 ? '-' : '';
  const a = Math.abs(t);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = String(a % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${s}` : `${sign}${m}:${s}`;
}

/** Elapsed time from 0 to `seconds`, ticks on whole minutes or hours. */
export function elapsedAxis(seconds: number, count = 6): ChartAxis {
  const a = steppedAxis(0, Math.max(seconds, 60), DURATION_STEPS, count);
  return { min: 0, max: Math.max(seconds, 60), ticks: a.ticks.filter((t) => t <= seconds + 1e-9).map((t) => ({ at: t, label: clock(t) })) };
}

/** Pace in seconds per km, ticks on whole 5/10/15/30 s or minutes, labelled m:ss. */
export function paceAxis(min: number, max: number, count = 5): ChartAxis {
  const a = steppedAxis(min, max, PACE_STEPS, count);
  return { min: a.min, max: a.max, ticks: a.ticks.map((t) => ({ at: t, label: clock(t) })) };
}

/** A value axis with 1/2/2.5/5 × 10^k ticks; `zero` starts it at 0 (counts, durations). */
export function valueAxis(min: number, max: number, opts: { zero?: boolean; count?: number; format?: (v: number) => string } = {}): ChartAxis {
  const a = niceAxis(min, max, opts.count ?? 5, opts.zero ?? false);
  const format = opts.format ?? ((v: number) => v.toLocaleString());
  return { min: a.min, max: a.max, ticks: a.ticks.map((t) => ({ at: t, label: format(t) })) };
}

/** `count` days from `first` on x, as day indexes 0…count-1. */
export function dayAxis(first: string, count: number, max = 7): ChartAxis {
  return { min: 0, max: Math.max(0, count - 1), ticks: dayTicks(first, count, max).map((t) => ({ at: t.index, label: t.label })) };
}
