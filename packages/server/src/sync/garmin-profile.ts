import type { GarminSocialProfile } from '@fitsync/garmin';
import type { GarminConnection } from '@fitsync/api';
import type { SyncGarminSource } from './garmin-source.js';
import type { DayZone } from './time-zone.js';

/**
 * Garmin facts about the account that data kinds need (wellness paths take the display name,
 * the gear list the profile number, "today" the account's time zone), looked up once per job
 * and shared by its kinds.
 */
export class GarminProfile {
  private connectionP: Promise<GarminConnection> | null = null;
  private displayNameP: Promise<string> | null = null;
  private socialP: Promise<GarminSocialProfile> | null = null;
  private zoneP: Promise<DayZone> | null = null;

  constructor(
    private readonly source: SyncGarminSource,
    private readonly userId: string,
    /** Reads Garmin's social profile (a limited Garmin call); asked at most once per job. */
    private readonly fromGarmin: () => Promise<GarminSocialProfile>,
    /** Finds the account's day zone given the stored one (sync/account-zone.ts); asked at most once per job. */
    private readonly lookupZone: (stored: string | null) => Promise<DayZone>,
  ) {}

  /** The Garmin display name: the stored one, else Garmin's social profile. */
  displayName(): Promise<string> {
    this.displayNameP ??= (async () => {
      const conn = await this.connection();
      return conn.display_name ? conn.display_name : (await this.social()).displayName;
    })();
    return this.displayNameP;
  }

  /** Where the account's days begin: "today" and every day window of the kinds are its dates. */
  timeZone(): Promise<DayZone> {
    this.zoneP ??= (async () => this.lookupZone((await this.connection()).time_zone))();
    return this.zoneP;
  }

  private connection(): Promise<GarminConnection> {
    this.connectionP ??= this.source.status(this.userId);
    return this.connectionP;
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
