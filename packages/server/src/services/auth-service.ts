import type { LoginResponse, Me, MfaChallenge, TokenPair } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import type { Config } from '../config.js';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Db, Queryable } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { ApiError, invalidToken } from '../http/api-error.js';
import type { AuthMetrics } from '../metrics.js';
import { newId, type Random } from '../random.js';
import { consumeChallenge, findChallenge, insertChallenge, reserveChallengeAttempt } from '../repositories/mfa-challenges.js';
import { findMe, findUserById, findUserByName, type UserRow } from '../repositories/users.js';
import type { GarminConnectionStatus } from '../repositories/garmin-connections.js';
import { codeKey, type Factor, type MfaService } from './mfa-service.js';
import { BusCache } from './bus-cache.js';
import type { ThrottleService } from './throttle-service.js';
import type { TokenService } from './token-service.js';
import { toApiUser } from './user-view.js';

export interface AuthServiceDeps {
  db: Db;
  runtime: Runtime;
  random: Random;
  hasher: PasswordHasher;
  throttle: ThrottleService;
  tokens: TokenService;
  mfa: MfaService;
  auth: Config['auth'];
  metrics: AuthMetrics;
  /** `user-changed` events keep the cached `GET /v1/me` answers true (see `me`). */
  events: EventBus;
  /** The cached answers of `GET /v1/me`: at most this many users (10,000), each for at most this long (1 s). */
  meCache?: { maxEntries?: number; maxAgeMs?: number; now?: () => number };
}

/**
 * Opens the session a successful sign-in gets: a token pair for the API and the CLI, a cookie for
 * a browser (src/web/). `q` is the transaction of the MFA step; without it the opener uses the database.
 */
export type SessionOpener<T> = (user: UserRow, mfaVerified: boolean, q?: Queryable) => Promise<T>;

const INVALID_CREDENTIALS = 'Invalid username or password';
const expired = () => new ApiError(410, 'mfa_challenge_expired', 'The sign-in challenge has expired; sign in again.');

/** Password sign-in and its MFA step. */
export class AuthService {
  private dummyHash: Promise<string> | undefined;

  /**
   * `GET /v1/me` answers by user. It is the CLI's start-up and status call and was most of that
   * route's remaining time (issue 13); its answer changes only when MFA is turned on or off or the
   * Garmin link changes, and each of those writes publishes `user-changed` (dropping the entry here
   * and, through the PostgreSQL bus, on other instances). The short max age covers the writers
   * without a bus: `fitsync-server user reset-mfa` in another process.
   */
  private readonly meAnswers: BusCache<'user-changed', Me>;

  constructor(private readonly d: AuthServiceDeps) {
    this.meAnswers = new BusCache({
      events: d.events,
      kind: 'user-changed',
      now: d.meCache?.now ?? (() => performance.now()),
      maxEntries: d.meCache?.maxEntries ?? 10_000,
      maxAgeMs: d.meCache?.maxAgeMs ?? 1000,
    });
    // Warm the dummy hash now so even the first unknown-user sign-in costs one verify, like the others.
    this.getDummyHash().catch(() => {});
  }

  /**
   * Checks a password. Unknown users are checked against a dummy hash so they cost the same time
   * and get the same answer as a wrong password (no username enumeration).
   */
  login(username: string, password: string, ip: string): Promise<LoginResponse> {
    return this.signIn(username, password, ip, (user, mfaVerified, q) => this.d.tokens.openSession(user, mfaVerified, q));
  }

  /** `login` with another kind of session (the browser's): same throttling, lockout, errors and MFA. */
  async signIn<T>(username: string, password: string, ip: string, open: SessionOpener<T>): Promise<T | MfaChallenge> {
    // Reserved before argon2 runs, so a burst of guesses cannot all pass a check made before any failed.
    const attempt = await this.d.throttle.begin({ accountKey: passwordKey(username), ip });
    const user = await findUserByName(this.d.db, username);
    const hash = user?.password_hash ?? (await this.getDummyHash());
    const ok = await this.d.hasher.verify(hash, password);
    if (!user || !ok) {
      await attempt.fail();
      this.d.metrics.logins.inc({ result: 'invalid_credentials' });
      throw new ApiError(401, 'invalid_credentials', INVALID_CREDENTIALS);
    }
    await attempt.succeed();
    if (Number(user.mfa_enabled) === 1) {
      const now = this.d.runtime.now();
      const id = newId(this.d.random);
      await insertChallenge(this.d.db, { id, userId: user.id, now, expiresAt: now + this.d.auth.challengeTtlS * 1000 });
      this.d.metrics.logins.inc({ result: 'mfa_required' });
      return { status: 'mfa_required', challenge_id: id, methods: ['totp', 'recovery_code'], expires_in: this.d.auth.challengeTtlS };
    }
    this.d.metrics.logins.inc({ result: 'authenticated' });
    return open(user, false);
  }

