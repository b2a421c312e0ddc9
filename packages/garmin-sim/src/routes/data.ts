import { activityDetail, activityListItem } from '../data/activity-json.js';
import { parseIsoDate } from '../data/dates.js';
import type { SimUser } from '../data/user.js';
import { hydrationRangeJson, maxmetRangeJson, weightDateRangeJson, weightRangeJson } from '../data/range-json.js';
import { dailySleepJson, hrvJson, hrvRangeJson, readinessJson } from '../data/sleep-json.js';
import {
  dailyHeartRateJson,
  dailyStressJson,
  dailySummaryJson,
  respirationJson,
  spo2Json,
  stepsChartJson,
} from '../data/wellness.js';
import { gearJson, gearOfActivity, gearStatsJson, gearTotals, userGear } from '../data/gear.js';
import { personalRecordsJson } from '../data/personal-records.js';
import { userWorkouts, workoutDetail, workoutListItem } from '../data/workouts.js';
import { stringifyJson } from '../codec/json.js';
import { empty, json, type RequestContext, type SimResponse } from '../http-util.js';
import type { SimState } from '../sim-state.js';

export type DataHandler = (sim: SimState, user: SimUser, ctx: RequestContext, params: string[]) => SimResponse;

function badRequest(message: string): SimResponse {
  return json(400, { message, error: 'BadRequest' });
}

function notFound(): SimResponse {
  return json(404, { message: 'Not Found', error: 'NotFoundException' });
}

/** Integer query parameter with bounds; a string means "invalid". */
function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number | string {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  if (!/^\d+$/.test(raw)) return `${name} must be an integer`;
  const v = Number(raw);
  if (v < min || v > max) return `${name} must be between ${min} and ${max}`;
  return v;
}

function dateParam(q: URLSearchParams, name: string): string | SimResponse {
  const v = q.get(name);
  if (parseIsoDate(v) === null) return badRequest(`${name} must be a date YYYY-MM-DD`);
  return v!;
}

/** Wellness paths carry the display name; an empty one (as recorded) means "me". */
function checkDisplayName(user: SimUser, name: string | undefined): SimResponse | null {
  if (!name || decodeURIComponent(name) === user.displayName) return null;
  return json(403, { message: 'Forbidden', error: 'ForbiddenException' });
}

export const socialProfile: DataHandler = (_sim, user) =>
  json(200, {
    id: user.socialId,
    profileId: user.profileId,
    garminGUID: user.guid,
    displayName: user.displayName,
    fullName: user.fullName,
    userName: user.email,
    profileImageType: null,
    profileImageUrlLarge: null,
    profileImageUrlMedium: null,
    profileImageUrlSmall: null,
    location: null,
    facebookUrl: null,
    twitterUrl: null,
    personalWebsite: null,
    motivation: null,
    bio: null,
    primaryActivity: null,
    favoriteActivityTypes: [],
    runningTrainingSpeed: 0,
    cyclingTrainingSpeed: 0,
    favoriteCyclingActivityTypes: [],
    cyclingClassification: null,
    cyclingMaxAvgPower: 0,
    swimmingTrainingSpeed: 0,
    profileVisibility: 'private',
    activityStartVisibility: 'private',
    activityMapVisibility: 'public',
    courseVisibility: 'public',
    activityHeartRateVisibility: 'public',
    activityPowerVisibility: 'public',
    badgeVisibility: 'private',
    showAge: false,
    showWeight: false,
    showHeight: false,
    userRoles: ['SCOPE_CONNECT_READ', 'SCOPE_CONNECT_WRITE', 'ROLE_CONNECTUSER', 'ROLE_FITNESS_USER', 'ROLE_WELLNESS_USER'],
    nameApproved: true,
    userProfileFullName: user.fullName,
    makeGolfScorecardsPrivate: true,
    allowGolfLiveScoring: false,
    allowGolfScoringByConnections: true,
    userLevel: 3,
    userPoint: 118,
    levelUpdateDate: '2020-12-12T15:20:38.0',
    levelIsViewed: false,
    levelPointThreshold: 140,
    userPointOffset: 0,
    userPro: false,
  });

