/**
 * The data routes {@link GarminApi} calls, as templates. A request path is reported by its
 * template (`{…}` is one path segment), never as itself: paths carry activity ids, dates and the
 * user's display name, which must not become metric labels.
 */
export const GARMIN_ROUTE_TEMPLATES: readonly string[] = [
  '/userprofile-service/socialProfile',
  '/userprofile-service/userprofile/personal-information/{displayName}',
  '/device-service/deviceservice/mylastused',
  '/activitylist-service/activities/search/activities',
  '/activitylist-service/activities/count',
  '/activity-service/activity/{id}',
  '/download-service/files/activity/{id}',
  '/hrv-service/hrv/daily/{start}/{end}',
  '/hrv-service/hrv/{date}',
  '/weight-service/weight/range/{start}/{end}',
  '/workout-service/workouts',
  '/workout-service/workout/{id}',
  '/personalrecord-service/personalrecord/prs/{displayName}',
  '/gear-service/gear/filterGear',
  '/gear-service/gear/stats/{uuid}',
  '/usersummary-service/usersummary/daily/{displayName}',
  '/wellness-service/wellness/dailyHeartRate/{displayName}',
  '/wellness-service/wellness/dailyStress/{date}',
  '/sleep-service/sleep/dailySleepData',
  '/wellness-service/wellness/daily/respiration/{date}',
  '/wellness-service/wellness/daily/spo2/{date}',
  '/wellness-service/wellness/dailySummaryChart/{displayName}',
  '/metrics-service/metrics/trainingreadiness/{date}',
  '/metrics-service/metrics/maxmet/daily/{start}/{end}',
  '/usersummary-service/stats/hydration/daily/{start}/{end}',
];

const COMPILED = GARMIN_ROUTE_TEMPLATES.map((t) => ({
  template: t,
  re: new RegExp(`^${t.split('/').map((seg) => (/^\{\w+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`),
}));

/** The route template a data path (without its query) belongs to, or `other`: a bounded label. */
export function garminRouteOf(path: string): string {
  const p = path.split('?')[0] ?? '';
  return COMPILED.find((c) => c.re.test(p))?.template ?? 'other';
}
