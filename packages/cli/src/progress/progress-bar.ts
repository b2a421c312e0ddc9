import type { SyncJob } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import type { OutStream } from '../iostreams.js';
import { formatDuration } from '../sync/format.js';
import type { JobReporter } from '../sync/reporter.js';

/** How far back the rate looks: long enough to smooth bursts, short enough to follow changes. */
const RATE_WINDOW_MS = 10_000;

export interface ProgressBarOptions {
  color: boolean;
  /** Terminal width; the line is cut to it so `\r` redraws stay on one row. */
  columns?: number;
  width?: number;
}

/** What one progress line shows, whatever is being counted. */
export interface ProgressState {
  /** A short word before the bar (padded to 9 columns), e.g. running, completed. */
  label: string;
  /** 0–100. */
  percent: number;
  processed: number;
  total: number | null;
  /** What is counted, plural (items, exports). */
  unit: string;
  /** Rate and ETA are shown only while active. */
  active: boolean;
  tone: 'active' | 'ok' | 'bad';
  /** Further parts after the counts, e.g. "2 failed". */
  notes: readonly string[];
  /** How counts and the rate read (default: the number, then `unit`), e.g. bytes as "1.2 GB". */
  amount?: (n: number) => string;
}

/**
 * A one-line progress bar on stderr (never stdout: it is data-only), redrawn
 * in place with CR + "erase line" (ECMA-48 EL, `CSI 2 K`). Loaded lazily: only
 * a command that shows progress on a terminal pays for it. `ProgressBar` shows a
 * sync job with it; `activities export` its files.
 */
export class ProgressLine {
  readonly #err: OutStream;
  readonly #runtime: Runtime;
  readonly #o: ProgressBarOptions;
  readonly #samples: { t: number; n: number }[] = [];
  #drawn = false;
  #lastLine = '';

  constructor(err: OutStream, runtime: Runtime, o: ProgressBarOptions) {
    this.#err = err;
    this.#runtime = runtime;
    this.#o = o;
  }

  update(state: ProgressState): void {
    this.#sample(state);
    const line = this.line(state);
    if (this.#drawn && line === this.#lastLine) return;
    this.#err.write(`\r\u001b[2K${line}`);
    this.#lastLine = line;
    this.#drawn = true;
  }

  done(state: ProgressState): void {
    this.update(state);
    this.end();
  }

  /** Leaves the bar as last drawn and moves to a fresh line. */
  end(): void {
    if (this.#drawn) this.#err.write('\n');
    this.#drawn = false;
  }

  /** Items per second over the recent window, or undefined before two samples exist. */
  rate(): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last.t <= first.t) return undefined;
    return (last.n - first.n) / ((last.t - first.t) / 1000);
  }

  #sample(state: ProgressState): void {
    if (!state.active) return;
    const t = this.#runtime.now();
    const last = this.#samples[this.#samples.length - 1];
    if (last && state.processed < last.n) this.#samples.length = 0; // a restarted count
    this.#samples.push({ t, n: state.processed });
    while (this.#samples.length > 2 && t - (this.#samples[0] as { t: number }).t > RATE_WINDOW_MS) this.#samples.shift();
  }

  /** The text of the bar (without control sequences), cut to the terminal width. */
  line(state: ProgressState): string {
    const width = this.#o.width ?? 24;
    const filled = Math.round((Math.min(100, Math.max(0, state.percent)) / 100) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const amount = state.amount;
    const counts = amount
      ? state.total === null
        ? amount(state.processed)
        : `${amount(state.processed)}/${amount(state.total)}`
      : state.total === null
        ? `${state.processed} ${state.unit}`
        : `${state.processed}/${state.total} ${state.unit}`;
    const parts = [`${state.label.padEnd(9)} ${this.#paint(state, bar)} ${String(Math.round(state.percent)).padStart(3)}%`, counts];
    const rate = this.rate();
    if (state.active && rate !== undefined) {
      parts.push(amount ? `${amount(rate)}/s` : `${rate.toFixed(rate < 10 ? 1 : 0)} ${state.unit}/s`);
      if (state.total !== null && rate > 0) parts.push(`ETA ${formatDuration((state.total - state.processed) / rate)}`);
    }
    parts.push(...state.notes);
    const text = parts.join('  ');
    const cols = this.#o.columns ?? 80;
    // The bar's colour codes take no columns: cut by visible length.
    return visibleLength(text) > cols - 1 ? cutVisible(text, cols - 1) : text;
  }

  #paint(state: ProgressState, bar: string): string {
    if (!this.#o.color) return bar;
    const c = state.tone === 'bad' ? 31 : state.tone === 'ok' ? 32 : 36;
    return `\u001b[${c}m${bar}\u001b[39m`;
  }
}

/** A sync job's progress as a ProgressLine (`sync start --wait`, `sync status --watch` on a terminal). */
export class ProgressBar implements JobReporter {
  readonly #line: ProgressLine;

  constructor(err: OutStream, runtime: Runtime, o: ProgressBarOptions) {
    this.#line = new ProgressLine(err, runtime, o);
  }

  update(job: SyncJob): void {
    this.#line.update(jobState(job));
  }

  done(job: SyncJob): void {
    this.#line.done(jobState(job));
  }

  stop(): void {
    this.#line.end();
  }

  rate(): number | undefined {
    return this.#line.rate();
  }

  line(job: SyncJob): string {
    return this.#line.line(jobState(job));
  }
}

function jobState(job: SyncJob): ProgressState {
  const a = job.counts.activities;
  return {
    label: job.status,
    percent: job.progress,
    processed: job.processed_items,
    total: job.total_items,
    unit: 'items',
    active: job.status === 'running',
    tone: job.status === 'failed' || job.status === 'cancelled' ? 'bad' : job.status === 'completed' ? 'ok' : 'active',
    notes: a.new + a.updated > 0 ? [`${a.new} new activities`] : [],
  };
}

const SGR = /\u001b\[\d+m/g;
function visibleLength(s: string): number {
  return s.replace(SGR, '').length;
}
function cutVisible(s: string, n: number): string {
  let out = '';
  let seen = 0;
  for (let i = 0; i < s.length && seen < n; ) {
    const m = /^\u001b\[\d+m/.exec(s.slice(i));
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    out += s[i];
    seen++;
    i++;
  }
  return `${out}\u001b[0m`;
}
