import type { GarminSocialProfile } from '@fitsync/garmin';
import type { SyncGarminSource } from './garmin-source.js';

/**
 * Garmin facts about the account that data kinds need (wellness paths take the display name,
 * the gear list the profile number), looked up once per job and shared by its kinds.
 */
export class GarminProfile {
  private displayNameP: Promise<string> | null = null;
  private socialP: Promise<GarminSocialProfile> | null = null;

  constructor(
    private readonly source: SyncGarminSource,
    private readonly userId: string,
    /** Reads Garmin's social profile (a limited Garmin call); asked at most once per job. */
    private readonly fromGarmin: () => Promise<GarminSocialProfile>,
  ) {}

  /** The Garmin display name: the stored one, else Garmin's social profile. */
  displayName(): Promise<string> {
    this.displayNameP ??= (async () => {
      const conn = await this.source.status(this.userId);
      return conn.display_name ? conn.display_name : (await this.social()).displayName;
    })();
    return this.displayNameP;
  }

  /**
   * The user profile number (`profileId` of the social profile; gear is listed by it), null when
   * Garmin's profile has none. Not stored with the connection: only the gear sync needs it, and
   * it shares the one profile call of the job with the display name.
   */
  async profileId(): Promise<string | null> {
    return (await this.social()).profileId;
  }

  private social(): Promise<GarminSocialProfile> {
    this.socialP ??= this.fromGarmin();
    return this.socialP;
  }
}
