/** A linear map from a data interval onto a pixel interval. */
export type Scale = (v: number) => number;

/**
 * Maps [d0, d1] onto [r0, r1]. A zero-width domain (one value, or all values equal) maps to the
 * middle of the range, so a flat series is drawn across the middle rather than divided by zero.
 */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that cuts `span` into at most `count` steps. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

/** An axis: its bounds (the data's, widened to whole steps) and the ticks between them. */
export interface Axis {
  min: number;
  max: number;
  ticks: number[];
}

/** Ticks at multiples of `step` from `min` to `max`, bounds widened to whole steps. */
function stepAxis(min: number, max: number, step: number): Axis {
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  // Counting steps (not adding) keeps 0.1 + 0.2 style drift out of the labels.
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) ticks.push(round(lo + i * step, step));
  return { min: lo, max: hi, ticks };
}

/** Rounds away binary noise at the step's precision (0.30000000000000004 → 0.3). */
function round(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(digits, 12)));
}

/**
 * A readable axis over [min, max] with about `count` ticks at 1/2/2.5/5 × 10^k. A single value gets
 * a band around it (a flat line in the middle, not on an edge); `zero` pulls the axis down to 0 for
 * quantities whose size matters (steps, sleep), not for those that only vary (heart rate, weight).
 */
export function niceAxis(min: number, max: number, count = 5, zero = false): Axis {
  let lo = zero ? Math.min(0, min) : min;
  let hi = max;
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    hi = lo + pad;
    if (!(zero && lo === 0)) lo -= pad;
  }
  return stepAxis(lo, hi, niceStep(hi - lo, count));
}

/**
 * An axis whose step comes from a fixed list (e.g. whole minutes for durations): the smallest step
 * that gives at most `count` steps; past the list, multiples of its last entry.
 */
export function steppedAxis(min: number, max: number, steps: readonly number[], count = 5): Axis {
  const span = max - min;
  let step = steps.find((s) => span / s <= count);
  if (step === undefined) {
    const last = steps[steps.length - 1] ?? 1;
    step = last * Math.ceil(span / count / last);
  }
  if (span === 0) return stepAxis(min - step, max + step, step);
  return stepAxis(min, max, step);
}

/** Tick steps for elapsed time, in seconds: whole minutes and hours. */
export const DURATION_STEPS = [60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600] as const;
/** Tick steps for a pace axis, in seconds per km. */
export const PACE_STEPS = [5, 10, 15, 30, 60, 120, 300, 600] as const;
