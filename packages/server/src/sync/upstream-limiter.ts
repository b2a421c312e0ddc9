import type { Runtime } from '@fitsync/runtime';
import { abortable, throwIfStopped } from './abortable.js';

/**
 * When the next Garmin call of one Garmin account may start. The worker pool keeps one per user
 * across jobs, so jobs started back to back share one budget of FITSYNC_GARMIN_RPS instead of
 * each starting with a fresh one.
 */
export class UpstreamPace {
  nextStart = 0;
}

export interface UpstreamLimiterOptions {
  /** Calls in flight at once (FITSYNC_GARMIN_CONCURRENCY). */
  concurrency: number;
  /** Calls started per second; 0 = unlimited (FITSYNC_GARMIN_RPS). */
  rps: number;
  signal: AbortSignal;
  /** The account's call schedule, shared with its other jobs (default: this limiter's own). */
  pace?: UpstreamPace;
  /** Clock and sleep of the pacing (FakeRuntime in tests). */
  runtime: Runtime;
}

/**
 * Upstream politeness for one job, paced with the account's other jobs (garmin-protocol.md: "Existing tools pace data calls (about one a
 * second, or a few in parallel)"): at most `concurrency` Garmin calls in flight, and call starts
 * spaced 1/rps apart. A call's own retries (GarminApi's backoff) stay inside its slot.
 */
export class UpstreamLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly pace: UpstreamPace;
  private readonly gapMs: number;
  /** Calls started through this limiter. */
  calls = 0;

  constructor(private readonly opts: UpstreamLimiterOptions) {
    this.gapMs = opts.rps > 0 ? 1000 / opts.rps : 0;
    this.pace = opts.pace ?? new UpstreamPace();
  }

  /**
   * Runs `fn` when a slot and the pace allow, handing it the job's signal to pass to the Garmin
   * call (so a stop closes its socket); rejects with SyncAborted when the job stops.
   */
  async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { signal } = this.opts;
    throwIfStopped(signal);
    if (this.active >= this.opts.concurrency) {
      // When the job stops while waiting, the limiter dies with it: no slot bookkeeping needed.
      await abortable(new Promise<void>((resolve) => this.waiting.push(resolve)), signal);
    } else {
      this.active++;
    }
    try {
      if (this.gapMs > 0) {
        const t = this.opts.runtime.now();
        const start = Math.max(t, this.pace.nextStart);
        this.pace.nextStart = start + this.gapMs;
        if (start > t) await abortable(this.opts.runtime.sleep(start - t, signal), signal);
      }
      this.calls++;
      return await abortable(fn(signal), signal);
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      next(); // the slot passes on; `active` stays the same
    } else {
      this.active--;
    }
  }
}
