import type { GarminConnected, GarminConnection, GarminMfaRequired, GarminTokenImportBody } from '@fitsync/api';
import {
  GarminApi,
  GarminAuth,
  GarminCloudflareBlockedError,
  type GarminEndpoints,
  GarminError,
  GarminInputError,
  GarminInvalidCredentialsError,
  GarminMfaInvalidError,
  type GarminPendingLogin,
  GarminRateLimitedError,
  GarminTokenInvalidError,
  type GarminTokens,
  type HttpClient,
  parseGarminTokens,
  parsePendingLogin,
  type RetryPolicy,
} from '@fitsync/garmin';
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { GarminNotConnectedError, reauthRequiredMessage } from '../errors/garmin-not-connected-error.js';
import { ApiError } from '../http/api-error.js';
import { type Counter, garminRequestCounter, type Metrics } from '../metrics.js';
import { newId, type Random } from '../random.js';
import {
  consumeGarminChallenge,
  deleteExpiredGarminChallenges,
  deleteGarminChallenges,
  findGarminChallenge,
  insertGarminChallenge,
  releaseGarminChallengeAttempt,
  reserveGarminChallengeAttempt,
  storeGarminChallengePending,
} from '../repositories/garmin-challenges.js';
import {
  deleteGarminConnection,
  findGarminConnection,
  markGarminReauth,
  putGarminConnection,
  updateGarminTokens,
} from '../repositories/garmin-connections.js';
import { cancelActiveSyncJobs } from '../repositories/sync-jobs.js';
import { publishJob } from '../sync/publish-job.js';
import { type GuardState, guardGarminApi } from './garmin-guarded-api.js';
import { garminRateLimited, garminSignInProblem } from './garmin-problem.js';
import { GarminSigninBackoff } from './garmin-signin-backoff.js';
import { tokensFromImport } from './garmin-token-import.js';
import { expiryOf } from './garmin-token-keeper.js';
import type { ThrottleService } from './throttle-service.js';
import type { Log } from '../log.js';

export type GarminLog = Pick<Log, 'info' | 'warn'>;

export interface GarminConnectionServiceDeps {
  db: Db;
  runtime: Runtime;
  /** Where the sync jobs a disconnect cancels are published. */
  events: EventBus;
  random: Random;
  secretBox: SecretBox;
  metrics: Metrics;
  /** Counts wrong Garmin passwords like FitSync's own (per user and address, per user, per address). */
  throttle: ThrottleService;
  /** Garmin's hosts (config FITSYNC_GARMIN_*_URL). */
  endpoints: GarminEndpoints;
  log?: GarminLog;
  /** HTTP client for Garmin (default the library's Transport); a test seam. */
  http?: HttpClient;
  /** Lifetime of a parked MFA sign-in (default 600 s: Garmin's codes last minutes). */
  challengeTtlS?: number;
  /** Wrong codes per challenge before it dies (default 5). */
  challengeMaxAttempts?: number;
  /** Retry policy of the GarminApi objects `apiFor` builds (default the library's). */
  retry?: Partial<RetryPolicy>;
  /** Called after a disconnect cancelled the user's sync jobs, so this process stops running them at once. */
  onSyncJobsCancelled?: (userId: string) => void;
  /** Called after every successful link (password, MFA, token import), e.g. to give it a default schedule. */
  onLinked?: (userId: string) => Promise<void> | void;
  /** Called after Garmin answered a refresh, before the rotated pair is stored (the kill -9 test seam). */
  afterGarminRefresh?: () => void;
}

const NOT_CONNECTED = 'No Garmin account is connected; run `fitsync garmin connect`.';
const expired = () =>
  new ApiError(410, 'mfa_challenge_expired', 'The Garmin sign-in challenge has expired or is unknown; run `fitsync garmin connect` again.');