/** Newest first; `startDate`/`endDate` filter on the local start date, inclusive. */
export const activitySearch: DataHandler = (_sim, user, ctx) => {
  const start = intParam(ctx.query, 'start', 0, 0, 1_000_000);
  const limit = intParam(ctx.query, 'limit', 20, 1, 1000);
  if (typeof start === 'string') return badRequest(start);
  if (typeof limit === 'string') return badRequest(limit);
  const from = ctx.query.get('startDate');
  const to = ctx.query.get('endDate');
  if (from && parseIsoDate(from) === null) return badRequest('startDate must be a date YYYY-MM-DD');
  if (to && parseIsoDate(to) === null) return badRequest('endDate must be a date YYYY-MM-DD');
  const items: string[] = [];
  let skipped = 0;
  for (let i = user.activities.length - 1; i >= 0 && items.length < limit; i--) {
    const a = user.activities[i]!;
    if (from || to) {
      const local = user.localDate(a.seed.startS);
      if ((from && local < from) || (to && local > to)) continue;
    }
    if (skipped < start) {
      skipped++;
      continue;
    }
    if (!a.listJson) a.listJson = stringifyJson(activityListItem(user, a));
    items.push(a.listJson);
  }
  return { status: 200, headers: { 'content-type': 'application/json;charset=UTF-8' }, body: `[${items.join(',')}]` };
};

export const activityCount: DataHandler = (_sim, user) => json(200, { totalCount: user.activities.length });

export const activityGet: DataHandler = (_sim, user, _ctx, [id]) => {
  const a = user.find(id!);
  return a ? json(200, activityDetail(user, a)) : notFound();
};

export const activityDownload: DataHandler = (_sim, user, _ctx, [id]) => {
  const a = user.find(id!);
  if (!a) return notFound();
  return {
    status: 200,
    headers: {
      'content-type': 'application/x-zip-compressed',
      'content-disposition': `attachment; filename="${a.seed.idText}.zip"`,
    },
    body: user.zip(a),
  };
};

/** A per-day wellness answer addressed by display name and `?{query}=YYYY-MM-DD`. */
function byNameAndDate(query: string, answer: (user: SimUser, date: string) => unknown): DataHandler {
  return (_sim, user, ctx, [name]) => {
    const denied = checkDisplayName(user, name);
    if (denied) return denied;
    const date = dateParam(ctx.query, query);
    return typeof date === 'string' ? json(200, answer(user, date)) : date;
  };
}

/** A per-day answer addressed by `/{date}` in the path. */
function byPathDate(answer: (user: SimUser, date: string) => unknown): DataHandler {
  return (_sim, user, _ctx, [date]) => {
    if (parseIsoDate(date) === null) return badRequest('date must be YYYY-MM-DD');
    return json(200, answer(user, date!));
  };
}

export const dailySummary = byNameAndDate('calendarDate', dailySummaryJson);
export const dailyHeartRate = byNameAndDate('date', dailyHeartRateJson);
export const dailySleep = byNameAndDate('date', dailySleepJson);
export const stepsChart = byNameAndDate('date', stepsChartJson);
/** No data: HTTP 200 with the JSON body `null` (fixture daily-stress-no-data). */
export const dailyStress = byPathDate(dailyStressJson);
export const respiration = byPathDate(respirationJson);
export const spo2 = byPathDate(spo2Json);
/** No data: `200 []`. */
export const trainingReadiness = byPathDate(readinessJson);

export const hrv: DataHandler = (_sim, user, _ctx, [date]) => {
  if (parseIsoDate(date) === null) return badRequest('date must be YYYY-MM-DD');
  const body = hrvJson(user, date!);
  // No reading: 204 with an empty body (fixture hrv).
  return body === null ? empty(204) : json(200, body);
};

