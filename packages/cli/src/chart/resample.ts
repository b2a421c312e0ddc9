/** A series point: `[epoch_ms, value]` (the API's shape), oldest first. */
export type Point = readonly [number, number];

/** The time span a chart shows: `from` inclusive, `to` exclusive. */
export interface Span {
  from: number;
  to: number;
}

/**
 * The median gap between consecutive points: how long one reading stands for. A chart column
 * without a reading of its own shows the latest earlier reading only while it is this recent, so a
 * sparse series is stretched across the width but a real gap (the watch was off) stays empty.
 */
export function typicalStep(points: readonly Point[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const g = (points[i] as Point)[0] - (points[i - 1] as Point)[0];
    if (g > 0) gaps.push(g);
  }
  if (gaps.length === 0) return 1;
  gaps.sort((a, b) => a - b);
  // The lower median: one missing day among daily values is a gap, not a stretched neighbour.
  return gaps[Math.floor((gaps.length - 1) / 2)] as number;
}

/** The span of `points` including the last reading's own step; undefined without points. */
export function spanOf(points: readonly Point[]): Span | undefined {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return undefined;
  return { from: first[0], to: last[0] + typicalStep(points) };
}

/**
 * One value per column over `span`: the mean of the readings inside the column, else the latest
 * earlier reading if it is less than one step old, else null (a gap).
 */
export function resample(points: readonly Point[], span: Span, columns: number): (number | null)[] {
  const width = Math.max(1, span.to - span.from);
  const sums = new Array<number>(columns).fill(0);
  const counts = new Array<number>(columns).fill(0);
  for (const [t, v] of points) {
    if (t < span.from || t >= span.to || !Number.isFinite(v)) continue;
    const c = Math.min(columns - 1, Math.floor(((t - span.from) / width) * columns));
    sums[c] = (sums[c] as number) + v;
    counts[c] = (counts[c] as number) + 1;
  }
  const step = typicalStep(points);
  const out: (number | null)[] = [];
  let p = 0;
  for (let c = 0; c < columns; c++) {
    const n = counts[c] as number;
    if (n > 0) {
      out.push((sums[c] as number) / n);
      continue;
    }
    const centre = span.from + ((c + 0.5) / columns) * width;
    while (p + 1 < points.length && (points[p + 1] as Point)[0] <= centre) p++;
    const prev = points[p];
    out.push(prev && prev[0] <= centre && centre - prev[0] < step ? prev[1] : null);
  }
  return out;
}
