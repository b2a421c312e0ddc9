import { hashSeed, Prng } from '../prng.js';
import { dtoTime } from './dates.js';
import { type DayModel, healthDay } from './health-model.js';
import type { SimUser } from './user.js';

/**
 * Daily summary and intraday answers, in Garmin's recorded shapes (garmin-endpoints.md), built from
 * the day model so every number agrees with the series it summarises.
 */

/** The local day `date` as GMT instants: local midnight to the next one (an unknown date: the epoch). */
function dayStart(user: SimUser, date: string): number {
  return user.dayStartS(date) ?? 0;
}

/** The day's bounds as the paired `…GMT`/`…Local` fields carry them (local = the date's midnights). */
function dayBounds(user: SimUser, date: string) {
  const startS = dayStart(user, date);
  const local = startS + user.tz.offsetS;
  return {
    startTimestampGMT: dtoTime(startS),
    endTimestampGMT: dtoTime(startS + 86400),
    startTimestampLocal: dtoTime(local),
    endTimestampLocal: dtoTime(local + 86400),
  };
}

/** Fields every summary has, with or without data. */
function summaryBase(user: SimUser, date: string) {
  const startS = dayStart(user, date);
  const local = startS + user.tz.offsetS;
  return {
    userProfileId: user.profileId,
    calendarDate: date,
    rule: { typeId: 2, typeKey: 'private' },
    uuid: new Prng(hashSeed(user.seed, 'uuid', date)).hex(32),
    dailyStepGoal: 10000,
    wellnessStartTimeGmt: dtoTime(startS),
    wellnessStartTimeLocal: dtoTime(local),
    wellnessEndTimeGmt: dtoTime(startS + 86400),
    wellnessEndTimeLocal: dtoTime(local + 86400),
    durationInMilliseconds: 86400000,
    privacyProtected: false,
    intensityMinutesGoal: 150,
    source: 'GARMIN',
  };
}

/** `usersummary-service/usersummary/daily/{displayName}?calendarDate=` */
export function dailySummaryJson(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  const base = summaryBase(user, date);
  if (!d) {
    // Garmin answers a day without wear with the same object, values null.
    return {
      ...base,
      totalKilocalories: null,
      activeKilocalories: null,
      bmrKilocalories: null,
      totalSteps: null,
      totalDistanceMeters: null,
      includesWellnessData: false,
      includesActivityData: false,
      moderateIntensityMinutes: null,
      vigorousIntensityMinutes: null,
      floorsAscended: null,
      minHeartRate: null,
      maxHeartRate: null,
      restingHeartRate: null,
      averageStressLevel: null,
      maxStressLevel: null,
      bodyBatteryChargedValue: null,
      bodyBatteryDrainedValue: null,
      bodyBatteryHighestValue: null,
      bodyBatteryLowestValue: null,
      sleepingSeconds: null,
      averageSpo2: null,
      lowestSpo2: null,
      avgWakingRespirationValue: null,
      lastSyncTimestampGMT: null,
    };
  }
  const sleepS = d.sleep ? d.sleep.deep + d.sleep.light + d.sleep.rem : null;
  const activeS = Math.round(d.steps / 1.5);
  return {
    ...base,
    totalKilocalories: d.bmrKcal + d.activeKcal,
    activeKilocalories: d.activeKcal,
    bmrKilocalories: d.bmrKcal,
    wellnessKilocalories: d.bmrKcal + d.activeKcal,
    burnedKilocalories: null,
    consumedKilocalories: null,
    remainingKilocalories: null,
    totalSteps: d.steps,
    netCalorieGoal: null,
    totalDistanceMeters: d.distanceM,
    wellnessDistanceMeters: d.distanceM,
    wellnessActiveKilocalories: d.activeKcal,
    netRemainingKilocalories: d.activeKcal,
    userDailySummaryId: 100_000_000 + (d.seed % 90_000_000),
    highlyActiveSeconds: Math.round(d.steps / 20),
    activeSeconds: activeS,
    sedentarySeconds: Math.max(0, d.untilS - d.startS - (sleepS ?? 0) - activeS),
    sleepingSeconds: sleepS,
    includesWellnessData: true,
    includesActivityData: false,
    includesCalorieConsumedData: false,
    moderateIntensityMinutes: d.moderateMin,
    vigorousIntensityMinutes: d.vigorousMin,
    floorsAscendedInMeters: Math.round(d.floors * 3.048 * 100) / 100,
    floorsDescendedInMeters: Math.round(d.floors * 2.9 * 100) / 100,
    floorsAscended: d.floors,
    floorsDescended: Math.round(d.floors * 9.5) / 10,
    userFloorsAscendedGoal: 10,
    minHeartRate: d.minHr,
    maxHeartRate: d.maxHr,
    restingHeartRate: d.restingHr,
    lastSevenDaysAvgRestingHeartRate: d.restingHr,
    averageStressLevel: d.avgStress,
    maxStressLevel: d.maxStress,
    stressQualifier: d.avgStress === null ? 'UNKNOWN' : d.avgStress < 26 ? 'BALANCED' : 'STRESSFUL',
    bodyBatteryChargedValue: d.bbCharged,
    bodyBatteryDrainedValue: d.bbDrained,
    bodyBatteryHighestValue: d.bbHigh,
    bodyBatteryLowestValue: d.bbLow,
    bodyBatteryMostRecentValue: d.battery.at(-1)?.[1] ?? null,
    averageSpo2: d.spo2Avg,
    lowestSpo2: d.spo2Low,
    latestSpo2: d.spo2?.at(-1)?.[1] ?? null,
    avgWakingRespirationValue: d.respAvg,
    lastSyncTimestampGMT: dtoTime(d.lastSyncS),
  };
}