/** Garmin's daily statistics endpoints serve at most 28 days per call (garmin-endpoints.md "Range limits"). */
export const STATS_MAX_DAYS = 28;

function rangeOf(from: string | undefined | null, to: string | undefined | null, maxDays = 366): [number, number] | SimResponse {
  const a = parseIsoDate(from);
  const b = parseIsoDate(to);
  if (a === null || b === null) return badRequest('start and end must be dates YYYY-MM-DD');
  if (b < a) return badRequest('end date is before start date');
  if ((b - a) / 86400 + 1 > maxDays) return badRequest(`Date range difference cannot be more than ${maxDays} days`);
  return [a, b];
}

/** A range answer over `/{start}/{end}`; `null` from `answer` means 204. */
function byPathRange(maxDays: number, answer: (user: SimUser, startS: number, endS: number) => unknown): DataHandler {
  return (_sim, user, _ctx, [from, to]) => {
    const r = rangeOf(from, to, maxDays);
    if (!Array.isArray(r)) return r;
    const body = answer(user, r[0], r[1]);
    return body === null ? empty(204) : json(200, body);
  };
}

export const hrvRange = byPathRange(STATS_MAX_DAYS, hrvRangeJson);
export const hydrationRange = byPathRange(STATS_MAX_DAYS, hydrationRangeJson);
export const maxmetRange = byPathRange(366, maxmetRangeJson);
export const weightRange = byPathRange(366, weightRangeJson);

export const weightDateRange: DataHandler = (_sim, user, ctx) => {
  const r = rangeOf(ctx.query.get('startDate'), ctx.query.get('endDate'));
  return Array.isArray(r) ? json(200, weightDateRangeJson(user, r[0], r[1])) : r;
};

export const workoutList: DataHandler = (_sim, user, ctx) => {
  const start = intParam(ctx.query, 'start', 0, 0, 1_000_000);
  const limit = intParam(ctx.query, 'limit', 100, 1, 1000);
  if (typeof start === 'string') return badRequest(start);
  if (typeof limit === 'string') return badRequest(limit);
  return json(
    200,
    userWorkouts(user)
      .slice(start, start + limit)
      .map((w) => workoutListItem(user, w)),
  );
};

export const workoutGet: DataHandler = (_sim, user, _ctx, [id]) => {
  const w = userWorkouts(user).find((x) => String(x.workoutId) === id);
  return w ? json(200, workoutDetail(user, w)) : notFound();
};

/** Personal records by display name; another user's name answers like the other display-name routes. */
export const personalRecords: DataHandler = (_sim, user, _ctx, [name]) => {
  return checkDisplayName(user, name) ?? json(200, personalRecordsJson(user));
};

/** `filterGear?userProfilePk=N` lists the account's gear; `?activityId=N` the gear one activity used. */
export const gearFilter: DataHandler = (_sim, user, ctx) => {
  const pk = ctx.query.get('userProfilePk');
  const activityId = ctx.query.get('activityId');
  const gear = userGear(user);
  if (activityId !== null) {
    if (!/^\d{1,20}$/.test(activityId)) return badRequest('activityId must be an integer');
    const a = user.find(activityId);
    if (!a) return notFound();
    const g = gearOfActivity(gear, a);
    return json(200, g ? [gearJson(user, g)] : []);
  }
  if (pk === null || !/^\d{1,20}$/.test(pk)) return badRequest('userProfilePk must be an integer');
  if (Number(pk) !== user.profileId) return json(403, { message: 'Forbidden', error: 'ForbiddenException' });
  return json(200, gear.map((g) => gearJson(user, g)));
};

/** Totals of one active piece of gear; retired or unknown gear answers 404 (garmin-endpoints.md "Gear"). */
export const gearStats: DataHandler = (_sim, user, _ctx, [uuid]) => {
  const gear = userGear(user);
  const g = gear.find((x) => x.uuid === uuid);
  if (!g || g.retired) return notFound();
  return json(200, gearStatsJson(g, gearTotals(user, gear).get(g.uuid)!));
};
