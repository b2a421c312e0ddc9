import { type ChartColour, type ChartStyle, clip, paint } from './chart-style.js';
import type { Point, Span } from './resample.js';
import { axisLine, type Tick } from './time-axis.js';

/** Sleep stages as the API numbers them (product.md §B: 0 deep, 1 light, 2 REM, 3 awake). */
const STAGES: readonly { name: string; glyph: string; ascii: string; colour: ChartColour }[] = [
  { name: 'deep', glyph: '█', ascii: '#', colour: 'blue' },
  { name: 'light', glyph: '▓', ascii: '=', colour: 'cyan' },
  { name: 'REM', glyph: '▒', ascii: '~', colour: 'magenta' },
  { name: 'awake', glyph: '░', ascii: '.', colour: 'yellow' },
];

export interface StageStripOptions {
  width: number;
  style: ChartStyle;
  /** The night: from the first change to the end of sleep (the last stage lasts until `to`). */
  span: Span;
  ticks?: (span: Span, columns: number) => Tick[];
}

/**
 * The sleep-stage strip: one glyph (and colour) per stage per column, two rows high, an optional
 * time axis, and a legend. `points` are the stage changes `[epoch_ms, stage]`, oldest first;
 * a value that is no stage is drawn as a gap.
 */
export function stageStrip(points: readonly Point[], o: StageStripOptions): string[] {
  if (points.length === 0 || o.span.to <= o.span.from) return [clip('no data', o.width)];
  const columns = Math.max(1, o.width);
  const stages = columnStages(points, o.span, columns);
  // Runs of one stage share one colour code, so a line carries few escape sequences.
  let row = '';
  for (let c = 0; c < columns; ) {
    const s = stages[c] ?? null;
    let end = c;
    while (end < columns && (stages[end] ?? null) === s) end++;
    const stage = s === null ? undefined : STAGES[s];
    const glyph = stage ? (o.style.ascii ? stage.ascii : stage.glyph) : ' ';
    row += paint(glyph.repeat(end - c), stage?.colour, o.style);
    c = end;
  }
  const lines = [row, row];
  if (o.ticks) lines.push(axisLine(o.span, columns, o.ticks(o.span, columns)));
  lines.push(legend(o.width, o.style));
  return lines;
}

/**
 * Per column, the stage that lasts longest inside it (a tie goes to the lighter stage, so a short
 * awakening is not lost between columns); null where no stage is known.
 */
function columnStages(points: readonly Point[], span: Span, columns: number): (number | null)[] {
  const per = (span.to - span.from) / columns;
  const time = Array.from({ length: columns }, () => new Array<number>(STAGES.length).fill(0));
  points.forEach(([start, stage], i) => {
    if (!Number.isInteger(stage) || stage < 0 || stage >= STAGES.length) return;
    const end = Math.min(points[i + 1]?.[0] ?? span.to, span.to);
    const a = Math.max(start, span.from);
    if (end <= a) return;
    for (let c = Math.floor((a - span.from) / per); c < columns && span.from + c * per < end; c++) {
      const lo = Math.max(a, span.from + c * per);
      const hi = Math.min(end, span.from + (c + 1) * per);
      if (hi > lo) (time[c] as number[])[stage] = ((time[c] as number[])[stage] as number) + (hi - lo);
    }
  });
  return time.map((t) => {
    let best: number | null = null;
    t.forEach((ms, s) => {
      if (ms > 0 && (best === null || ms >= (t[best] as number))) best = s;
    });
    return best;
  });
}

/** "█ deep  ▓ light  ▒ REM  ░ awake", as many entries as fit. */
function legend(width: number, style: ChartStyle): string {
  let out = '';
  let used = 0;
  for (const s of STAGES) {
    const text = `${style.ascii ? s.ascii : s.glyph} ${s.name}`;
    const sep = used === 0 ? '' : '  ';
    if (used + sep.length + text.length > width) break;
    out += sep + paint(text.slice(0, 1), s.colour, style) + text.slice(1);
    used += sep.length + text.length;
  }
  return out;
}
