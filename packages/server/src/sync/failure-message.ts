import {
  GarminError,
  GarminNotFoundError,
  GarminRateLimitedError,
  GarminTokenInvalidError,
  GarminUnavailableError,
  GarminUnexpectedAnswerError,
} from '@fitsync/garmin';
import { GarminNotConnectedError, reauthRequiredMessage } from '../errors/garmin-not-connected-error.js';
import { SyncStepError } from './sync-step-error.js';

/** Whether an error means the Garmin connection needs the user to sign in again. */
export function isReauthError(err: unknown): boolean {
  const cause = err instanceof SyncStepError ? err.cause : err;
  return cause instanceof GarminTokenInvalidError || cause instanceof GarminNotConnectedError;
}

/**
 * The `error_message` of a failed job: what failed, how far the job got, and why — in words a
 * user can act on. Garmin errors carry no secrets (their contract); anything unexpected is
 * reduced to its class name so driver or file-system details never reach the client.
 * `reauthSince`: when the connection became reauth_required, for a job Garmin's refusal ended.
 */
export function failureMessage(err: unknown, processed: number, total: number | null, reauthSince: number | null = null): string {
  const done = `${processed} of ${total ?? '?'} items done`;
  const stepName = err instanceof SyncStepError ? err.step : null;
  const cause = err instanceof SyncStepError ? err.cause : err;
  const where = stepName ? ` while ${stepName}` : '';
  if (cause instanceof GarminNotConnectedError) {
    return `Sync stopped${where} (${done}): ${cause.message || 'no Garmin account is connected'}`;
  }
  if (cause instanceof GarminTokenInvalidError) return `Sync stopped${where} (${done}): ${reauthRequiredMessage(reauthSince)}`;
  if (cause instanceof GarminRateLimitedError) {
    return `Garmin is rate limiting requests${where} (${done}); try again in ${Math.max(1, Math.ceil(cause.retryAfterSeconds / 60))} minute(s).`;
  }
  if (cause instanceof GarminUnavailableError) return `Garmin unavailable${where} (${done}): ${oneLine(cause.message)}`;
  if (cause instanceof GarminNotFoundError || cause instanceof GarminUnexpectedAnswerError) {
    return `Garmin answered unexpectedly${where} (${done}): ${oneLine(cause.message)}`;
  }
  if (cause instanceof GarminError) return `Garmin request failed${where} (${done}): ${oneLine(cause.message)}`;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const kind = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' ? 'permission denied in the data directory' : 'internal error';
  return `Sync failed${where} (${done}): ${kind}.`;
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}
