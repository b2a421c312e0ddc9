/**
 * Parsed Garmin answers: only the fields the sync needs, validated. A
 * malformed answer becomes GarminUnexpectedAnswerError naming the field, never
 * a crash deep in the sync. Each shape keeps `raw` (the whole object, 64-bit
 * ids as strings) for storage. Field names follow Garmin's.
 */
import { GarminUnexpectedAnswerError } from './errors.js';

type Obj = Record<string, unknown>;

function bad(what: string, why: string): never {
  throw new GarminUnexpectedAnswerError(`Garmin ${what}: ${why}`);
}

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(what, 'expected a JSON object');
  return v as Obj;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) bad(what, 'expected a JSON array');
  return v;
}

function optNum(o: Obj, key: string, what: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v); // a quoted huge integer
  return bad(what, `field ${key} is not a number`);
}

function optStr(o: Obj, key: string, what: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return bad(what, `field ${key} is not a string`);
}

function optBool(o: Obj, key: string, what: string): boolean | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  return bad(what, `field ${key} is not a boolean`);
}

/** A Garmin id (number or exact decimal string) as a decimal string. */
function idStr(v: unknown, what: string, key: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return v;
  return bad(what, `field ${key} is not an id`);
}

function optId(o: Obj, key: string, what: string): string | null {
  const v = o[key];
  return v === undefined || v === null ? null : idStr(v, what, key);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || !DAY.test(v)) bad(what, `field ${key} is not a YYYY-MM-DD date`);
  return v;
}

/**
 * Garmin's zone-less GMT times ("YYYY-MM-DD HH:MM:SS" in lists,
 * "YYYY-MM-DDTHH:MM:SS.0" in DTOs) as an ISO-8601 UTC string.
 */