/** `wellness-service/wellness/dailyHeartRate/{displayName}?date=`: [epochMs, bpm | null] every 2 min. */
export function dailyHeartRateJson(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  return {
    userProfilePK: user.profileId,
    calendarDate: date,
    ...dayBounds(user, date),
    maxHeartRate: d?.maxHr ?? null,
    minHeartRate: d?.minHr ?? null,
    restingHeartRate: d?.restingHr ?? null,
    lastSevenDaysAvgRestingHeartRate: d?.restingHr ?? null,
    heartRateValueDescriptors: d
      ? [
          { key: 'timestamp', index: 0 },
          { key: 'heartrate', index: 1 },
        ]
      : null,
    heartRateValues: d ? d.hr : null,
  };
}

/** `wellness-service/wellness/dailyStress/{date}`: null (HTTP 200) when there is no data. */
export function dailyStressJson(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  if (!d) return null;
  return {
    userProfilePK: user.profileId,
    calendarDate: date,
    // This answer writes its bounds as ISO instants ending .000Z / .999Z; the GMT pair is the local day's.
    startTimestampGMT: new Date(dayStart(user, date) * 1000).toISOString(),
    endTimestampGMT: new Date((dayStart(user, date) + 86400) * 1000 - 1).toISOString(),
    startTimestampLocal: `${date}T00:00:00.000Z`,
    endTimestampLocal: `${date}T23:59:59.999Z`,
    maxStressLevel: d.maxStress,
    avgStressLevel: d.avgStress,
    stressChartValueOffset: 0,
    stressChartYAxisOrigin: 0,
    stressValueDescriptorsDTOList: [
      { key: 'timestamp', index: 0 },
      { key: 'stressLevel', index: 1 },
    ],
    stressValuesArray: d.stress,
    bodyBatteryValueDescriptorsDTOList: [
      { bodyBatteryValueDescriptorIndex: 0, bodyBatteryValueDescriptorKey: 'timestamp' },
      { bodyBatteryValueDescriptorIndex: 1, bodyBatteryValueDescriptorKey: 'bodyBatteryStatus' },
      { bodyBatteryValueDescriptorIndex: 2, bodyBatteryValueDescriptorKey: 'bodyBatteryLevel' },
      { bodyBatteryValueDescriptorIndex: 3, bodyBatteryValueDescriptorKey: 'bodyBatteryVersion' },
    ],
    bodyBatteryValuesArray: d.battery.map(([ms, level, charging]) => [ms, charging ? 'charging' : 'drain', level, 1]),
  };
}

