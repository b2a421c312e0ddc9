import { GarminNotFoundError, GarminUnavailableError, GarminUnexpectedAnswerError } from '@fitsync/garmin';
import { setGarminTimeZone } from '../repositories/garmin-connections.js';
import { getCursor, setCursor } from '../repositories/sync-cursors.js';
import type { Log } from '../log.js';
import { garminCall } from './garmin-call.js';
import type { SyncRun } from './sync-run.js';
import { SyncStepError } from './sync-step-error.js';
import { type DayZone, describeZone, isTimeZone, offsetOfActivity, UTC_DAYS } from './time-zone.js';

/** A known zone is asked again after a week (people move, travel, fix a wrong setting) and on a full sync. */
export const TIME_ZONE_RECHECK_MS = 7 * 86_400_000;
/** sync_cursors key: epoch ms of the last time Garmin was asked for the zone. */
export const TIME_ZONE_CHECKED_KEY = 'garmin_time_zone_checked';

/**
 * The profile call failed in a way that says nothing about the account (an unknown endpoint, a
 * changed shape, Garmin down after retries): fall back rather than fail the job. A stop, a
 * rejected token or a rate limit propagate like any other call's.
 */
function canFallBack(err: unknown): boolean {
  const cause = err instanceof SyncStepError ? err.cause : err;
  return cause instanceof GarminUnexpectedAnswerError || cause instanceof GarminNotFoundError || cause instanceof GarminUnavailableError;
}

/**
 * The account's day zone for this job (docs/time-zones.md). The stored zone when Garmin was asked
 * within TIME_ZONE_RECHECK_MS and the job is not full; else (asked longer ago) one profile call
 * (`personal-information`, `userInfo.timezone`), validated and stored. Without a valid zone:
 * the stored one, else the offset of the newest activity (`startTimeLocal − startTimeGMT`, one
 * list call), else UTC — each fallback logged. Called once per job through GarminProfile.
 */
export async function accountZone(run: SyncRun, stored: string | null, log?: Log): Promise<DayZone> {
  const { db, runtime, spec } = run;
  const userId = spec.userId;
  const known = isTimeZone(stored) ? stored : null;
  const checkedAt = Number((await getCursor(db, userId, TIME_ZONE_CHECKED_KEY)) ?? 0);
  // Asked recently: a known zone is used as is; an account without one goes straight to the fallbacks.
  const recent = !spec.full && runtime.now() - checkedAt < TIME_ZONE_RECHECK_MS;
  if (known && recent) return { zone: known };

  let asked: string | null = null;
  if (!recent) {
    try {
      const displayName = await run.profile.displayName();
      const info = await garminCall(run, 'reading the Garmin time zone', (api, call) => api.getPersonalInformation(displayName, call));
      asked = info.timeZone;
    } catch (err) {
      if (!canFallBack(err)) throw err;
    }
    await setCursor(db, userId, TIME_ZONE_CHECKED_KEY, String(runtime.now()), runtime.now());
  }
  if (isTimeZone(asked)) {
    if (asked !== stored) await setGarminTimeZone(db, userId, asked);
    return { zone: asked };
  }
  if (known) {
    log?.warn({ jobId: spec.jobId, userId }, 'Garmin gave no valid time zone; keeping the stored one');
    return { zone: known };
  }
  const [newest] = await garminCall(run, 'reading the newest activity', (api, call) => api.listActivities({ limit: 1, ...call }));
  const offset = newest ? offsetOfActivity(newest.startTimeLocal, newest.startTimeGMT) : null;
  const zone = offset ?? UTC_DAYS;
  log?.warn(
    { jobId: spec.jobId, userId, dayZone: describeZone(zone) },
    offset ? 'Garmin gave no valid time zone; days follow the offset of the newest activity' : 'Garmin gave no valid time zone; days are UTC days',
  );
  return zone;
}
