/**
 * Parsed Garmin answers: only the fields the sync needs, validated. A
 * malformed answer becomes GarminUnexpectedAnswerError naming the field, never
 * a crash deep in the sync. Each shape keeps `raw` (the whole object, 64-bit
 * ids as strings) for storage. Field names follow Garmin's.
 */
import { arr, bad, garminGmtToIso, idStr, type Obj, obj, optBool, optId, optNum, optStr } from './json-fields.js';

export { garminGmtToIso };

/** `userprofile-service/socialProfile`. */
export interface GarminSocialProfile {
  displayName: string;
  profileId: string | null;
  fullName: string | null;
  raw: Obj;
}

/** Parses a social profile answer. */
export function parseSocialProfile(v: unknown): GarminSocialProfile {
  const what = 'social profile';
  const o = obj(v, what);
  const displayName = optStr(o, 'displayName', what);
  if (!displayName) bad(what, 'no displayName');
  return { displayName, profileId: optId(o, 'profileId', what), fullName: optStr(o, 'fullName', what), raw: o };
}

/** Common activity fields of list items and detail DTOs. */
export interface GarminActivityBase {
  /** 64-bit id as an exact decimal string. */
  activityId: string;
  activityName: string | null;
  /** `activityType.typeKey` (e.g. "running"). */
  activityType: string | null;
  /** Local wall time as Garmin gives it (no zone). */
  startTimeLocal: string;
  /** UTC wall time as Garmin gives it (no zone). */
  startTimeGMT: string;
  /** Start as ISO-8601 UTC (from startTimeGMT). */
  startTimeUtc: string;
  distance: number | null;
  duration: number | null;
  movingDuration: number | null;
  elapsedDuration: number | null;
  elevationGain: number | null;
  averageSpeed: number | null;
  maxSpeed: number | null;
  calories: number | null;
  averageHR: number | null;
  maxHR: number | null;
  steps: number | null;
  raw: Obj;
}

/** An item of `activitylist-service/activities/search/activities`. */
export interface GarminActivitySummary extends GarminActivityBase {
  /** Epoch ms of the start. */
  beginTimestamp: number | null;
  timeZoneId: number | null;
  deviceId: string | null;
  manualActivity: boolean | null;
  lapCount: number | null;
}

/** `activity-service/activity/{id}` (DTO shapes). */
export interface GarminActivityDetail extends GarminActivityBase {
  timeZone: string | null;
}

function typeKey(v: unknown, what: string): string | null {
  if (v === undefined || v === null) return null;
  return optStr(obj(v, what), 'typeKey', what);
}

function metrics(s: Obj, what: string) {
  return {
    distance: optNum(s, 'distance', what),
    duration: optNum(s, 'duration', what),
    movingDuration: optNum(s, 'movingDuration', what),
    elapsedDuration: optNum(s, 'elapsedDuration', what),
    elevationGain: optNum(s, 'elevationGain', what),
    averageSpeed: optNum(s, 'averageSpeed', what),
    maxSpeed: optNum(s, 'maxSpeed', what),
    calories: optNum(s, 'calories', what),
    averageHR: optNum(s, 'averageHR', what),
    maxHR: optNum(s, 'maxHR', what),
    steps: optNum(s, 'steps', what),
  };
}

function times(s: Obj, what: string) {
  const startTimeLocal = optStr(s, 'startTimeLocal', what);
  const startTimeGMT = optStr(s, 'startTimeGMT', what);
  if (!startTimeLocal || !startTimeGMT) bad(what, 'no startTimeLocal/startTimeGMT');
  const startTimeUtc = garminGmtToIso(startTimeGMT);
  if (!startTimeUtc) bad(what, 'startTimeGMT is not a date-time');
  return { startTimeLocal, startTimeGMT, startTimeUtc };
}

/** Parses one activity list item. */
export function parseActivitySummary(v: unknown): GarminActivitySummary {
  const what = 'activity list item';
  const o = obj(v, what);
  return {
    activityId: idStr(o.activityId, what, 'activityId'),
    activityName: optStr(o, 'activityName', what),
    activityType: typeKey(o.activityType, what),
    ...times(o, what),
    ...metrics(o, what),
    beginTimestamp: optNum(o, 'beginTimestamp', what),
    timeZoneId: optNum(o, 'timeZoneId', what),
    deviceId: optId(o, 'deviceId', what),
    manualActivity: optBool(o, 'manualActivity', what),
    lapCount: optNum(o, 'lapCount', what),
    raw: o,
  };
}

/** Parses an activity list page (newest first). */
export function parseActivityList(v: unknown): GarminActivitySummary[] {
  return arr(v, 'activity list').map(parseActivitySummary);
}

/** Parses an activity detail answer. */
export function parseActivityDetail(v: unknown): GarminActivityDetail {
  const what = 'activity detail';
  const o = obj(v, what);
  const s = obj(o.summaryDTO, `${what} summaryDTO`);
  const tz = o.timeZoneUnitDTO === undefined || o.timeZoneUnitDTO === null ? null : obj(o.timeZoneUnitDTO, what);
  return {
    activityId: idStr(o.activityId, what, 'activityId'),
    activityName: optStr(o, 'activityName', what),
    activityType: typeKey(o.activityTypeDTO, what),
    ...times(s, what),
    ...metrics(s, what),
    timeZone: tz ? optStr(tz, 'timeZone', what) : null,
    raw: o,
  };
}

/** Parses `activitylist-service/activities/count`. */
export function parseActivityCount(v: unknown): number {
  const n = optNum(obj(v, 'activity count'), 'totalCount', 'activity count');
  if (n === null || !Number.isInteger(n) || n < 0) bad('activity count', 'no totalCount');
  return n;
}

/** A workout (list item or detail). */
export interface GarminWorkout {
  workoutId: string;
  workoutName: string | null;
  /** `sportType.sportTypeKey` (e.g. "running"). */
  sportType: string | null;
  createdDate: string | null;
  updatedDate: string | null;
  raw: Obj;
}

/** Parses one workout. */
export function parseWorkout(v: unknown): GarminWorkout {
  const what = 'workout';
  const o = obj(v, what);
  const sport = o.sportType === undefined || o.sportType === null ? null : obj(o.sportType, what);
  return {
    workoutId: idStr(o.workoutId, what, 'workoutId'),
    workoutName: optStr(o, 'workoutName', what),
    sportType: sport ? optStr(sport, 'sportTypeKey', what) : null,
    createdDate: optStr(o, 'createdDate', what),
    updatedDate: optStr(o, 'updatedDate', what),
    raw: o,
  };
}

/** Parses a workout list page. */
export function parseWorkoutList(v: unknown): GarminWorkout[] {
  return arr(v, 'workout list').map(parseWorkout);
}
