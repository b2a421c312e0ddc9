import type { Scale } from './scales.js';

/** One point of a series; `y` null is a gap (no value: the line breaks there). */
export type Point = readonly [x: number, y: number | null];

/** Paces slower than this (seconds per km, 20:00 /km) are standing still, not a pace (as the CLI's charts). */
export const SLOWEST_PACE_S = 20 * 60;

/** Seconds per km of a speed in m/s; null for no speed and for standing still (slower than SLOWEST_PACE_S). */
export function paceOf(speedMps: number | null | undefined): number | null {
  if (speedMps === null || speedMps === undefined || !(speedMps > 0)) return null;
  const pace = 1000 / speedMps;
  return pace <= SLOWEST_PACE_S ? pace : null;
}

/**
 * The lowest and highest y of the points (null when there is none): what an axis must show.
 * A loop, not Math.min(...ys): a long activity has more points than a call may take arguments.
 */
export function extentOf(points: readonly Point[]): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [, y] of points) {
    if (y === null) continue;
    if (y < lo) lo = y;
    if (y > hi) hi = y;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * The range of y without the rarest extremes: the `q` and 1 − `q` quantiles (nearest rank). The
 * first seconds of a run (speed still rising) would otherwise stretch a pace axis to 10:00 /km and
 * flatten the rest; the line is clipped at the edge there instead. Null when there is no value.
 */
export function quantileExtent(points: readonly Point[], q: number): [number, number] | null {
  const ys: number[] = [];
  for (const [, y] of points) if (y !== null) ys.push(y);
  if (ys.length === 0) return null;
  ys.sort((a, b) => a - b);
  const at = (p: number) => ys[Math.min(ys.length - 1, Math.max(0, Math.round(p * (ys.length - 1))))]!;
  return [at(q), at(1 - q)];
}

/**
 * A gap where consecutive points are further apart than `maxDx` on x (a paused recording, a
 * dropped sensor): a null point is inserted between them, so the line does not bridge the pause.
 */
export function breakGaps(points: readonly Point[], maxDx: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const prev = points[i - 1];
    if (prev !== undefined && p[0] - prev[0] > maxDx && prev[1] !== null && p[1] !== null) out.push([(prev[0] + p[0]) / 2, null]);
    out.push(p);
  }
  return out;
}

/**
 * Reduces a long series to about two points per bucket (one bucket per pixel of width): each
 * bucket keeps its lowest and its highest point, in x order, so peaks and dips survive, and the
 * first gap inside it, so a break in the data stays a break; the first and last points are kept.
 * Points must be in x order; short series come back as they are.
 */
export function downsample(points: readonly Point[], buckets: number): Point[] {
  if (points.length <= 2 * buckets || buckets < 1) return points.slice();
  const x0 = points[0]![0];
  const span = points[points.length - 1]![0] - x0;
  if (!(span > 0)) return points.slice(0, 2 * buckets);
  const out: Point[] = [];
  let current = -1;
  let lo: Point | undefined;
  let hi: Point | undefined;
  let gap: Point | undefined;
  const flush = () => {
    const kept = [lo, hi, gap].filter((p): p is Point => p !== undefined);
    kept.sort((a, b) => a[0] - b[0]);
    for (const p of kept) if (out[out.length - 1] !== p) out.push(p);
  };
  for (const p of points) {
    const b = Math.min(buckets - 1, Math.floor(((p[0] - x0) / span) * buckets));
    if (b !== current) {
      flush();
      current = b;
      lo = hi = gap = undefined;
    }
    const y = p[1];
    if (y === null) gap ??= p;
    else {
      if (lo === undefined || y < lo[1]!) lo = p;
      if (hi === undefined || y > hi[1]!) hi = p;
    }
  }
  flush();
  // The ends stay exact: the line spans the whole activity.
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (out[0] !== first) out.unshift(first);
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

/**
 * The SVG path of a series: "M x y L x y …", a new "M" after every gap. Values outside
 * [yMin, yMax] are drawn on the edge (clipped), so one wild reading cannot stretch the axis.
 */
export function linePath(points: readonly Point[], sx: Scale, sy: Scale, yMin = -Infinity, yMax = Infinity): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (y === null) {
      pen = false;
      continue;
    }
    const v = Math.min(yMax, Math.max(yMin, y));
    d += `${pen ? 'L' : d === '' ? 'M' : ' M'}${fmt(sx(x))} ${fmt(sy(v))}`;
    pen = true;
  }
  return d;
}

/** The points that have a value but no neighbour with one: a path cannot show them, a dot must. */
export function isolatedPoints(points: readonly Point[]): Point[] {
  return points.filter((p, i) => p[1] !== null && (points[i - 1]?.[1] ?? null) === null && (points[i + 1]?.[1] ?? null) === null);
}

/**
 * The mean of y in consecutive windows of `width` on x, from the first point's x: a readable
 * table of a long series (e.g. heart rate by minute). Windows without values are left out.
 */
export function windowMeans(points: readonly Point[], width: number): { from: number; mean: number }[] {
  const first = points[0];
  if (first === undefined || !(width > 0)) return [];
  const out: { from: number; mean: number }[] = [];
  let w = -1;
  let sum = 0;
  let n = 0;
  const flush = () => {
    if (n > 0) out.push({ from: first[0] + w * width, mean: sum / n });
  };
  for (const [x, y] of points) {
    const i = Math.floor((x - first[0]) / width);
    if (i !== w) {
      flush();
      w = i;
      sum = 0;
      n = 0;
    }
    if (y !== null) {
      sum += y;
      n += 1;
    }
  }
  flush();
  return out;
}

/**
 * A centred moving average over `half` on each side of every point (in x units), never across a
 * gap: GPS speed jitters from second to second, and a pace line that follows every jitter is a
 * solid band. Gaps stay gaps. Points must be in x order.
 */
export function smooth(points: readonly Point[], half: number): Point[] {
  const out: Point[] = [];
  let runStart = 0;
  // Prefix sums over each run of values between gaps make every average O(1).
  for (let i = 0; i <= points.length; i++) {
    if (i < points.length && points[i]![1] !== null) continue;
    const run = points.slice(runStart, i);
    const sums = [0];
    for (const [, y] of run) sums.push(sums[sums.length - 1]! + y!);
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < run.length; k++) {
      const x = run[k]![0];
      while (run[lo]![0] < x - half) lo++;
      while (hi < run.length && run[hi]![0] <= x + half) hi++;
      out.push([x, (sums[hi]! - sums[lo]!) / (hi - lo)]);
    }
    if (i < points.length) out.push(points[i]!);
    runStart = i + 1;
  }
  return out;
}

/** Two decimals are far below a pixel; shorter paths, smaller DOM. */
function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}
