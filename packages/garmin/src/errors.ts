/**
 * Typed errors of the Garmin client. Every failure the library reports is a
 * `GarminError` with a stable `code`, so the server maps them to problem codes
 * in one place. Messages never carry secrets (passwords, tokens, codes,
 * cookies, tickets): they name what was seen (HTTP status, content type, page
 * title, `responseStatus.type`), never a body.
 */
import type { GarminPendingLogin } from './pending.js';

/** Stable machine codes of {@link GarminError}. */
export type GarminErrorCode =
  | 'invalid_credentials'
  | 'account_locked'
  | 'mfa_invalid'
  | 'mfa_expired'
  | 'captcha_required'
  | 'cloudflare_blocked'
  | 'rate_limited'
  | 'token_invalid'
  | 'not_found'
  | 'unavailable'
  | 'unexpected_answer'
  | 'network_error'
  | 'invalid_input';

/** Base class of every error thrown by `@fitsync/garmin`. */
export class GarminError extends Error {
  readonly code: GarminErrorCode;
  constructor(code: GarminErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Garmin rejected the e-mail/password (`INVALID_USERNAME_PASSWORD`, HTTP 401). Never retried. */
export class GarminInvalidCredentialsError extends GarminError {
  constructor(message = 'Garmin rejected the e-mail or password') {
    super('invalid_credentials', message);
  }
}

/** Garmin reports the account as locked or disabled. Never retried. */
export class GarminAccountLockedError extends GarminError {
  constructor(message = 'Garmin reports the account as locked') {
    super('account_locked', message);
  }
}

/**
 * Garmin rejected the MFA code. The same pending sign-in may be retried with
 * another code; when Garmin changed the session (new cookies or CSRF value),
 * `pending` holds the updated state the caller should persist instead.
 */
export class GarminMfaInvalidError extends GarminError {
  declare readonly pending: GarminPendingLogin | undefined;
  constructor(message = 'Garmin rejected the MFA code', pending?: GarminPendingLogin) {
    super('mfa_invalid', message);
    // Not enumerable: the pending state holds session cookies and must not reach logs with the error.
    Object.defineProperty(this, 'pending', { value: pending, enumerable: false });
  }
}

/** The pending MFA sign-in is no longer usable (Garmin says expired): start again. */
export class GarminMfaExpiredError extends GarminError {
  constructor(message = 'The Garmin MFA sign-in expired; sign in again') {
    super('mfa_expired', message);
  }
}

/** Garmin demands a CAPTCHA this client cannot solve (the next strategy is tried). */
export class GarminCaptchaRequiredError extends GarminError {
  constructor(message = 'Garmin asks for a CAPTCHA') {
    super('captcha_required', message);
  }
}

/** Cloudflare answered with a challenge page (HTTP 403 HTML) instead of Garmin. */
export class GarminCloudflareBlockedError extends GarminError {
  constructor(message = 'Cloudflare blocked the request to Garmin (HTTP 403 challenge page)') {
    super('cloudflare_blocked', message);
  }
}

/** Garmin throttles us; `retryAfterSeconds` says how long to wait before trying again. */
export class GarminRateLimitedError extends GarminError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, what = 'Garmin') {
    super('rate_limited', `${what} is rate limiting requests; retry in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The Garmin tokens are not usable any more (second 401, refresh rejected): re-authentication required. */
export class GarminTokenInvalidError extends GarminError {
  constructor(message = 'Garmin tokens are no longer valid; reauth required') {
    super('token_invalid', message);
  }
}

/** Garmin answered 404 for the requested resource. */
export class GarminNotFoundError extends GarminError {
  constructor(message = 'Garmin has no such resource') {
    super('not_found', message);
  }
}

/** Garmin stayed unreachable or failing after the bounded retries. */
export class GarminUnavailableError extends GarminError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

/** Garmin answered something this client does not recognise; the message names what was seen. */
export class GarminUnexpectedAnswerError extends GarminError {
  constructor(message: string) {
    super('unexpected_answer', message);
  }
}

/** Kinds of transport failure; all but `connect` may have reached Garmin. */
export type NetworkFailureKind = 'connect' | 'reset' | 'timeout' | 'truncated';

/** A transport-level failure (no usable HTTP answer). Data calls retry these. */
export class GarminNetworkError extends GarminError {
  readonly kind: NetworkFailureKind;
  constructor(kind: NetworkFailureKind, message: string, options?: { cause?: unknown }) {
    super('network_error', message, options);
    this.kind = kind;
  }
}

/** The caller passed an invalid argument (bad date, empty id, malformed pending state). */
export class GarminInputError extends GarminError {
  constructor(message: string) {
    super('invalid_input', message);
  }
}
