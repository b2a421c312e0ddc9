/**
 * Signing in to Garmin Connect: strategies tried in order (mobile JSON API,
 * then the classic widget), Garmin's MFA as a serialisable pause, and the
 * ticket → DI OAuth2 token exchange (garmin-protocol.md).
 */
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { CookieJar } from './cookie-jar.js';
import { DI_CLIENT_IDS, exchangeServiceTicket, type GarminTokens, refreshDiTokens } from './di-oauth.js';
import { type GarminEndpoints, resolveEndpoints } from './endpoints.js';
import {
  GarminAccountLockedError,
  GarminError,
  GarminInputError,
  GarminInvalidCredentialsError,
  GarminMfaExpiredError,
  GarminMfaInvalidError,
  GarminRateLimitedError,
  GarminUnavailableError,
} from './errors.js';
import { type GarminPendingLogin, parsePendingLogin } from './pending.js';
import { classicLogin, classicVerifyCode } from './sign-in-classic.js';
import type { SignInContext } from './sign-in-context.js';
import { GCM_ANDROID, type MobileClient, mobileLogin, mobileVerifyCode } from './sign-in-mobile.js';
import { type HttpClient, Transport } from './transport.js';

/** Names of the sign-in strategies. */
export type SignInStrategyName = 'mobile' | 'classic';

/** Options of {@link GarminAuth}. */
export interface GarminAuthOptions {
  /** Base URLs (default Garmin's hosts). */
  endpoints?: Partial<GarminEndpoints>;
  /** HTTP client (default a new {@link Transport}). */
  http?: HttpClient;
  /** Clock/sleep/random (default real ones). */
  runtime?: Runtime;
  /** Strategies in the order tried (default `['mobile', 'classic']`). */
  strategies?: SignInStrategyName[];
  /** Mobile app identity (default Android: GCM_ANDROID_DARK). */
  mobileClient?: MobileClient;
  /** DI client ids tried for the ticket exchange (default {@link DI_CLIENT_IDS}). */
  diClientIds?: readonly string[];
  /** A pending sign-in older than this is refused as expired (default 30 min). */
  pendingMaxAgeMs?: number;
}

/** Result of {@link GarminAuth.login}. */
export type GarminLoginResult =
  | { status: 'authenticated'; tokens: GarminTokens }
  | {
      status: 'mfa_required';
      /** Park this (encrypted, short-lived) and pass it to `resumeLogin` with the code. */
      pending: GarminPendingLogin;
      /** Where Garmin sent the code, as Garmin reported it (e.g. "email"), or null. */
      mfaMethod: string | null;
    };

/** Errors after which no other strategy is tried: they would fail the same way or make throttling worse. */
function isFinal(err: unknown): boolean {
  return (
    err instanceof GarminInvalidCredentialsError ||
    err instanceof GarminRateLimitedError ||
    err instanceof GarminAccountLockedError ||
    err instanceof GarminUnavailableError ||
    err instanceof GarminInputError
  );
}

/** Signs in to Garmin Connect and refreshes tokens. Holds no per-user state between calls. */
export class GarminAuth {
  private readonly ctx: SignInContext;
  private readonly strategies: SignInStrategyName[];
  private readonly mobileClient: MobileClient;
  private readonly diClientIds: readonly string[];
  private readonly pendingMaxAgeMs: number;

  constructor(opts: GarminAuthOptions = {}) {
    this.ctx = {
      http: opts.http ?? new Transport(),
      endpoints: resolveEndpoints(opts.endpoints),
      runtime: opts.runtime ?? systemRuntime,
    };
    this.strategies = opts.strategies ?? ['mobile', 'classic'];
    this.mobileClient = opts.mobileClient ?? GCM_ANDROID;
    this.diClientIds = opts.diClientIds ?? DI_CLIENT_IDS;
    this.pendingMaxAgeMs = opts.pendingMaxAgeMs ?? 30 * 60_000;
  }