/**
 * Links a FitSync user to a Garmin Connect account (spec: /v1/garmin/connection) and hands the
 * sync engine an authenticated Garmin client.
 *
 * - Garmin tokens are stored SecretBox-sealed (context `garmin-tokens:<user_id>`).
 * - A sign-in paused for Garmin's MFA code is data (GarminPendingLogin), sealed and stored with a
 *   short lifetime, so any instance sharing the database can resume it with a fresh GarminAuth.
 * - Garmin throttling (429) or Cloudflare blocking a sign-in starts a back-off of that Garmin account
 *   (1 h doubling to 24 h, GarminSigninBackoff), during which its sign-ins are refused here without
 *   calling Garmin: retrying makes Garmin's throttling worse. A successful sign-in ends it.
 * - Wrong Garmin passwords are throttled by the ThrottleService (key `garmin:<user_id>`), reserved
 *   before Garmin is called, so FitSync is no faster an oracle for Garmin passwords than for its own.
 */
export class GarminConnectionService {
  private readonly ttlS: number;
  private readonly maxAttempts: number;
  private readonly signins: Counter;
  private readonly reauths: Counter;
  private readonly backoff: GarminSigninBackoff;
  /** Every data call's HTTP attempts, by route template and status (fitsync_garmin_requests_total). */
  private readonly onGarminCall: (endpoint: string, status: number | 'error') => void;

  constructor(private readonly d: GarminConnectionServiceDeps) {
    this.backoff = new GarminSigninBackoff(d);
    this.ttlS = d.challengeTtlS ?? 600;
    this.maxAttempts = d.challengeMaxAttempts ?? 5;
    this.signins = d.metrics.counter('fitsync_garmin_signin_total', 'Garmin sign-in steps (password and MFA code), by step and result.');
    this.reauths = d.metrics.counter('fitsync_garmin_reauth_required_total', 'Garmin connections that Garmin stopped accepting.');
    const requests = garminRequestCounter(d.metrics);
    this.onGarminCall = (endpoint, status) => requests.inc({ endpoint, status: String(status) });
  }

  /**
   * Signs in to Garmin with the user's Garmin e-mail and password. Returns `connected`, or
   * `mfa_required` with a challenge to finish with `verifyMfa`. Throws ApiError 401
   * garmin_auth_failed, 429 rate_limited (with Retry-After), 429 too_many_attempts (too many
   * wrong passwords from this user or address; Garmin is not called), 502 upstream_unavailable.
   */
  async connect(userId: string, email: string, password: string, ip: string): Promise<GarminConnected | GarminMfaRequired> {
    const accountKey = this.backoff.accountKey(email);
    await this.backoff.remember(userId, accountKey);
    await this.checkCooldown(userId, 'password');
    const attempt = await this.d.throttle.begin({ accountKey: garminKey(userId), ip });
    const auth = this.auth();
    let result: Awaited<ReturnType<GarminAuth['login']>>;
    try {
      result = await auth.login(email, password);
    } catch (err) {
      // Only Garmin saying "wrong email or password" is a guess; throttling, outages and CAPTCHAs say nothing about it.
      await (err instanceof GarminInvalidCredentialsError ? attempt.fail() : attempt.release());
      throw await this.signInFailed(userId, 'password', err);
    }
    await attempt.succeed();
    // Garmin took the password: the account is not throttled any more.
    await this.backoff.clear(accountKey);
    if (result.status === 'authenticated') return this.link(userId, result.tokens, 'password');
    const now = this.d.runtime.now();
    const id = newId(this.d.random);
    await deleteExpiredGarminChallenges(this.d.db, now);
    await insertGarminChallenge(this.d.db, {
      id,
      userId,
      pendingEnc: this.sealPending(id, userId, result.pending),
      now,
      expiresAt: now + this.ttlS * 1000,
    });
    this.count('password', 'mfa_required');
    this.d.log?.info({ userId, challengeId: id, mfaMethod: result.mfaMethod }, 'garmin sign-in waits for the MFA code');
    return { status: 'mfa_required', challenge_id: id, expires_in: this.ttlS };
  }

