import type { GearList, PersonalRecords } from '@fitsync/api';
import { prType } from '@fitsync/garmin';
import type { Db } from '../db/db.js';
import { listGear } from '../repositories/gear-rows.js';
import { listPersonalRecords } from '../repositories/personal-record-rows.js';

/** Gear and personal records as last synced (sync/kinds/activity-extras.ts), in Garmin's order. */
export class GearService {
  constructor(private readonly d: { db: Db }) {}

  async gear(userId: string): Promise<GearList> {
    return { gear: await listGear(this.d.db, userId) };
  }

  /** Label and unit are our reading of Garmin's typeId (PR_TYPES, via prType), null for the ones not understood. */
  async records(userId: string): Promise<PersonalRecords> {
    const rows = await listPersonalRecords(this.d.db, userId);
    return {
      records: rows.map(({ set_at, ...r }) => ({ ...r, ...prType(r.type_id), time: set_at })),
    };
  }
}
