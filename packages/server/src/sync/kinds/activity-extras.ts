import { type GarminGear, type GarminGearStats, GarminNotFoundError, type GarminPersonalRecord } from '@fitsync/garmin';
import { getCursor, setCursor } from '../../repositories/sync-cursors.js';
import { activitiesChangedSince } from '../../repositories/activity-changes.js';
import { type GearRecord, replaceGear } from '../../repositories/gear-rows.js';
import { type PersonalRecordRow, replacePersonalRecords } from '../../repositories/personal-record-rows.js';
import { throwIfStopped } from '../abortable.js';
import { garminCall } from '../garmin-call.js';
import type { SyncRun } from '../sync-run.js';

/** The cursor holding when gear and personal records were last fetched completely (epoch ms). */
export const EXTRAS_CURSOR = 'activity-extras';

/**
 * Gear and personal records (product.md Part 2 §C), synced with activities: called once at the
 * end of the activities kind's pass, after its last rows are committed.
 *
 * Only when worth it — a full sync, the first time for the user, or when activities were stored
 * or updated since the last complete fetch (records and gear totals only move with activities) —
 * so a no-op incremental sync makes no extra upstream call. The rule reads the database, not this
 * pass's counts: activities stored by a pass whose extras then failed (or by a job that crashed
 * in between and resumed past the finished activities kind) still trigger the next sync's fetch.
 *
 * A failure here fails the job like any kind's failure; the activities already committed stay,
 * and the next sync retries the extras (the cursor only moves with a complete snapshot).
 * Each set is replaced whole in one transaction with the cursor.
 */
export async function syncActivityExtras(run: SyncRun): Promise<void> {
  const { db, spec, runtime, signal } = run;
  const last = await getCursor(db, spec.userId, EXTRAS_CURSOR);
  const since = last !== undefined && /^\d+$/.test(last) ? Number(last) : undefined;
  if (!spec.full && since !== undefined && !(await activitiesChangedSince(db, spec.userId, since))) return;
  // Taken before reading: an activity stored after this instant is newer than this snapshot.
  const startedAt = runtime.now();

  const displayName = await run.profile.displayName();
  const records = await garminCall(run, 'reading personal records', (api, call) =>
    noneIfMissing(api.getPersonalRecords(displayName, call)),
  );
  const profileId = await run.profile.profileId();
  const gear =
    profileId === null ? [] : await garminCall(run, 'listing gear', (api, call) => noneIfMissing(api.getGear(profileId, call)));
  // Stats only for active gear: Garmin answers 404 for retired gear (garmin-endpoints.md, "Gear").
  const stats = await Promise.all(
    gear.map((g) =>
      isActive(g) ? garminCall(run, `reading the totals of gear ${g.uuid}`, (api, call) => api.getGearStats(g.uuid, call)) : null,
    ),
  );
  throwIfStopped(signal);
  await db.transaction(async (tx) => {
    const now = runtime.now();
    await replaceGear(tx, spec.userId, lastOfEach(gear.map((g, i) => toGear(g, stats[i] ?? null)), (g) => g.gear_id), now);
    await replacePersonalRecords(tx, spec.userId, lastOfEach(records.map(toRecord), (r) => r.record_id), now);
    await setCursor(tx, spec.userId, EXTRAS_CURSOR, String(startedAt), now);
  });
}

/**
 * A 404 for the whole list: the account has none of it (an account without the service). Only
 * 404: any other failure fails the job and leaves the stored set as it was.
 */
async function noneIfMissing<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof GarminNotFoundError) return [];
    throw err;
  }
}

function isActive(g: GarminGear): boolean {
  return g.gearStatusName?.toLowerCase() === 'active';
}

/** One row per key (the last one wins), in first-seen order: a repeated id must not break the snapshot. */
function lastOfEach<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...new Map(items.map((t) => [key(t), t])).values()];
}

/** The API's GearItem (packages/api/src/data.ts) plus Garmin's answers. */
export function toGear(g: GarminGear, s: GarminGearStats | null): GearRecord {
  const makeModel = [g.gearMakeName, g.gearModelName].filter((v) => v).join(' ');
  return {
    gear_id: g.uuid,
    name: g.displayName || g.customMakeModel || makeModel || null,
    type: g.gearTypeName === null ? null : g.gearTypeName.toLowerCase(),
    make: g.gearMakeName,
    model: g.gearModelName,
    status: g.gearStatusName === null ? null : g.gearStatusName.toLowerCase(),
    date_begin: g.dateBegin,
    date_end: g.dateEnd,
    max_distance_m: g.maximumMeters,
    total_distance_m: s?.totalDistance ?? null,
    total_activities: s?.totalActivities ?? null,
    rawJson: JSON.stringify(g.raw),
    statsJson: s === null ? null : JSON.stringify(s.raw),
  };
}

function toRecord(r: GarminPersonalRecord): PersonalRecordRow & { rawJson: string } {
  return {
    record_id: r.id,
    type_id: r.typeId,
    value: r.value,
    activity_id: r.activityId,
    activity_name: r.activityName,
    activity_type: r.activityType,
    set_at: r.prStartTimeGmt === null ? null : new Date(r.prStartTimeGmt).toISOString(),
    rawJson: JSON.stringify(r.raw),
  };
}
