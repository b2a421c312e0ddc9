import { AuthError, CliError, UnavailableError } from '../../errors.js';

const RECONNECT = 'run `fitsync garmin connect` again';

/**
 * Rewords the server's Garmin sign-in problems for this command group. The generic mapping
 * (src/client/problem.ts) speaks of FitSync sign-in ("run `fitsync auth login`"), which would send
 * the user the wrong way here. Exit codes: wrong Garmin password/code or an expired challenge → 3;
 * Garmin throttling or blocking sign-ins (and FitSync's back-off after it) → 6: Garmin, not the
 * user's credentials, is unavailable for now; the message says until when.
 */
export function garminError(err: unknown): unknown {
  if (!(err instanceof CliError) || !err.api) return err;
  const f = err.api;
  let out: CliError | undefined;
  switch (f.code) {
    case 'garmin_auth_failed':
      out = new AuthError('Garmin rejected the email or password', 'check them at connect.garmin.com, then run `fitsync garmin connect`');
      break;
    case 'invalid_mfa_code':
      out = new AuthError(f.attemptsLeft !== undefined ? `Garmin rejected the code, ${f.attemptsLeft} attempts left` : 'Garmin rejected the code');
      break;
    case 'mfa_challenge_expired':
      out = new AuthError('The Garmin sign-in challenge expired (or is unknown)', RECONNECT);
      break;
    case 'rate_limited': {
      // The server states the wait and the time it ends ("… try again in 58 min, at 07:12 UTC"): show it as is.
      const m = f.retryAfter !== undefined ? Math.max(1, Math.ceil(f.retryAfter / 60)) : undefined;
      out = new UnavailableError(
        f.detail ?? `Garmin is limiting sign-ins; try again in ${m !== undefined ? `${m} minute${m === 1 ? '' : 's'}` : 'a few minutes'}`,
        'retrying sooner makes Garmin block longer',
      );
      break;
    }
    default:
      return err;
  }
  out.api = f;
  return out;
}
