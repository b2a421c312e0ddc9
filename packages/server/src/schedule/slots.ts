/** The largest jitter of any schedule: 5 minutes. */
export const MAX_JITTER_MS = 5 * 60_000;

/**
 * How far a run may be moved past its slot: 10 % of the interval, at most 5 minutes, so that
 * many users on the same interval do not all hit Garmin (and the database) in the same second.
 */
export function maxJitterMs(everyS: number): number {
  return Math.min(everyS * 100, MAX_JITTER_MS);
}

/**
 * The jittered due time of the first slot strictly after `now`. Slots are `phaseAt + k·every`
 * (k ≥ 1), so a server that was down for many slots continues at the next future one, in phase.
 * `draw` is a uniform number in [0, 1) (Runtime.random).
 */
export function nextDueAt(phaseAt: number, everyS: number, now: number, draw: number): number {
  const everyMs = everyS * 1000;
  const k = Math.max(1, Math.floor((now - phaseAt) / everyMs) + 1);
  return phaseAt + k * everyMs + Math.floor(draw * maxJitterMs(everyS));
}
