import { RawNumber } from '../codec/json.js';
import { type ActivitySeed, type ActivityTotals, semiToDeg } from './activity-model.js';
import { dtoTime, listTime } from './dates.js';
import type { SimUser, StoredActivity } from './user.js';

const USER_ROLES = ['SCOPE_CONNECT_READ', 'SCOPE_CONNECT_WRITE', 'ROLE_CONNECTUSER', 'ROLE_FITNESS_USER', 'ROLE_WELLNESS_USER'];

/** The name Garmin shows for a sim activity. */
export const activityName = (s: ActivitySeed): string => `Simtown ${s.sport.label}`;

// Indoor activities have no position: Garmin leaves the coordinates out.
const startPosition = (s: ActivitySeed, t: ActivityTotals) =>
  s.sport.indoor ? {} : { startLatitude: semiToDeg(t.startLatSemi), startLongitude: semiToDeg(t.startLonSemi) };
const endPosition = (s: ActivitySeed, t: ActivityTotals) =>
  s.sport.indoor ? {} : { endLatitude: semiToDeg(t.endLatSemi), endLongitude: semiToDeg(t.endLonSemi) };

/** An `activitylist-service` search item (shape of the recorded list, values from the FIT totals). */
export function activityListItem(user: SimUser, a: StoredActivity): Record<string, unknown> {
  const s = a.seed;
  const t = user.totals(a);
  const sport = s.sport;
  const item: Record<string, unknown> = {
    activityId: new RawNumber(s.idText),
    activityName: activityName(s),
    startTimeLocal: listTime(s.startS + user.tz.offsetS),
    startTimeGMT: listTime(s.startS),
    activityType: {
      typeId: sport.typeId,
      typeKey: sport.typeKey,
      parentTypeId: sport.parentTypeId,
      isHidden: false,
      restricted: false,
      trimmable: true,
    },
    eventType: { typeId: 9, typeKey: 'uncategorized', sortOrder: 10 },
    distance: t.distanceCm / 100,
    duration: t.timerMs / 1000,
    elapsedDuration: t.elapsedMs / 1000,
    movingDuration: Math.floor(t.timerMs / 1000),
    elevationGain: t.ascentM,
    elevationLoss: t.descentM,
    averageSpeed: t.avgSpeedMms / 1000,
    maxSpeed: t.maxSpeedMms / 1000,
    ...startPosition(s, t),
    hasPolyline: !sport.indoor,
    hasImages: false,
    ownerId: user.profileId,
    ownerDisplayName: user.displayName,
    ownerFullName: user.fullName,
    ownerProfileImageUrlSmall: null,
    ownerProfileImageUrlMedium: null,
    ownerProfileImageUrlLarge: null,
    calories: t.calories,
    bmrCalories: Math.round(t.timerMs / 40000),
    averageHR: t.avgHr,
    maxHR: t.maxHr,
  };
  if (t.steps > 0) item.steps = t.steps;
  Object.assign(item, {
    userRoles: USER_ROLES,
    privacy: { typeId: 2, typeKey: 'private' },
    userPro: false,
    hasVideo: false,
    timeZoneId: user.tz.id,
    beginTimestamp: s.startS * 1000,
    sportTypeId: sport.sportTypeId,
    deviceId: user.deviceId,
    minElevation: t.minAltRaw / 5 - 500,
    maxElevation: t.maxAltRaw / 5 - 500,
    summarizedDiveInfo: { summarizedDiveGases: [] },
    manufacturer: 'GARMIN',
    locationName: 'Simtown',
    lapCount: t.laps.length,
    ...endPosition(s, t),
    splitSummaries: [],
    hasSplits: false,
    hasHeatMap: false,
    endTimeGMT: listTime(t.endS),
    qualifyingDive: false,
    autoCalcCalories: false,
    favorite: false,
    decoDive: false,
    elevationCorrected: false,
    atpActivity: false,
    purposeful: false,
    manualActivity: false,
    pr: false,
    parent: false,
  });
  return item;
}