  /**
   * Resumes a parked sign-in with Garmin's code. 401 invalid_mfa_code with `attempts_left` (the
   * same challenge may be retried until the budget is spent), 410 mfa_challenge_expired for an
   * expired, used, spent or unknown challenge (another user's id reads as unknown).
   */
  async verifyMfa(userId: string, challengeId: string, code: string): Promise<GarminConnected> {
    const now = this.d.runtime.now();
    const row = await findGarminChallenge(this.d.db, challengeId, userId);
    if (!row || row.consumed_at !== null || row.expires_at <= now || row.failed_attempts >= this.maxAttempts) {
      this.count('mfa', 'expired');
      throw expired();
    }
    let pending: GarminPendingLogin;
    try {
      pending = parsePendingLogin(JSON.parse(this.d.secretBox.openText(row.pending_enc, pendingContext(row.id, userId))));
    } catch {
      // Sealed under another key or corrupt: it cannot be resumed.
      await consumeGarminChallenge(this.d.db, row.id, now);
      throw expired();
    }
    await this.checkCooldown(userId, 'mfa');
    // The attempt takes its place in the challenge's budget before Garmin hears the code, so a
    // burst of guesses cannot get more than `maxAttempts` codes to Garmin.
    const reserved = await reserveGarminChallengeAttempt(this.d.db, row.id, userId, this.maxAttempts, now);
    if (reserved === null) {
      this.count('mfa', 'expired');
      throw expired();
    }
    let tokens: GarminTokens;
    try {
      tokens = await this.auth().resumeLogin(pending, code);
    } catch (err) {
      if (err instanceof GarminMfaInvalidError) {
        await storeGarminChallengePending(this.d.db, row.id, this.sealPending(row.id, userId, err.pending ?? pending));
        this.count('mfa', 'invalid_code');
        throw new ApiError(401, 'invalid_mfa_code', 'Garmin rejected the code.', { attempts_left: Math.max(0, this.maxAttempts - reserved) });
      }
      if (!(err instanceof GarminRateLimitedError) && err instanceof GarminError) {
        // Expired at Garmin, or Garmin failing: this pause cannot be resumed; a new sign-in is needed.
        await consumeGarminChallenge(this.d.db, row.id, now);
      } else {
        // No verdict on the code: its place in the budget is given back.
        await releaseGarminChallengeAttempt(this.d.db, row.id);
      }
      if (err instanceof GarminInputError) throw expired();
      throw await this.signInFailed(userId, 'mfa', err);
    }
    // Garmin issued tokens for this user: link even if a concurrent attempt on the same challenge
    // marked it used meanwhile (Garmin accepts a pending sign-in's code once, so this runs once).
    await consumeGarminChallenge(this.d.db, row.id, this.d.runtime.now());
    const accountKey = await this.backoff.accountOf(userId);
    if (accountKey) await this.backoff.clear(accountKey);
    return this.link(userId, tokens, 'mfa');
  }

  /**
   * Links Garmin with tokens another tool saved (python-garminconnect, garth). They are checked with
   * one profile call — refreshed first only when the access token expires within 15 min — and
   * linked like a sign-in's; nothing is stored on any failure. 400 validation_error (malformed,
   * not garmin.com), 401 garmin_auth_failed (expired, or Garmin refused them), 429 rate_limited
   * (Garmin throttled the profile call), 502 upstream_unavailable. Not subject to the sign-in
   * back-off: no sign-in happens, and the calls go to connectapi and diauth, not to the SSO.
   */
  async importTokens(userId: string, body: GarminTokenImportBody): Promise<GarminConnected> {
    let tokens: GarminTokens;
    try {
      tokens = tokensFromImport(body, this.d.runtime.now());
    } catch (err) {
      if (err instanceof ApiError) this.count('import', err.code);
      throw err;
    }
    return this.link(userId, tokens, 'import');
  }

