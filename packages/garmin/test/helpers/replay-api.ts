/**
 * A GarminApi pointed at a replay server of recorded answers: the replay checks the client asked
 * exactly what was recorded (and nothing else), and that every call carried the access token.
 */
import assert from 'node:assert/strict';
import { GarminApi, type GarminTokens } from '../../src/index.js';
import { type Interaction, loadFixture, withoutGarthSteps } from './fixtures.js';
import { type ReplayOptions, type ReplayServer, startReplay } from './replay-server.js';

export const REPLAY_NOW = Date.UTC(2026, 0, 10);
export const REPLAY_TOKENS: GarminTokens = {
  accessToken: 'at-replay',
  refreshToken: 'rt-replay',
  expiresAt: REPLAY_NOW + 3600_000,
  clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI',
};

/** A client of `url` with the replay tokens and a clock that never waits. */
export function replayApi(url: string): GarminApi {
  return new GarminApi({
    tokens: REPLAY_TOKENS,
    endpoints: { ssoUrl: url, apiUrl: url, diauthUrl: url },
    runtime: { now: () => REPLAY_NOW, sleep: async () => {}, random: () => 0 },
  });
}

/** Runs `fn` against a replay of `interactions`, then asserts all of them (and only them) were asked. */
export async function withReplay<T>(
  interactions: Interaction[],
  fn: (api: GarminApi, replay: ReplayServer) => Promise<T>,
  opts?: ReplayOptions,
): Promise<T> {
  const replay = await startReplay(interactions, opts);
  try {
    const out = await fn(replayApi(replay.url), replay).catch((err: Error) => {
      throw new Error(`${err.message}; replay failures: ${replay.failures.join(' | ')}`);
    });
    replay.assertDone();
    for (const s of replay.seen) assert.equal(s.headers.authorization, 'Bearer at-replay');
    return out;
  } finally {
    await replay.close();
  }
}

/** The data-call interactions of a recorded fixture (no garth-era OAuth1 steps). */
export const recordedSteps = (name: string): Interaction[] => withoutGarthSteps(loadFixture(name).interactions);
