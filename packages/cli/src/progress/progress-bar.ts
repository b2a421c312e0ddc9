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

/**
 * A one-line progress bar on stderr (never stdout: it is data-only), redrawn
 * in place with CR + "erase line" (ECMA-48 EL, `CSI 2 K`). Loaded lazily: only
 * `--wait`/`--watch` on a terminal pays for it.
 */
export class ProgressBar implements JobReporter {
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

  update(job: SyncJob): void {
    this.#sample(job);
    const line = this.line(job);
    if (this.#drawn && line === this.#lastLine) return;
    this.#err.write(`\r\u001b[2K${line}`);
    this.#lastLine = line;
    this.#drawn = true;
  }

  done(job: SyncJob): void {
    this.update(job);
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

  #sample(job: SyncJob): void {
    if (job.status !== 'running') return;
    const t = this.#runtime.now();
    const last = this.#samples[this.#samples.length - 1];
    if (last && job.processed_items < last.n) this.#samples.length = 0; // a restarted count
    this.#samples.push({ t, n: job.processed_items });
    while (this.#samples.length > 2 && t - (this.#samples[0] as { t: number }).t > RATE_WINDOW_MS) this.#samples.shift();
  }

  /** The text of the bar (without control sequences), cut to the terminal width. */
  line(job: SyncJob): string {
    const width = this.#o.width ?? 24;
    const filled = Math.round((job.progress / 100) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const items = job.total_items === null ? `${job.processed_items} items` : `${job.processed_items}/${job.total_items} items`;
    const parts = [`${job.status.padEnd(9)} ${this.#paint(job, bar)} ${String(job.progress).padStart(3)}%`, items];
    const rate = this.rate();
    if (job.status === 'running' && rate !== undefined) {
      parts.push(`${rate.toFixed(rate < 10 ? 1 : 0)} items/s`);
      if (job.total_items !== null && rate > 0) parts.push(`ETA ${formatDuration((job.total_items - job.processed_items) / rate)}`);
    }
    const a = job.counts.activities;
    if (a.new + a.updated > 0) parts.push(`${a.new} new activities`);
    const text = parts.join('  ');
    const cols = this.#o.columns ?? 80;
    // The bar's colour codes take no columns: cut by visible length.
    return visibleLength(text) > cols - 1 ? cutVisible(text, cols - 1) : text;
  }

  #paint(job: SyncJob, bar: string): string {
    if (!this.#o.color) return bar;
    const c = job.status === 'failed' || job.status === 'cancelled' ? 31 : job.status === 'completed' ? 32 : 36;
    return `\u001b[${c}m${bar}\u001b[39m`;
  }
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
