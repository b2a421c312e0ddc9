import type { Runtime } from '@fitsync/runtime';
import { abortable, throwIfStopped } from './abortable.js';
import { GarminPacer, type UpstreamPace } from './garmin-pacer.js';
import { MemoryPaceBook } from './pace-book.js';

export type { UpstreamPace } from './garmin-pacer.js';

export interface UpstreamLimiterOptions {
  /** Calls in flight at once (FITSYNC_GARMIN_CONCURRENCY). */
  concurrency: number;
  /** Calls started per second by this limiter alone when no `pace` is given; 0 = unlimited. */
  rps?: number;
  signal: AbortSignal;
  /** The Garmin account's pace, shared with its other jobs and the deployment (GarminPacer). */
  pace?: UpstreamPace;
  /** Clock and sleep of the pacing (FakeRuntime in tests). */
  runtime: Runtime;
}

/**
 * Upstream politeness for one job (garmin-protocol.md: "Existing tools pace data calls (about one a
 * second, or a few in parallel)"): at most `concurrency` Garmin calls of the job in flight, each
 * started when its account's and the deployment's pace allow. A call's own retries (GarminApi's
 * backoff) stay inside its slot.
 */
export class UpstreamLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly pace: UpstreamPace | null;
  /** Calls started through this limiter. */
  calls = 0;

  constructor(private readonly opts: UpstreamLimiterOptions) {
    const rps = opts.rps ?? 0;
    this.pace =
      opts.pace ??
      (rps > 0 ? new GarminPacer({ book: new MemoryPaceBook(), runtime: opts.runtime, accountRps: rps, deploymentRps: 0 }).account('job') : null);
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
      if (this.pace) await this.pace.wait(signal);
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
