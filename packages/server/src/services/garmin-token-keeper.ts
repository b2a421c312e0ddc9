import { GarminAuth, type GarminEndpoints, type GarminTokens, GarminTokenInvalidError, type HttpClient, parseGarminTokens } from '@fitsync/garmin';
import type { Runtime } from '@fitsync/runtime';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/db.js';
import type { Log } from '../log.js';
import type { Counter, Metrics } from '../metrics.js';
import type { GarminTokenExpiry } from '../repositories/garmin-connections.js';
import { claimForKeeping, findKeepCandidates, releaseKeeping, setKeptExpiry, storeKeptTokens } from '../repositories/garmin-token-keeping.js';
import { PeriodicLoop } from '../jobs/periodic-loop.js';

const DAY = 86_400_000;

export interface GarminTokenKeeperDeps {
  db: Db;
  runtime: Runtime;
  secretBox: SecretBox;
  metrics: Metrics;
  endpoints: GarminEndpoints;
  log?: Pick<Log, 'info' | 'warn'>;
  /** HTTP client for Garmin (default the library's Transport); a test seam. */
  http?: HttpClient;
  /** Time between rounds (config FITSYNC_GARMIN_TOKEN_CHECK_S); 0: `start()` runs nothing (tests call `runOnce`). */
  intervalMs: number;
  /** Refresh when the refresh token expires within this (default 7 days of Garmin's ~30; at most a quarter of its life). */
  refreshWithinMs?: number;
  /** Refresh when the access token expired this long ago: an idle account (default 3 days). */
  idleAfterMs?: number;
  /** Marks the connection reauth_required if its tokens are still those of `version`. */
  markReauth(userId: string, version: number): Promise<void>;
  /** Called after Garmin answered a refresh, before the pair is stored (the kill -9 test seam). */
  afterGarminRefresh?: () => void;
}

/** What one round did. */
export interface KeeperRound {
  refreshed: number;
  reauth: number;
  failed: number;
}

/**
 * Keeps idle Garmin connections signed in (product.md §D "tokens are refreshed before expiry"): a
 * sync refreshes its own tokens (GarminApi, 15 min ahead), but an account nothing syncs would let
 * its refresh token run out and need a new sign-in — where Garmin's 429s and MFA prompts are. Each
 * round refreshes the connections whose refresh token nears its expiry or whose access token expired
 * long ago, and stores every rotated pair, sealed, in one statement before anything else happens.
 *
 * Safe with several instances: a connection is claimed by compare-and-set on its token_version
 * (one keeper per connection), and the store is conditional on the same version.
 */
export class GarminTokenKeeper {
  private readonly refreshWithinMs: number;
  private readonly idleAfterMs: number;
  private readonly rounds: Counter;
  private readonly loop: PeriodicLoop;

  constructor(private readonly d: GarminTokenKeeperDeps) {
    this.refreshWithinMs = d.refreshWithinMs ?? 7 * DAY;
    this.idleAfterMs = d.idleAfterMs ?? 3 * DAY;
    this.rounds = d.metrics.counter('fitsync_garmin_token_keeper_total', 'Garmin connections the token keeper handled, by result.');
    this.loop = new PeriodicLoop({
      runtime: d.runtime,
      everyMs: d.intervalMs,
      round: () => this.runOnce(),
      failed: (err) => d.log?.warn({ errType: (err as Error)?.name }, 'garmin token keeper round failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One round over the due connections (at most `limit`). */
  async runOnce(limit = 100): Promise<KeeperRound> {
    const now = this.d.runtime.now();
    const due = await findKeepCandidates(this.d.db, { now, refreshBefore: now + this.refreshWithinMs, accessBefore: now - this.idleAfterMs, limit });
    const round: KeeperRound = { refreshed: 0, reauth: 0, failed: 0 };
    for (const c of due) {
      const result = await this.keep(c.user_id, c.token_version);
      if (result !== 'skipped') round[result] += 1;
      this.rounds.inc({ result });
    }
    return round;
  }

  private async keep(userId: string, version: number): Promise<keyof KeeperRound | 'skipped'> {
    const now = this.d.runtime.now();
    // The claim outlives any refresh (bounded by the transport's timeouts) by far.
    const sealed = await claimForKeeping(this.d.db, userId, version, now, now + 10 * 60_000);
    if (sealed === null) return 'skipped';
    let tokens: GarminTokens;
    try {
      tokens = parseGarminTokens(JSON.parse(this.d.secretBox.openText(sealed, `garmin-tokens:${userId}`)));
    } catch {
      // Sealed under another key or corrupt: unusable, as the sync path would find too.
      await this.d.markReauth(userId, version);
      return 'reauth';
    }
    if (!this.isDue(tokens, now)) {
      await setKeptExpiry(this.d.db, userId, version, expiryOf(tokens));
      return 'skipped';
    }
    let next: GarminTokens;
    try {
      if (tokens.refreshExpiresAt !== undefined && tokens.refreshExpiresAt <= now) throw new GarminTokenInvalidError('Garmin refresh token expired');
      next = await new GarminAuth({ endpoints: this.d.endpoints, runtime: this.d.runtime, ...(this.d.http ? { http: this.d.http } : {}) }).refresh(tokens);
    } catch (err) {
      if (err instanceof GarminTokenInvalidError) {
        await this.d.markReauth(userId, version);
        this.d.log?.warn({ userId }, 'garmin refused the token refresh; reauth required');
        return 'reauth';
      }
      await releaseKeeping(this.d.db, userId);
      this.d.log?.warn({ userId, garminError: (err as { code?: string }).code ?? 'other' }, 'garmin token refresh failed; retried next round');
      return 'failed';
    }
    // Garmin spent the old refresh token when it answered: the new pair is stored before anything else.
    this.d.afterGarminRefresh?.();
    const stored = await storeKeptTokens(this.d.db, {
      userId,
      version,
      tokensEnc: this.d.secretBox.seal(JSON.stringify(next), `garmin-tokens:${userId}`),
      expiry: expiryOf(next),
      now: this.d.runtime.now(),
    });
    if (stored === null) {
      this.d.log?.warn({ userId }, 'garmin connection changed during the token refresh; the refreshed pair was dropped');
      return 'failed';
    }
    this.d.log?.info({ userId }, 'garmin tokens refreshed by the keeper');
    return 'refreshed';
  }

  private isDue(t: GarminTokens, now: number): boolean {
    if (t.refreshExpiresAt !== undefined) {
      // Short-lived refresh tokens get a quarter of their life as the window, not every round.
      const life = t.issuedAt !== undefined ? t.refreshExpiresAt - t.issuedAt : Number.POSITIVE_INFINITY;
      if (t.refreshExpiresAt <= now + Math.min(this.refreshWithinMs, life / 4)) return true;
    }
    return t.expiresAt <= now - this.idleAfterMs;
  }
}

/** The not-secret expiries stored next to the sealed pair. */
export function expiryOf(t: GarminTokens): GarminTokenExpiry {
  return { accessExpiresAt: t.expiresAt, refreshExpiresAt: t.refreshExpiresAt ?? null };
}