  /**
   * Completes a sign-in challenge with a TOTP or recovery code. The challenge lives in the
   * database (any instance can finish it) and dies after `challengeMaxAttempts` wrong codes or
   * `challengeTtlS`. Both the throttle and the challenge's budget are reserved before the code is
   * checked, so concurrent guesses get no more checks than the limits allow. Consuming the
   * challenge, spending the code and opening the session happen in one transaction, so a code or
   * challenge can only ever succeed once.
   */
  verifyMfa(challengeId: string, factor: Factor, ip: string): Promise<TokenPair> {
    return this.verifyMfaWith(challengeId, factor, ip, (user, mfaVerified, q) => this.d.tokens.openSession(user, mfaVerified, q));
  }

  /** `verifyMfa` with another kind of session (the browser's): the same rules and counters. */
  async verifyMfaWith<T>(challengeId: string, factor: Factor, ip: string, open: SessionOpener<T>): Promise<T> {
    const { db, runtime, auth } = this.d;
    const challenge = await findChallenge(db, challengeId);
    const live = (c: typeof challenge) =>
      c && c.consumed_at === null && Number(c.failed_attempts) < auth.challengeMaxAttempts && Number(c.expires_at) > runtime.now();
    if (!challenge || !live(challenge)) throw expired();
    const attempt = await this.d.throttle.begin({ accountKey: codeKey(challenge.user_id), ip });
    const used = await reserveChallengeAttempt(db, challengeId, auth.challengeMaxAttempts, runtime.now());
    if (used === null) {
      await attempt.release();
      throw expired();
    }
    const user = await findUserById(db, challenge.user_id);
    if (!user) {
      await attempt.release();
      throw expired();
    }

    const prepared = await this.d.mfa.prepareFactor(user.id, factor);
    if (prepared) {
      const result = await db.transaction(async (tx) => {
        if (!(await consumeChallenge(tx, challengeId, runtime.now()))) return 'expired' as const;
        // Throwing rolls the challenge back to unconsumed when the code was already spent.
        if (!(await this.d.mfa.consumeFactor(tx, user.id, prepared))) throw new SpentFactor();
        return { opened: await open(user, true, tx) };
      }).catch((err: unknown) => {
        if (err instanceof SpentFactor) return 'spent' as const;
        throw err;
      });
      if (result === 'expired') {
        // A right code, but the challenge ended meanwhile (expired, or finished by a concurrent right code).
        await attempt.release();
        throw expired();
      }
      if (result !== 'spent') {
        await attempt.succeed();
        this.d.metrics.mfa.inc({ result: 'ok' });
        return result.opened;
      }
    }

    this.d.metrics.mfa.inc({ result: 'invalid' });
    await attempt.fail();
    throw new ApiError(401, 'invalid_mfa_code', 'The code is not valid.', {
      attempts_left: Math.max(0, auth.challengeMaxAttempts - used),
    });
  }

  /**
   * GET /v1/me: the user and the state of their Garmin link (`auth status` warns on reauth_required);
   * a token of a deleted user is invalid.
   */
  async me(userId: string): Promise<Me> {
    const cached = await this.meAnswers.lookup(userId, () => this.readMe(userId));
    // Changed while it was read: read again, after the change (the event follows its commit).
    const me = cached.fresh ? cached.value : await this.readMe(userId);
    if (!me) throw invalidToken();
    return me;
  }

  /** The cached `GET /v1/me` answer of `userId` when `me` would answer it without a read, else undefined. */
  meIfCached(userId: string): Me | undefined {
    return this.meAnswers.peek(userId);
  }

  /** Users kept in the `GET /v1/me` cache now (for tests). */
  get cachedMe(): number {
    return this.meAnswers.size;
  }

  /** One read (user, MFA, Garmin link); undefined for a user who is gone. */
  private async readMe(userId: string): Promise<Me | undefined> {
    const row = await findMe(this.d.db, userId);
    if (!row) return undefined;
    const reauthAt = row.garmin_status === 'reauth_required' && row.reauth_required_at !== null ? Number(row.reauth_required_at) : null;
    return {
      ...toApiUser(row),
      garmin_status: (row.garmin_status as GarminConnectionStatus | null) ?? 'not_connected',
      garmin_reauth_required_at: reauthAt === null ? null : new Date(reauthAt).toISOString(),
    };
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= this.d.hasher.hash(this.d.random.bytes(16).toString('hex'));
    return this.dummyHash;
  }
}

class SpentFactor extends Error {}

/** Throttle key for wrong passwords of one username (known or not, so lockouts reveal nothing). */
export function passwordKey(username: string): string {
  return `pw:${username.toLowerCase()}`;
}
