/**
 * The user has no usable Garmin connection (none, or Garmin refused the stored sign-in). A
 * domain error: the sync turns it into a job's error_message, the HTTP error handler into a 409
 * `garmin_not_connected` problem. `message` tells the user what to run; it holds no secret.
 */
export class GarminNotConnectedError extends Error {
  override name = 'GarminNotConnectedError';
}