  /** The connection as the API shows it. */
  async status(userId: string): Promise<GarminConnection> {
    const row = await findGarminConnection(this.d.db, userId);
    const until = await this.backoff.untilForUser(userId);
    const blocked = until > this.d.runtime.now() ? new Date(until).toISOString() : null;
    if (!row) return { status: 'not_connected', display_name: null, connected_at: null, reauth_required_at: null, time_zone: null, signin_blocked_until: blocked };
    return {
      status: row.status,
      display_name: row.display_name,
      connected_at: new Date(Number(row.connected_at)).toISOString(),
      reauth_required_at: row.status === 'reauth_required' && row.reauth_required_at !== null ? new Date(Number(row.reauth_required_at)).toISOString() : null,
      time_zone: row.time_zone,
      signin_blocked_until: blocked,
    };
  }

  /**
   * Erases the stored Garmin tokens and any parked sign-in of the user, and cancels the user's
   * active sync job in the same transaction: once this returns, the job is cancelled, a worker of
   * this process has stopped it, and one elsewhere stops at its next heartbeat.
   */
  async disconnect(userId: string): Promise<void> {
    const cancelled = await this.d.db.transaction(async (tx) => {
      await deleteGarminConnection(tx, userId);
      await deleteGarminChallenges(tx, userId);
      return cancelActiveSyncJobs(tx, userId, this.d.runtime.now());
    });
    this.d.events.publish('user-changed', userId, { what: 'garmin' });
    for (const row of cancelled) publishJob(this.d.events, row);
    if (cancelled.length > 0) this.d.onSyncJobsCancelled?.(userId);
    this.d.log?.info({ userId, cancelledJobs: cancelled.length }, 'garmin connection removed');
  }

  /**
   * **Seam for the sync engine.** An authenticated Garmin client for the user, built on the
   * stored tokens:
   * - refreshes ahead of expiry and once after a 401 (GarminApi's rules); every rotated token
   *   pair is sealed and stored before it is used (Garmin spends the old refresh token);
   * - a refresh ahead of expiry that Garmin refuses marks the connection `reauth_required` at once,
   *   while the client goes on with its still-valid access token (GarminApi onRefreshLost);
   * - when Garmin refuses the tokens (GarminTokenInvalidError from any call) the connection
   *   becomes `reauth_required` and the error is rethrown — unless another instance rotated the
   *   tokens meanwhile, in which case the call is retried once on the newer ones;
   * - throws GarminNotConnectedError (HTTP: 409 `garmin_not_connected`) when the user has no connection or it is
   *   `reauth_required` (the detail tells the user to run `fitsync garmin connect`), and when the
   *   user disconnects while the client refreshes.
   * Build one per job; it is not shared between users.
   */
  async apiFor(userId: string): Promise<GarminApi> {
    const state: GuardState = await this.loadApi(userId, () => state);
    return guardGarminApi(state, {
      load: () => this.loadApi(userId, () => state),
      currentVersion: async () => {
        const row = await findGarminConnection(this.d.db, userId);
        return row && row.status === 'connected' ? row.token_version : null;
      },
      markReauth: async (version) => {
        await this.markReauthRequired(userId, version);
      },
    });
  }

  /**
   * Marks the user's connection `reauth_required` (Garmin rejected its tokens). With `ifVersion`,
   * only if the stored tokens are still those of that token_version. Idempotent.
   */
  async markReauthRequired(userId: string, ifVersion?: number): Promise<void> {
    if (await markGarminReauth(this.d.db, userId, this.d.runtime.now(), ifVersion)) {
      this.d.events.publish('user-changed', userId, { what: 'garmin' });
      this.reauths.inc();
      this.d.log?.warn({ userId }, 'garmin rejected the stored tokens; reauth required');
    }
  }