export function garminGmtToIso(v: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(v);
  if (!m) return undefined;
  const ms = ((m[3] ?? '.0').slice(1) + '000').slice(0, 3);
  const d = new Date(`${m[1]}T${m[2]}.${ms}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

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

/** `usersummary-service/usersummary/daily/{displayName}`. */
export interface GarminDailySummary {
  calendarDate: string;
  totalSteps: number | null;
  totalDistanceMeters: number | null;
  totalKilocalories: number | null;
  activeKilocalories: number | null;
  restingHeartRate: number | null;
  minHeartRate: number | null;
  maxHeartRate: number | null;
  averageStressLevel: number | null;
  maxStressLevel: number | null;
  bodyBatteryHighestValue: number | null;
  bodyBatteryLowestValue: number | null;
  sleepingSeconds: number | null;
  raw: Obj;
}

/** Parses a daily summary. */
export function parseDailySummary(v: unknown): GarminDailySummary {
  const what = 'daily summary';
  const o = obj(v, what);
  const n = (k: string) => optNum(o, k, what);
  return {
    calendarDate: day(o, 'calendarDate', what),
    totalSteps: n('totalSteps'),
    totalDistanceMeters: n('totalDistanceMeters'),
    totalKilocalories: n('totalKilocalories'),
    activeKilocalories: n('activeKilocalories'),
    restingHeartRate: n('restingHeartRate'),
    minHeartRate: n('minHeartRate'),
    maxHeartRate: n('maxHeartRate'),
    averageStressLevel: n('averageStressLevel'),
    maxStressLevel: n('maxStressLevel'),
    bodyBatteryHighestValue: n('bodyBatteryHighestValue'),
    bodyBatteryLowestValue: n('bodyBatteryLowestValue'),
    sleepingSeconds: n('sleepingSeconds'),
    raw: o,
  };
}

/** A sample `[epochMs, value]`; value null where Garmin has none. */
export type GarminSample = [number, number | null];

function descriptorIndex(list: unknown, key: string, fallback: number): number {
  if (!Array.isArray(list)) return fallback;
  for (const d of list) {
    if (d && typeof d === 'object') {
      const r = d as Obj;
      if ((r.key === key || r.name === key) && typeof r.index === 'number') return r.index;
    }
  }
  return fallback;
}

function samples(v: unknown, what: string, tIdx: number, vIdx: number): GarminSample[] {
  if (v === undefined || v === null) return [];
  return arr(v, what).map((row) => {
    const r = arr(row, what);
    const t = r[tIdx];
    const x = r[vIdx];
    if (typeof t !== 'number') bad(what, 'sample without a timestamp');
    if (x !== null && x !== undefined && typeof x !== 'number') bad(what, 'sample value is not a number');
    return [t, typeof x === 'number' ? x : null];
  });
}

/** `wellness-service/wellness/dailyHeartRate/{displayName}`. */
export interface GarminDailyHeartRate {
  calendarDate: string;
  restingHeartRate: number | null;
  minHeartRate: number | null;
  maxHeartRate: number | null;
  /** `[epochMs, bpm]`, read via `heartRateValueDescriptors`. */
  values: GarminSample[];
  raw: Obj;
}

/** Parses a daily heart-rate answer. */
export function parseDailyHeartRate(v: unknown): GarminDailyHeartRate {
  const what = 'daily heart rate';
  const o = obj(v, what);
  const t = descriptorIndex(o.heartRateValueDescriptors, 'timestamp', 0);
  const x = descriptorIndex(o.heartRateValueDescriptors, 'heartrate', 1);
  return {
    calendarDate: day(o, 'calendarDate', what),
    restingHeartRate: optNum(o, 'restingHeartRate', what),
    minHeartRate: optNum(o, 'minHeartRate', what),
    maxHeartRate: optNum(o, 'maxHeartRate', what),
    values: samples(o.heartRateValues, what, t, x),
    raw: o,
  };
}

/** `wellness-service/wellness/dailyStress/{date}` (stress and body battery). */
export interface GarminDailyStress {
  calendarDate: string;
  avgStressLevel: number | null;
  maxStressLevel: number | null;
  /** `[epochMs, level]`; negative levels mean "unmeasurable" in Garmin's data. */
  stressValues: GarminSample[];
  /** `[epochMs, level]` of body battery. */
  bodyBatteryValues: GarminSample[];
  /** Highest / lowest body battery level of the day, from the samples. */
  bodyBatteryHigh: number | null;
  bodyBatteryLow: number | null;
  raw: Obj;
}

/** Parses a daily stress answer; `null` (Garmin's "no data") gives null. */
export function parseDailyStress(v: unknown): GarminDailyStress | null {
  if (v === null) return null;
  const what = 'daily stress';
  const o = obj(v, what);
  const sT = descriptorIndex(o.stressValueDescriptorsDTOList, 'timestamp', 0);
  const sV = descriptorIndex(o.stressValueDescriptorsDTOList, 'stressLevel', 1);
  const bT = descriptorIndex(o.bodyBatteryValueDescriptorsDTOList, 'timestamp', 0);
  // Recorded rows are [ts, "charging"|"drain", level, version].
  const bV = descriptorIndex(o.bodyBatteryValueDescriptorsDTOList, 'bodyBatteryLevel', 2);
  const bodyBatteryValues = samples(o.bodyBatteryValuesArray, `${what} body battery`, bT, bV);
  const levels = bodyBatteryValues.map((s) => s[1]).filter((x): x is number => x !== null && x >= 0);
  return {
    calendarDate: day(o, 'calendarDate', what),
    avgStressLevel: optNum(o, 'avgStressLevel', what),
    maxStressLevel: optNum(o, 'maxStressLevel', what),
    stressValues: samples(o.stressValuesArray, what, sT, sV),
    bodyBatteryValues,
    bodyBatteryHigh: levels.length ? Math.max(...levels) : null,
    bodyBatteryLow: levels.length ? Math.min(...levels) : null,
    raw: o,
  };
}

/** `dailySleepData` → `dailySleepDTO`. */
export interface GarminDailySleep {
  calendarDate: string;
  sleepTimeSeconds: number | null;
  napTimeSeconds: number | null;
  deepSleepSeconds: number | null;
  lightSleepSeconds: number | null;
  remSleepSeconds: number | null;
  awakeSleepSeconds: number | null;
  /** Epoch ms. */
  sleepStartTimestampGMT: number | null;
  /** Epoch ms. */
  sleepEndTimestampGMT: number | null;
  raw: Obj;
}

/** Parses a sleep answer; a night without data (all-null DTO) gives null. */
export function parseDailySleep(v: unknown): GarminDailySleep | null {
  if (v === null) return null;
  const what = 'daily sleep';
  const o = obj(v, what);
  if (o.dailySleepDTO === null || o.dailySleepDTO === undefined) return null;
  const s = obj(o.dailySleepDTO, `${what} dailySleepDTO`);
  const n = (k: string) => optNum(s, k, what);
  const out: GarminDailySleep = {
    calendarDate: day(s, 'calendarDate', what),
    sleepTimeSeconds: n('sleepTimeSeconds'),
    napTimeSeconds: n('napTimeSeconds'),
    deepSleepSeconds: n('deepSleepSeconds'),
    lightSleepSeconds: n('lightSleepSeconds'),
    remSleepSeconds: n('remSleepSeconds'),
    awakeSleepSeconds: n('awakeSleepSeconds'),
    sleepStartTimestampGMT: n('sleepStartTimestampGMT'),
    sleepEndTimestampGMT: n('sleepEndTimestampGMT'),
    raw: o,
  };
  // Garmin answers 200 with an all-null DTO for nights without data.
  if (s.id === null && out.sleepTimeSeconds === null && out.sleepStartTimestampGMT === null) return null;
  return out;
}

/** `hrv-service/hrv/{date}` → `hrvSummary`. */
export interface GarminHrv {
  calendarDate: string;
  weeklyAvg: number | null;
  lastNightAvg: number | null;
  lastNight5MinHigh: number | null;
  status: string | null;
  raw: Obj;
}

/** Parses one HRV summary object (`hrvSummary`). */
export function parseHrvSummary(v: unknown, raw?: Obj): GarminHrv {
  const what = 'HRV summary';
  const s = obj(v, what);
  return {
    calendarDate: day(s, 'calendarDate', what),
    weeklyAvg: optNum(s, 'weeklyAvg', what),
    lastNightAvg: optNum(s, 'lastNightAvg', what),
    lastNight5MinHigh: optNum(s, 'lastNight5MinHigh', what),
    status: optStr(s, 'status', what),
    raw: raw ?? s,
  };
}

/** Parses an HRV day answer; no body (204) or null gives null. */
export function parseHrv(v: unknown): GarminHrv | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, 'HRV');
  if (o.hrvSummary === null || o.hrvSummary === undefined) return null;
  return parseHrvSummary(o.hrvSummary, o);
}

/** One weigh-in (grams). */
export interface GarminWeightEntry {
  calendarDate: string;
  weightGrams: number;
  /** Epoch ms (GMT) of the weigh-in, when given. */
  timestampGMT: number | null;
  sourceType: string | null;
  bmi: number | null;
  bodyFat: number | null;
}

/** One day of `weight-service` range data. */
export interface GarminWeightDay {
  calendarDate: string;
  /** The day's latest weight in grams. */
  weightGrams: number | null;
  entries: GarminWeightEntry[];
}

/** `weight-service/weight/range/{start}/{end}`. */
export interface GarminWeightRange {
  days: GarminWeightDay[];
  raw: Obj;
}

function weightEntry(v: unknown, what: string): GarminWeightEntry {
  const o = obj(v, what);
  const w = optNum(o, 'weight', what);
  if (w === null) bad(what, 'weigh-in without weight');
  return {
    calendarDate: day(o, 'calendarDate', what),
    weightGrams: w,
    timestampGMT: optNum(o, 'timestampGMT', what),
    sourceType: optStr(o, 'sourceType', what),
    bmi: optNum(o, 'bmi', what),
    bodyFat: optNum(o, 'bodyFat', what),
  };
}

/** Parses a weight range answer (grams). */
export function parseWeightRange(v: unknown): GarminWeightRange {
  const what = 'weight range';
  if (v === null) return { days: [], raw: {} };
  const o = obj(v, what);
  const list = o.dailyWeightSummaries === undefined || o.dailyWeightSummaries === null ? [] : arr(o.dailyWeightSummaries, what);
  const days = list.map((d) => {
    const r = obj(d, what);
    const latest = r.latestWeight === null || r.latestWeight === undefined ? null : weightEntry(r.latestWeight, what);
    const entries = r.allWeightMetrics === undefined || r.allWeightMetrics === null ? [] : arr(r.allWeightMetrics, what);
    return {
      calendarDate: day(r, 'summaryDate', what),
      weightGrams: latest?.weightGrams ?? null,
      entries: entries.map((e) => weightEntry(e, what)),
    };
  });
  return { days, raw: o };
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
