/**
 * The user has no usable Garmin connection (none, or Garmin refused the stored sign-in). A
 * domain error: the sync turns it into a job's error_message, the HTTP error handler into a 409
 * `garmin_not_connected` problem. `message` tells the user what to run; it holds no secret.
 */
export class GarminNotConnectedError extends Error {
  override name = 'GarminNotConnectedError';
}

/**
 * What every path says once Garmin stopped accepting the stored sign-in (connection status
 * `reauth_required`): since when, and what to run. `sinceMs` null when the time is unknown.
 */
export function reauthRequiredMessage(sinceMs: number | null): string {
  const since = sinceMs === null ? '' : ` (since ${new Date(sinceMs).toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
  return `Garmin no longer accepts the stored sign-in${since}; run \`fitsync garmin connect\`.`;
}