  private async loadApi(userId: string, current: () => GuardState): Promise<GuardState> {
    const row = await findGarminConnection(this.d.db, userId);
    if (!row) throw new GarminNotConnectedError(NOT_CONNECTED);
    if (row.status !== 'connected') throw new GarminNotConnectedError(reauthRequiredMessage(row.reauth_required_at === null ? null : Number(row.reauth_required_at)));
    let tokens: GarminTokens;
    try {
      tokens = parseGarminTokens(JSON.parse(this.d.secretBox.openText(row.tokens_enc, tokensContext(userId))));
    } catch {
      // Sealed under another server key, or corrupt: unusable, so the user must connect again.
      await this.markReauthRequired(userId, row.token_version);
      throw new GarminNotConnectedError(reauthRequiredMessage(this.d.runtime.now()));
    }
    const api = new GarminApi({
      tokens,
      endpoints: this.d.endpoints,
      ...(this.d.http ? { http: this.d.http } : {}),
      // The sync's client: its retries and backoff wait on the server's runtime (FakeRuntime in tests).
      runtime: this.d.runtime,
      ...(this.d.retry ? { retry: this.d.retry } : {}),
      onCall: this.onGarminCall,
      onTokens: async (next) => {
        // Garmin spent the old refresh token when it answered: nothing runs between here and the store.
        this.d.afterGarminRefresh?.();
        const version = await updateGarminTokens(this.d.db, userId, this.sealTokens(userId, next), this.d.runtime.now(), expiryOf(next));
        if (version === null) throw new GarminNotConnectedError(NOT_CONNECTED);
        current().version = version;
      },
      // Garmin refused the refresh token while the access token still works: it was spent by a
      // refresh whose answer was never stored (a crash between the two). The session cannot be kept,
      // so the connection says so at once; this client finishes its job on the access token.
      onRefreshLost: async () => {
        await this.markReauthRequired(userId, current().version);
      },
    });
    return { api, version: row.token_version };
  }