/** The head the respiration and SpO2 answers share: the day and the night's sleep window (null without sleep). */
function dayAndSleepWindow(user: SimUser, date: string, d: DayModel | null) {
  const s = d?.sleep;
  const at = (t: number | undefined, local: boolean) => (t === undefined ? null : dtoTime(t + (local ? user.tz.offsetS : 0)));
  return {
    userProfilePK: user.profileId,
    calendarDate: date,
    ...dayBounds(user, date),
    sleepStartTimestampGMT: at(s?.startS, false),
    sleepEndTimestampGMT: at(s?.endS, false),
    sleepStartTimestampLocal: at(s?.startS, true),
    sleepEndTimestampLocal: at(s?.endS, true),
  };
}

/** `wellness-service/wellness/daily/respiration/{date}`: values -1/-2 mean "no reading". */
export function respirationJson(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  const values = d?.respiration ?? null;
  const ok = values?.filter((p) => p[1] !== null && p[1] >= 0).map((p) => p[1]!) ?? [];
  const hourly: Array<[number, number]> = [];
  for (let i = 0; values && i < values.length; i += 30) {
    const hour = values.slice(i, i + 30).filter((p) => p[1]! >= 0);
    hourly.push([values[i]![0], hour.length ? Math.round(hour.reduce((a, p) => a + p[1]!, 0) / hour.length) : -2]);
  }
  return {
    ...dayAndSleepWindow(user, date, d),
    lowestRespirationValue: ok.length ? Math.min(...ok) : null,
    highestRespirationValue: ok.length ? Math.max(...ok) : null,
    avgWakingRespirationValue: values ? d!.respAvg : null,
    avgSleepRespirationValue: null,
    respirationValueDescriptorsDTOList: values
      ? [
          { key: 'timestamp', index: 0 },
          { key: 'respiration', index: 1 },
        ]
      : null,
    respirationValuesArray: values,
    respirationAveragesValueDescriptorDTOList: values
      ? [
          { respirationAveragesValueDescriptorIndex: 0, respirationAveragesValueDescriptionKey: 'timestamp' },
          { respirationAveragesValueDescriptorIndex: 1, respirationAveragesValueDescriptionKey: 'averageRespirationValue' },
        ]
      : null,
    respirationAveragesValuesArray: values ? hourly : null,
    respirationVersion: 200,
  };
}

/** `wellness-service/wellness/daily/spo2/{date}`: pulse-ox readings during the night's sleep (Garmin's default). */
export function spo2Json(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  const readings = d?.spo2 ?? null;
  const last = readings?.at(-1);
  return {
    ...dayAndSleepWindow(user, date, d),
    averageSpO2: readings ? d!.spo2Avg : null,
    lowestSpO2: readings ? d!.spo2Low : null,
    lastSevenDaysAvgSpO2: null,
    latestSpO2: last?.[1] ?? null,
    latestSpO2TimestampGMT: last ? dtoTime(last[0] / 1000) : null,
    latestSpO2TimestampLocal: last ? dtoTime(last[0] / 1000 + user.tz.offsetS) : null,
    avgSleepSpO2: readings ? d!.spo2Avg : null,
    spO2ValueDescriptorsDTOList: null,
    spO2SingleValues: null,
    continuousReadingDTOList: readings
      ? readings.map(([ms, value]) => ({
          userProfilePK: user.profileId,
          epochTimestamp: dtoTime(ms / 1000),
          deviceId: user.deviceId,
          calendarDate: date,
          epochDuration: 60,
          spo2Reading: value,
          readingConfidence: 90,
        }))
      : null,
    spO2HourlyAverages: null,
  };
}

/** `wellness-service/wellness/dailySummaryChart/{displayName}?date=`: 15-minute step buckets; `[]` without data. */
export function stepsChartJson(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  if (!d) return [];
  return d.stepBuckets.map((steps, i) => ({
    startGMT: dtoTime(d.startS + i * 900),
    endGMT: dtoTime(d.startS + (i + 1) * 900),
    steps,
    pushes: 0,
    primaryActivityLevel: steps === 0 ? 'sedentary' : steps < 600 ? 'active' : 'highlyActive',
    activityLevelConstant: true,
  }));
}
