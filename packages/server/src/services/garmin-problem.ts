import {
  GarminAccountLockedError,
  GarminCaptchaRequiredError,
  GarminError,
  GarminInvalidCredentialsError,
  GarminMfaExpiredError,
  GarminTokenInvalidError,
  GarminUnexpectedAnswerError,
} from '@fitsync/garmin';
import { ApiError } from '../http/api-error.js';

/** A wait in words: "58 min", "2 h", "23 h 59 min" (at least 1 min). */
export function waitText(seconds: number): string {
  const m = Math.max(1, Math.ceil(seconds / 60));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** "07:12 UTC", with the date when it is not today's (UTC). */
export function clockText(atMs: number, nowMs: number): string {
  const at = new Date(atMs).toISOString();
  const hm = `${at.slice(11, 16)} UTC`;
  return at.slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10) ? hm : `${hm} on ${at.slice(0, 10)}`;
}

/**
 * 429 rate_limited while sign-ins of the Garmin account are backed off (garmin-protocol.md: "Sign-in
 * 429s … never loop on them … tell the user when to retry"). Retry-After is in whole seconds; the
 * detail states the wait and when it ends. `heldBack` false: Garmin's own wait, no back-off of ours.
 */
export function garminRateLimited(
  untilMs: number,
  nowMs: number,
  why = 'Garmin is limiting sign-ins for this account',
  heldBack = true,
): ApiError {
  const s = Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
  const then = `try again in ${waitText(s)}, at ${clockText(nowMs + s * 1000, nowMs)}.`;
  return new ApiError(
    429,
    'rate_limited',
    heldBack ? `${why}; FitSync holds further sign-ins back: ${then}` : `${why}; ${then}`,
    { retry_after: s },
    { 'retry-after': String(s) },
  );
}

/**
 * The one mapping from Garmin client errors (sign-in and MFA) to problem documents. Details name
 * what Garmin did, never what was sent: GarminError messages carry no secrets by contract, but only
 * the unexpected-answer text (HTTP status, content type, page title) is passed through. Throttling
 * and Cloudflare blocks are not here: they start the account's back-off, and its refusal is the answer
 * (garminRateLimited).
 */
export function garminSignInProblem(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof GarminInvalidCredentialsError) {
    return new ApiError(401, 'garmin_auth_failed', 'Garmin rejected the email or password.');
  }
  if (err instanceof GarminAccountLockedError) {
    return new ApiError(401, 'garmin_auth_failed', 'Garmin reports the account as locked; unlock it at connect.garmin.com first.');
  }
  if (err instanceof GarminMfaExpiredError) {
    return new ApiError(410, 'mfa_challenge_expired', 'The Garmin sign-in expired; connect again to get a new code.');
  }
  if (err instanceof GarminCaptchaRequiredError) {
    return upstream('Garmin asked for a CAPTCHA, which FitSync cannot answer; try again later.');
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