  /** Validates fresh tokens (socialProfile gives the display name) and stores the connection. */
  private async link(userId: string, tokens: GarminTokens, step: 'password' | 'mfa' | 'import'): Promise<GarminConnected> {
    let latest = tokens;
    let displayName: string;
    try {
      const api = new GarminApi({
        tokens,
        endpoints: this.d.endpoints,
        ...(this.d.http ? { http: this.d.http } : {}),
        runtime: this.requestRuntime(),
        // In a request: one retry at most, and no waiting out a Retry-After.
        retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000, maxRetryAfterSeconds: 0 },
        onCall: this.onGarminCall,
        onTokens: (next) => {
          latest = next;
        },
      });
      displayName = (await api.getSocialProfile()).displayName;
    } catch (err) {
      throw step === 'import' ? this.importFailed(userId, err) : await this.signInFailed(userId, step, err);
    }
    const now = this.d.runtime.now();
    await this.d.db.transaction(async (tx) => {
      await putGarminConnection(tx, { userId, displayName, tokensEnc: this.sealTokens(userId, latest), now, expiry: expiryOf(latest) });
      await deleteGarminChallenges(tx, userId);
    });
    this.d.events.publish('user-changed', userId, { what: 'garmin' });
    this.count(step, 'connected');
    this.d.log?.info({ userId }, 'garmin account connected');
    await this.d.onLinked?.(userId);
    return { status: 'connected', display_name: displayName };
  }

  private importFailed(userId: string, err: unknown): ApiError {
    let problem: ApiError;
    if (err instanceof GarminTokenInvalidError) {
      problem = new ApiError(401, 'garmin_auth_failed', `Garmin refused the imported tokens (${importReason(err)}); sign in with \`fitsync garmin connect\`.`);
    } else if (err instanceof GarminRateLimitedError) {
      const now = this.d.runtime.now();
      problem = garminRateLimited(now + Math.max(1, err.retryAfterSeconds) * 1000, now, 'Garmin is rate limiting requests', false);
    } else {
      problem = garminSignInProblem(err);
    }
    this.count('import', problem.code);
    this.d.log?.warn({ userId, step: 'import', garminError: err instanceof GarminError ? err.code : 'other', status: problem.status }, 'garmin token import failed');
    return problem;
  }

  private async checkCooldown(userId: string, step: 'password' | 'mfa'): Promise<void> {
    const until = await this.backoff.untilForUser(userId);
    const now = this.d.runtime.now();
    if (until > now) {
      this.count(step, 'cooldown');
      throw garminRateLimited(until, now, 'Garmin refused recent sign-ins of this account');
    }
  }

  private async signInFailed(userId: string, step: 'password' | 'mfa', err: unknown): Promise<ApiError> {
    const problem = await this.backOffAfter(userId, err) ?? garminSignInProblem(err);
    this.count(step, problem.code);
    // The error class and code only: enough to diagnose, nothing the user typed.
    this.d.log?.warn({ userId, step, garminError: err instanceof GarminError ? err.code : 'other', status: problem.status }, 'garmin sign-in failed');
    return problem;
  }

  /**
   * Garmin throttling (429) or Cloudflare blocking a sign-in (on every strategy: GarminAuth tries
   * the next one first) starts or extends the back-off of the account the user signs in with; the
   * answer is its refusal, with the wait. Null for any other failure.
   */
  private async backOffAfter(userId: string, err: unknown): Promise<ApiError | null> {
    const throttled = err instanceof GarminRateLimitedError;
    if (!throttled && !(err instanceof GarminCloudflareBlockedError)) return null;
    const retryAfterS = throttled ? err.retryAfterSeconds : 0;
    const accountKey = await this.backoff.accountOf(userId);
    const until = accountKey ? await this.backoff.recordBlock(accountKey, retryAfterS) : await this.backoff.recordUserCooldown(userId, retryAfterS);
    return garminRateLimited(until, this.d.runtime.now(), throttled ? 'Garmin is limiting sign-ins for this account' : "Cloudflare blocked Garmin's sign-in");
  }

  private auth(): GarminAuth {
    // A fresh object per sign-in: no state is kept between requests (the pause is data).
    return new GarminAuth({
      endpoints: this.d.endpoints,
      ...(this.d.http ? { http: this.d.http } : {}),
      runtime: this.requestRuntime(),
      pendingMaxAgeMs: this.ttlS * 1000,
    });
  }

  /**
   * The runtime of Garmin calls made inside an HTTP request (sign-in, linking): the server's clock,
   * but real waits — a request's one short retry must not park on a test's fake clock that nothing
   * advances while the request is awaited.
   */
  private requestRuntime(): Runtime {
    const rt = this.d.runtime;
    return { now: () => rt.now(), sleep: (ms, signal) => systemRuntime.sleep(ms, signal), random: () => rt.random() };
  }

  private count(step: string, result: string): void {
    this.signins.inc({ step, result });
  }

  private sealTokens(userId: string, tokens: GarminTokens): string {
    return this.d.secretBox.seal(JSON.stringify(tokens), tokensContext(userId));
  }

  private sealPending(id: string, userId: string, pending: GarminPendingLogin): string {
    return this.d.secretBox.seal(JSON.stringify(pending), pendingContext(id, userId));
  }
}

/** Throttle key for wrong Garmin passwords of one FitSync user. */
export function garminKey(userId: string): string {
  return `garmin:${userId}`;
}

/** Why Garmin refused imported tokens, in words (GarminTokenInvalidError messages name no secret). */
function importReason(err: GarminTokenInvalidError): string {
  if (/refresh token expired/i.test(err.message)) return 'the refresh token has expired';
  if (/token refresh/i.test(err.message)) return 'the refresh token was rejected';
  return 'the profile call was answered 401';
}

function tokensContext(userId: string): string {
  return `garmin-tokens:${userId}`;
}

function pendingContext(id: string, userId: string): string {
  return `garmin-pending:${id}:${userId}`;
}