  /**
   * Signs in with e-mail and password. Returns tokens, or `mfa_required` with a
   * JSON-serialisable `pending` to resume with Garmin's code. Stops at once on
   * wrong credentials (GarminInvalidCredentialsError) or throttling
   * (GarminRateLimitedError with `retryAfterSeconds`); CAPTCHA, Cloudflare
   * blocks and unrecognised answers fall through to the next strategy, and the
   * last strategy's typed error is thrown when all fail.
   */
  async login(email: string, password: string): Promise<GarminLoginResult> {
    if (typeof email !== 'string' || email.trim().length === 0 || email.length > 320) {
      throw new GarminInputError('Garmin e-mail is missing or too long');
    }
    if (typeof password !== 'string' || password.length === 0 || password.length > 1024) {
      throw new GarminInputError('Garmin password is missing or too long');
    }
    const startedAt = this.ctx.runtime.now();
    let last: unknown;
    for (const name of this.strategies) {
      const jar = new CookieJar([], () => this.ctx.runtime.now());
      let step: Awaited<ReturnType<typeof mobileLogin>> | Awaited<ReturnType<typeof classicLogin>>;
      try {
        step =
          name === 'mobile'
            ? await mobileLogin(this.ctx, jar, this.mobileClient, email.trim(), password)
            : await classicLogin(this.ctx, jar, email.trim(), password);
      } catch (err) {
        if (!(err instanceof GarminError) || isFinal(err)) throw err;
        last = err;
        continue;
      }
      // Once Garmin issued a ticket, failures of the exchange are not the strategy's: no fallback.
      if (step.kind === 'ticket') return { status: 'authenticated', tokens: await this.exchange(step.ticket, step.service) };
      const pending = {
        version: 1,
        strategy: name,
        params: step.params,
        cookies: jar.toJSON(),
        mfaMethod: step.mfaMethod,
        startedAt,
      } as GarminPendingLogin;
      return { status: 'mfa_required', pending, mfaMethod: step.mfaMethod };
    }
    throw last ?? new GarminInputError('no sign-in strategy configured');
  }

  /**
   * Finishes a sign-in paused for MFA, on any client object (the pending state
   * is data). Returns tokens; throws GarminMfaInvalidError for a wrong code —
   * retry with another code using `err.pending` when set (Garmin changed the
   * session), else the same pending; GarminMfaExpiredError when too old.
   */
  async resumeLogin(pendingData: GarminPendingLogin, code: string): Promise<GarminTokens> {
    const pending = parsePendingLogin(pendingData);
    const clean = typeof code === 'string' ? code.trim() : '';
    if (!/^[A-Za-z0-9-]{1,32}$/.test(clean)) throw new GarminMfaInvalidError('The MFA code is malformed');
    if (this.ctx.runtime.now() - pending.startedAt > this.pendingMaxAgeMs) throw new GarminMfaExpiredError();
    const jar = CookieJar.fromJSON(pending.cookies, () => this.ctx.runtime.now());
    if (pending.strategy === 'mobile') {
      let ticket: string;
      try {
        ticket = await mobileVerifyCode(this.ctx, jar, pending.params, pending.mfaMethod, clean);
      } catch (err) {
        if (err instanceof GarminMfaInvalidError) {
          throw new GarminMfaInvalidError(err.message, { ...pending, cookies: jar.toJSON() });
        }
        throw err;
      }
      return this.exchange(ticket, pending.params.service);
    }
    const out = await classicVerifyCode(this.ctx, jar, pending.params, clean);
    if ('retry' in out) {
      throw new GarminMfaInvalidError('Garmin rejected the MFA code', {
        ...pending,
        params: out.retry,
        cookies: jar.toJSON(),
      });
    }
    return this.exchange(out.ticket, pending.params.service);
  }

  /**
   * Refreshes tokens (rotating refresh token). Throws GarminTokenInvalidError
   * when Garmin rejects the refresh token (reauth required).
   */
  async refresh(tokens: GarminTokens): Promise<GarminTokens> {
    return refreshDiTokens(this.ctx, tokens);
  }

  private exchange(ticket: string, service: string): Promise<GarminTokens> {
    return exchangeServiceTicket(this.ctx, ticket, service, this.diClientIds);
  }
}
