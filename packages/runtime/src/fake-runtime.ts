import { abortError, type Runtime } from './index.js';
import { mulberry32 } from './mulberry32.js';

interface Timer {
  at: number;
  seq: number;
  resolve(): void;
}

/** Lets promise callbacks and already-queued I/O callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A Runtime whose clock only moves when a test says so. `sleep` parks until `advance` passes its
 * deadline; `random` is a seeded generator (mulberry32), so a run is reproducible.
 */
export class FakeRuntime implements Runtime {
  private ms: number;
  private seq = 0;
  private timers: Timer[] = [];
  private readonly draw: () => number;

  constructor(opts: { now?: number; seed?: number } = {}) {
    this.ms = opts.now ?? Date.UTC(2026, 0, 1);
    this.draw = mulberry32(opts.seed ?? 1);
  }

  now(): number {
    return this.ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        at: this.ms + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(abortError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  random(): number {
    return this.draw();
  }

  /** Sleeps waiting now. */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Moves the clock forward by `ms`, waking each sleep whose deadline is passed, in deadline
   * order, and letting the code it resumes run before the clock moves on to the next one.
   * Sleeps started by that code inside the window are woken too.
   */
  async advance(ms: number): Promise<void> {
    const end = this.ms + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.ms = Math.max(this.ms, next.at);
      next.resolve();
      await settle();
    }
    this.ms = end;
    await settle();
  }

  /** Sets the clock (never backwards past a parked sleep's wake-up; those wait for `advance`). */
  set(ms: number): void {
    this.ms = ms;
  }

  private nextDue(end: number): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (t.at > end) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
