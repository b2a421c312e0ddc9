/** Time and randomness as dependencies, so tests never really wait (style rule 6). */
export interface GarminRuntime {
  /** Current time, epoch ms. */
  now(): number;
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** Uniform random number in [0, 1). */
  random(): number;
}

/** The real clock, timers and Math.random. */
export const realRuntime: GarminRuntime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Fills missing runtime members with the real ones. */
export function resolveRuntime(partial: Partial<GarminRuntime> = {}): GarminRuntime {
  return {
    now: partial.now ?? realRuntime.now,
    sleep: partial.sleep ?? realRuntime.sleep,
    random: partial.random ?? realRuntime.random,
  };
}
