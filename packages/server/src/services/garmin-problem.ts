import {
  GarminAccountLockedError,
  GarminCaptchaRequiredError,
  GarminCloudflareBlockedError,
  GarminError,
  GarminInvalidCredentialsError,
  GarminMfaExpiredError,
  GarminRateLimitedError,
  GarminTokenInvalidError,
  GarminUnexpectedAnswerError,
} from '@fitsync/garmin';
import { ApiError } from '../http/api-error.js';

/** Minutes to show for a wait in seconds (at least 1). */
export function waitMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/**
 * 429 rate_limited for Garmin throttling sign-ins (garmin-protocol.md: "Sign-in 429s … never loop
 * on them … tell the user when to retry"). Retry-After is in whole seconds.
 */
export function garminRateLimited(retryAfterS: number): ApiError {
  const s = Math.max(1, Math.ceil(retryAfterS));
  const m = waitMinutes(s);
  return new ApiError(
    429,
    'rate_limited',
    `Garmin is limiting sign-ins; try again in ${m} minute${m === 1 ? '' : 's'}.`,
    { retry_after: s },
    { 'retry-after': String(s) },
  );
}

/**
 * The one mapping from Garmin client errors (sign-in and MFA) to problem documents. Details name
 * what Garmin did, never what was sent: GarminError messages carry no secrets by contract, but only
 * the unexpected-answer text (HTTP status, content type, page title) is passed through.
 */
export function garminSignInProblem(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof GarminInvalidCredentialsError) {
    return new ApiError(401, 'garmin_auth_failed', 'Garmin rejected the email or password.');
  }
  if (err instanceof GarminAccountLockedError) {
    return new ApiError(401, 'garmin_auth_failed', 'Garmin reports the account as locked; unlock it at connect.garmin.com first.');
  }
  if (err instanceof GarminRateLimitedError) return garminRateLimited(err.retryAfterSeconds);
  if (err instanceof GarminMfaExpiredError) {
    return new ApiError(410, 'mfa_challenge_expired', 'The Garmin sign-in expired; connect again to get a new code.');
  }
  if (err instanceof GarminCaptchaRequiredError) {
    return upstream('Garmin asked for a CAPTCHA, which FitSync cannot answer; try again later.');
  }
  if (err instanceof GarminCloudflareBlockedError) {
    return upstream("Garmin's sign-in is blocked by a Cloudflare challenge; try again later.");
  }
  if (err instanceof GarminTokenInvalidError) {
    return upstream('Garmin issued tokens it then refused; try connecting again later.');
  }
  if (err instanceof GarminUnexpectedAnswerError) {
    return upstream(`Garmin's sign-in answered something FitSync does not recognise (${oneLine(err.message)}).`);
  }
  if (err instanceof GarminError) return upstream("Garmin's sign-in is unreachable or failing; try again later.");
  throw err;
}

function upstream(detail: string): ApiError {
  return new ApiError(502, 'upstream_unavailable', detail);
}

function oneLine(s: string): string {
  // Control characters must not reach clients or logs.
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}
