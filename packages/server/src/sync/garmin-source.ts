import type { GarminConnection } from '@fitsync/api';
import type { GarminApi } from '@fitsync/garmin';

/**
 * What the sync needs from Garmin account linking (GarminConnectionService satisfies it):
 * an authenticated client per user that persists rotated tokens and marks the connection
 * `reauth_required` when Garmin rejects them (throwing GarminNotConnectedError when there
 * is no usable connection), and the connection status with Garmin's display name.
 */
export interface SyncGarminSource {
  apiFor(userId: string): Promise<GarminApi>;
  status(userId: string): Promise<GarminConnection>;
}
