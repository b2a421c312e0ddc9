import type { SyncGarminSource } from './garmin-source.js';

/**
 * Garmin facts about the account that data kinds need (wellness paths take the display name),
 * looked up once per job and shared by its kinds.
 */
export class GarminProfile {
  private displayNameP: Promise<string> | null = null;

  constructor(
    private readonly source: SyncGarminSource,
    private readonly userId: string,
    /** Reads the name from Garmin when the connection has none stored (a limited Garmin call). */
    private readonly fromGarmin: () => Promise<string>,
  ) {}

  /** The Garmin display name: the stored one, else Garmin's social profile. */
  displayName(): Promise<string> {
    this.displayNameP ??= (async () => {
      const conn = await this.source.status(this.userId);
      return conn.display_name ? conn.display_name : this.fromGarmin();
    })();
    return this.displayNameP;
  }
}
