import type { GearItem } from '@fitsync/api';
import { hashSeed, Prng } from '../prng.js';
import { dtoTime, isoDate } from './dates.js';
import type { SimUser, StoredActivity } from './user.js';

/** One piece of gear as the sim holds it; `filterGear` items and stats are built from it. */
export interface SimGear {
  gearPk: number;
  uuid: string;
  kind: 'Shoes' | 'Bike';
  retired: boolean;
  displayName: string | null;
  customMakeModel: string | null;
  make: string;
  model: string;
  beginS: number;
  endS: number | null;
  maximumMeters: number | null;
}

const SHOES: ReadonlyArray<[string, string]> = [
  ['Brooks', 'Ghost 15'],
  ['Hoka', 'Clifton 9'],
  ['Asics', 'Gel-Nimbus 25'],
  ['Saucony', 'Endorphin Speed 3'],
];
const BIKES: ReadonlyArray<[string, string]> = [
  ['Canyon', 'Endurace CF 7'],
  ['Trek', 'Domane SL 5'],
  ['Specialized', 'Tarmac SL7'],
];
const NICKNAMES = ['Daily trainers', 'Race day', 'Commuter'];

/**
 * The account's gear: 1–3 shoes and 0–2 bikes. The first of a kind has a display name, the second
 * only a custom make/model, the third neither (clients fall back to make + model). With two or more
 * of a kind the last may be retired, before the generated history starts (so it has no activities).
 */
export function userGear(user: SimUser): SimGear[] {
  const rng = new Prng(hashSeed(user.seed, 'gear'));
  const historyStartS = user.createdAtS - Math.max(1, user.days) * 86400;
  const out: SimGear[] = [];
  const add = (kind: 'Shoes' | 'Bike', count: number, models: ReadonlyArray<[string, string]>) => {
    const retireLast = count >= 2 && rng.next() < 0.5;
    for (let i = 0; i < count; i++) {
      const [make, model] = models[(i + rng.int(0, models.length - 1)) % models.length]!;
      const retired = retireLast && i === count - 1;
      const beginS = historyStartS - rng.int(30, 400) * 86400;
      out.push({
        gearPk: 40_000_000 + user.index * 100 + out.length,
        uuid: rng.hex(32),
        kind,
        retired,
        displayName: i === 0 ? NICKNAMES[out.length % NICKNAMES.length]! : null,
        customMakeModel: i === 1 ? `${make} ${model} (${kind === 'Shoes' ? 'blue' : 'grey'})` : null,
        make,
        model,
        beginS,
        endS: retired ? historyStartS - rng.int(1, 20) * 86400 : null,
        maximumMeters: kind === 'Shoes' ? 800_000 : null,
      });
    }
  };
  add('Shoes', rng.int(1, 3), SHOES);
  add('Bike', rng.int(0, 2), BIKES);
  return out;
}

/** The active gear an activity was done with: shoes on foot, a bike on a bike (none without). */
export function gearOfActivity(gear: SimGear[], a: StoredActivity): SimGear | null {
  const kind = a.seed.sport.fitSport === 2 ? 'Bike' : 'Shoes';
  const usable = gear.filter((g) => g.kind === kind && !g.retired);
  return usable.length === 0 ? null : usable[a.seed.seed % usable.length]!;
}

/** Totals per gear uuid over the account's activities (odd ones included: Garmin has their summaries). */
export function gearTotals(user: SimUser, gear: SimGear[]): Map<string, { distanceCm: number; activities: number }> {
  const totals = new Map(gear.map((g) => [g.uuid, { distanceCm: 0, activities: 0 }]));
  for (const a of user.activities) {
    const g = gearOfActivity(gear, a);
    if (!g) continue;
    const t = totals.get(g.uuid)!;
    t.distanceCm += user.totals(a).distanceCm;
    t.activities++;
  }
  return totals;
}

const day = (s: number) => `${isoDate(s)}T00:00:00.0`;

/** A `gear-service/gear/filterGear` item (fields listed in garmin-endpoints.md "Gear"). */
export function gearJson(user: SimUser, g: SimGear): Record<string, unknown> {
  return {
    gearPk: g.gearPk,
    uuid: g.uuid,
    userProfilePk: user.profileId,
    gearMakeName: g.make,
    gearModelName: g.model,
    gearTypeName: g.kind,
    gearStatusName: g.retired ? 'retired' : 'active',
    displayName: g.displayName,
    customMakeModel: g.customMakeModel,
    imageNameLarge: null,
    imageNameMedium: null,
    imageNameSmall: null,
    dateBegin: day(g.beginS),
    dateEnd: g.endS === null ? null : day(g.endS),
    maximumMeters: g.maximumMeters,
    notified: false,
    createDate: dtoTime(g.beginS + 3600),
    updateDate: dtoTime(g.endS ?? g.beginS + 3600),
    gearVersion: 1,
  };
}

/** `gear-service/gear/stats/{uuid}`. */
export function gearStatsJson(g: SimGear, t: { distanceCm: number; activities: number }): Record<string, unknown> {
  return { uuid: g.uuid, totalDistance: t.distanceCm / 100, totalActivities: t.activities, processing: false };
}

/** The gear as `GET /v1/gear` answers it (the name rule is the API's: display name, custom make/model, make + model). */
export function gearTruth(user: SimUser): GearItem[] {
  const gear = userGear(user);
  const totals = gearTotals(user, gear);
  return gear.map((g) => {
    const t = g.retired ? null : totals.get(g.uuid)!;
    return {
      gear_id: g.uuid,
      name: g.displayName ?? g.customMakeModel ?? `${g.make} ${g.model}`,
      type: g.kind.toLowerCase(),
      make: g.make,
      model: g.model,
      status: g.retired ? 'retired' : 'active',
      date_begin: isoDate(g.beginS),
      date_end: g.endS === null ? null : isoDate(g.endS),
      max_distance_m: g.maximumMeters,
      total_distance_m: t ? t.distanceCm / 100 : null,
      total_activities: t ? t.activities : null,
    };
  });
}
