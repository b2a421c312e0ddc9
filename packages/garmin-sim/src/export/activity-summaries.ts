import { RawNumber } from '../codec/json.js';
import { activityName } from '../data/activity-json.js';
import { semiToDeg } from '../data/activity-model.js';
import type { SimUser, StoredActivity } from '../data/user.js';

/** Garmin's `sportType` of the export by FIT sport (the API list has only `sportTypeId`). */
const SPORT_TYPE: Record<number, string> = { 1: 'RUNNING', 2: 'CYCLING', 11: 'WALKING', 17: 'HIKING' };

/**
 * One `summarizedActivitiesExport` item: the API list's activity in the export's names and UNITS
 * (garmin-export.md §2): epoch ms times (`startTimeLocal` is the local wall clock read as UTC),
 * durations in ms, distance and elevation in cm, speeds in cm/ms (m/s ÷ 10).
 */
export function exportActivityItem(user: SimUser, a: StoredActivity): Record<string, unknown> {
  const s = a.seed;
  const t = user.totals(a);
  const sport = s.sport;
  const item: Record<string, unknown> = {
    activityId: new RawNumber(s.idText),
    name: activityName(s),
    activityType: sport.typeKey,
    userProfileId: user.profileId,
    timeZoneId: user.tz.id,
    beginTimestamp: s.startS * 1000,
    eventTypeId: 9,
    rule: 'private',
    sportType: SPORT_TYPE[sport.fitSport] ?? 'GENERIC',
    startTimeGmt: s.startS * 1000,
    startTimeLocal: (s.startS + user.tz.offsetS) * 1000,
    duration: t.timerMs,
    distance: t.distanceCm,
    elevationGain: t.ascentM * 100,
    elevationLoss: t.descentM * 100,
    minElevation: Math.round((t.minAltRaw / 5 - 500) * 100),
    maxElevation: Math.round((t.maxAltRaw / 5 - 500) * 100),
    avgSpeed: t.avgSpeedMms / 10000,
    maxSpeed: t.maxSpeedMms / 10000,
    avgHr: t.avgHr,
    maxHr: t.maxHr,
    minHr: t.minHr,
    calories: t.calories,
    bmrCalories: Math.round(t.timerMs / 40000),
  };
  if (t.steps > 0) item.steps = t.steps;
  if (!sport.indoor) {
    Object.assign(item, {
      startLatitude: semiToDeg(t.startLatSemi),
      startLongitude: semiToDeg(t.startLonSemi),
      endLatitude: semiToDeg(t.endLatSemi),
      endLongitude: semiToDeg(t.endLonSemi),
    });
  }
  Object.assign(item, {
    elapsedDuration: t.elapsedMs,
    movingDuration: Math.floor(t.timerMs / 1000) * 1000,
    deviceId: user.deviceId,
    locationName: 'Simtown',
    manufacturer: 'GARMIN',
    lapCount: t.laps.length,
    favorite: false,
    pr: false,
    parent: false,
    purposeful: false,
    manualActivity: false,
    autoCalcCalories: false,
    elevationCorrected: false,
    atpActivity: false,
    splitSummaries: [],
  });
  return item;
}
