/**
 * Time and chance, injected: every package that reads the clock, waits or draws a random number
 * takes a Runtime, so tests can swap in FakeRuntime (./fake) and move time by hand.
 */
export interface Runtime {
  /** Current time, epoch milliseconds. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; when `signal` fires first it rejects at once with an
   * AbortError whose `cause` is the signal's reason (as node:timers/promises does).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A uniform number in [0, 1) — for jitter and sampling, never for secrets. */
  random(): number;
}

/** The error `sleep` rejects with when its signal fires. */
export function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** The real clock, timers and Math.random. */
export const systemRuntime: Runtime = {
  now: () => Date.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal as AbortSignal));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  random: () => Math.random(),
};