/** `activity-service/activity/{id}`: the detail view with its `…DTO` objects and `T…​.0` times. */
export function activityDetail(user: SimUser, a: StoredActivity): Record<string, unknown> {
  const s = a.seed;
  const t = user.totals(a);
  const sport = s.sport;
  return {
    activityId: new RawNumber(s.idText),
    activityUUID: { uuid: `${s.seed.toString(16).padStart(8, '0')}-5bd9-4fbc-927e-${s.idText.slice(-12).padStart(12, '0')}` },
    activityName: activityName(s),
    userProfileId: user.profileId,
    isMultiSportParent: false,
    activityTypeDTO: {
      typeId: sport.typeId,
      typeKey: sport.typeKey,
      parentTypeId: sport.parentTypeId,
      isHidden: false,
      restricted: false,
      trimmable: true,
    },
    eventTypeDTO: { typeId: 9, typeKey: 'uncategorized', sortOrder: 10 },
    accessControlRuleDTO: { typeId: 2, typeKey: 'private' },
    timeZoneUnitDTO: { unitId: user.tz.id, unitKey: user.tz.key, factor: 0, timeZone: user.tz.key },
    metadataDTO: {
      isOriginal: true,
      deviceApplicationInstallationId: 1003399,
      agentApplicationInstallationId: null,
      agentString: null,
      fileFormat: { formatId: 7, formatKey: 'fit' },
      associatedCourseId: null,
      lastUpdateDate: dtoTime(t.endS + 600),
      uploadedDate: dtoTime(t.endS + 600),
      videoUrl: null,
      hasPolyline: !sport.indoor,
      hasChartData: true,
      hasHrTimeInZones: true,
      hasPowerTimeInZones: false,
      userInfoDto: {
        userProfilePk: user.profileId,
        displayname: user.displayName,
        fullname: user.fullName,
        profileImageUrlLarge: null,
        profileImageUrlMedium: null,
        profileImageUrlSmall: null,
        userPro: false,
      },
      childIds: [],
      childActivityTypes: [],
      sensors: null,
      activityImages: [],
      manufacturer: 'GARMIN',
      diveNumber: null,
      lapCount: t.laps.length,
      associatedWorkoutId: null,
      isAtpActivity: null,
      deviceMetaDataDTO: { deviceId: String(user.deviceId), deviceTypePk: 37229, deviceVersionPk: 1003399 },
      hasIntensityIntervals: false,
      hasSplits: false,
      hasHeatMap: false,
      personalRecord: false,
      elevationCorrected: false,
      autoCalcCalories: false,
      favorite: false,
      trimmed: false,
      manualActivity: false,
      gcj02: false,
    },
    summaryDTO: {
      startTimeLocal: dtoTime(s.startS + user.tz.offsetS),
      startTimeGMT: dtoTime(s.startS),
      ...startPosition(s, t),
      distance: t.distanceCm / 100,
      duration: t.timerMs / 1000,
      movingDuration: Math.floor(t.timerMs / 1000),
      elapsedDuration: t.elapsedMs / 1000,
      elevationGain: t.ascentM,
      elevationLoss: t.descentM,
      maxElevation: t.maxAltRaw / 5 - 500,
      minElevation: t.minAltRaw / 5 - 500,
      averageSpeed: t.avgSpeedMms / 1000,
      averageMovingSpeed: t.avgSpeedMms / 1000,
      maxSpeed: t.maxSpeedMms / 1000,
      calories: t.calories,
      bmrCalories: Math.round(t.timerMs / 40000),
      averageHR: t.avgHr,
      maxHR: t.maxHr,
      minHR: t.minHr,
      ...endPosition(s, t),
      ...(t.steps > 0 ? { steps: t.steps } : {}),
    },
    locationName: 'Simtown',
    splitSummaries: [],
  };
}
