import type { Span } from './resample.js';

/** A label on the time axis at time `at` (epoch ms). */
export interface Tick {
  at: number;
  label: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOUR_STEPS = [1, 2, 3, 4, 6, 12, 24];

/** Minutes east of UTC at `t` in the process's time zone (what the user's clock shows). */
export function localOffsetMs(t: number): number {
  return -new Date(t).getTimezoneOffset() * 60_000;
}

/**
 * Ticks on whole local hours ("06:00"), spaced by the smallest of 1, 2, 3, 4, 6, 12 or 24 hours
 * whose labels fit into `columns` side by side.
 */
export function hourTicks(span: Span, columns: number, offsetMs: (t: number) => number = localOffsetMs): Tick[] {
  const fits = Math.max(1, Math.floor(columns / 6));
  const hours = (span.to - span.from) / HOUR;
  const step = (HOUR_STEPS.find((h) => hours / h <= fits) ?? 24) * HOUR;
  const ticks: Tick[] = [];
  const off = offsetMs(span.from);
  for (let local = Math.ceil((span.from + off) / step) * step; local - off < span.to; local += step) {
    const d = new Date(local);
    ticks.push({ at: local - off, label: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` });
  }
  return ticks;
}

/**
 * Ticks on days (UTC midnights, as the trend chart places calendar dates), evenly spaced, the first
 * day always labelled; "YYYY-MM-DD", or "MM-DD" when the full dates would leave fewer than three.
 */
export function dayTicks(span: Span, columns: number): Tick[] {
  const days = Math.max(1, Math.round((span.to - span.from) / DAY));
  const short = Math.floor(columns / 12) < Math.min(3, days);
  const fits = Math.max(1, Math.floor(columns / (short ? 7 : 12)));
  const every = Math.ceil(days / fits);
  const ticks: Tick[] = [];
  for (let i = 0; i < days; i += every) {
    const iso = new Date(span.from + i * DAY).toISOString().slice(0, 10);
    ticks.push({ at: span.from + i * DAY, label: short ? iso.slice(5) : iso });
  }
  return ticks;
}

/**
 * The axis line under a chart of `columns` columns: each label starts at its tick's column, pulled
 * left to stay inside; a label that would touch the previous one is left out.
 */
export function axisLine(span: Span, columns: number, ticks: readonly Tick[]): string {
  const cells = new Array<string>(columns).fill(' ');
  const width = Math.max(1, span.to - span.from);
  let free = 0;
  for (const t of ticks) {
    if (t.label.length > columns) continue;
    let col = Math.floor(((t.at - span.from) / width) * columns);
    col = Math.min(Math.max(col, 0), columns - t.label.length);
    if (col < free) continue;
    for (let i = 0; i < t.label.length; i++) cells[col + i] = t.label[i] as string;
    free = col + t.label.length + 1;
  }
  return cells.join('').trimEnd();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const MINUTE = 60_000;
const ELAPSED_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440];

/** Elapsed time as "0", "45m", "1h", "1h30". */
export function elapsedLabel(ms: number): string {
  const m = Math.round(ms / MINUTE);
  if (m === 0) return '0';
  if (m < 60) return `${m}m`;
  return m % 60 === 0 ? `${m / 60}h` : `${Math.floor(m / 60)}h${pad(m % 60)}`;
}

/**
 * Ticks on elapsed time since the span's start (an activity's minutes, not the clock), spaced by the
 * smallest of 1, 2, 5, 10, 15, 20, 30 minutes or 1, 2, 3, 4, 6, 12, 24 hours whose labels fit.
 */
export function elapsedTicks(span: Span, columns: number): Tick[] {
  const fits = Math.max(1, Math.floor(columns / 7));
  const minutes = (span.to - span.from) / MINUTE;
  const step = (ELAPSED_STEPS.find((s) => minutes / s <= fits) ?? 1440) * MINUTE;
  const ticks: Tick[] = [];
  for (let at = span.from; at < span.to; at += step) ticks.push({ at, label: elapsedLabel(at - span.from) });
  return ticks;
}
