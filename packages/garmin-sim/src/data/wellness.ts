import { hashSeed, Prng } from '../prng.js';
import { dtoTime, isoDate, parseIsoDate } from './dates.js';
import type { SimUser } from './user.js';

/**
 * Generated wellness data of one calendar day. Rules (deterministic per user+date):
 * - a day inside the user's history has no data at all ~10% of the time (watch not worn);
 * - of the days with data, ~20% have no HRV reading (hrv answers 204),
 *   ~15% have no sleep, and ~30% have a weight entry;
 * - days outside the history (today, the future, before it) have no data.
 */
export interface DayData {
  date: string;
  startS: number;
  steps: number;
  distanceM: number;
  totalKcal: number;
  activeKcal: number;
  bmrKcal: number;
  restingHr: number;
  minHr: number;
  maxHr: number;
  avgStress: number;
  maxStress: number;
  bbHigh: number;
  bbLow: number;
  sleep: null | { startS: number; deep: number; light: number; rem: number; awake: number };
  hrv: null | { lastNightAvg: number; weeklyAvg: number; high: number };
  weightG: number | null;
  seed: number;
}

export function dayData(user: SimUser, date: string): DayData | null {
  const startS = parseIsoDate(date);
  if (startS === null) return null;
  const ageDays = Math.round((Math.floor(user.createdAtS / 86400) * 86400 - startS) / 86400);
  if (ageDays < 1 || ageDays > user.days) return null;
  const seed = hashSeed(user.seed, 'day', date);
  const rng = new Prng(seed);
  if (rng.next() < 0.1) return null;
  const steps = rng.int(2500, 16000);
  const bmrKcal = rng.int(1500, 2100);
  const activeKcal = Math.round(steps * rng.range(0.03, 0.05));
  const minHr = rng.int(42, 55);
  const deep = rng.int(3600, 7200);
  const light = rng.int(9000, 16000);
  const rem = rng.int(3600, 7200);
  const hasSleep = rng.next() >= 0.15;
  const hasHrv = rng.next() >= 0.2;
  const hasWeight = rng.next() < 0.3;
  return {
    date,
    startS,
    steps,
    distanceM: Math.round(steps * 0.78),
    totalKcal: bmrKcal + activeKcal,
    activeKcal,
    bmrKcal,
    restingHr: minHr + rng.int(1, 5),
    minHr,
    maxHr: rng.int(110, 175),
    avgStress: rng.int(15, 45),
    maxStress: rng.int(70, 99),
    bbHigh: rng.int(70, 100),
    bbLow: rng.int(5, 40),
    sleep: hasSleep ? { startS: startS - rng.int(1, 3) * 3600, deep, light, rem, awake: rng.int(0, 1800) } : null,
    hrv: hasHrv ? { lastNightAvg: rng.int(30, 70), weeklyAvg: rng.int(35, 60), high: rng.int(60, 95) } : null,
    weightG: hasWeight ? 70000 + user.index * 100 + rng.int(-1500, 1500) : null,
    seed,
  };
}

/** `usersummary-service/usersummary/daily/{displayName}?calendarDate=` */
export function dailySummaryJson(user: SimUser, date: string): unknown {
  const d = dayData(user, date);
  const startS = parseIsoDate(date) ?? 0;
  const base = {
    userProfileId: user.profileId,
    calendarDate: date,
    rule: { typeId: 2, typeKey: 'private' },
    uuid: new Prng(hashSeed(user.seed, 'uuid', date)).hex(32),
    dailyStepGoal: 10000,
    wellnessStartTimeGmt: dtoTime(startS),
    wellnessStartTimeLocal: dtoTime(startS),
    wellnessEndTimeGmt: dtoTime(startS + 86400),
    wellnessEndTimeLocal: dtoTime(startS + 86400),
    durationInMilliseconds: 86400000,
    privacyProtected: false,
    intensityMinutesGoal: 150,
    source: 'GARMIN',
  };
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
      minHeartRate: null,
      maxHeartRate: null,
      restingHeartRate: null,
      averageStressLevel: null,
      maxStressLevel: null,
      bodyBatteryHighestValue: null,
      bodyBatteryLowestValue: null,
      sleepingSeconds: null,
    };
  }
  const sleepS = d.sleep ? d.sleep.deep + d.sleep.light + d.sleep.rem : 0;
  return {
    ...base,
    totalKilocalories: d.totalKcal,
    activeKilocalories: d.activeKcal,
    bmrKilocalories: d.bmrKcal,
    wellnessKilocalories: d.totalKcal,
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
    activeSeconds: Math.round(d.steps / 1.5),
    sedentarySeconds: 86400 - sleepS - Math.round(d.steps / 1.5),
    sleepingSeconds: sleepS || null,
    includesWellnessData: true,
    includesActivityData: false,
    includesCalorieConsumedData: false,
    moderateIntensityMinutes: d.steps > 8000 ? 20 : 0,
    vigorousIntensityMinutes: d.steps > 12000 ? 15 : 0,
    floorsAscendedInMeters: 12.5,
    floorsDescendedInMeters: 11.9,
    floorsAscended: 4.1,
    floorsDescended: 3.9,
    userFloorsAscendedGoal: 10,
    minHeartRate: d.minHr,
    maxHeartRate: d.maxHr,
    restingHeartRate: d.restingHr,
    lastSevenDaysAvgRestingHeartRate: d.restingHr,
    averageStressLevel: d.avgStress,
    maxStressLevel: d.maxStress,
    stressQualifier: d.avgStress < 26 ? 'BALANCED' : 'STRESSFUL',
    bodyBatteryChargedValue: d.bbHigh - d.bbLow,
    bodyBatteryDrainedValue: d.bbHigh - d.bbLow,
    bodyBatteryHighestValue: d.bbHigh,
    bodyBatteryLowestValue: d.bbLow,
    bodyBatteryMostRecentValue: d.bbLow + 3,
    averageSpo2: null,
    lowestSpo2: null,
    latestSpo2: null,
    avgWakingRespirationValue: 14,
  };
}

/** `wellness-service/wellness/dailyHeartRate/{displayName}?date=`: [epochMs, bpm] every 2 min. */
export function dailyHeartRateJson(user: SimUser, date: string): unknown {
  const d = dayData(user, date);
  const startS = parseIsoDate(date) ?? 0;
  const values: Array<[number, number]> = [];
  if (d) {
    const rng = new Prng(hashSeed(d.seed, 'hr'));
    for (let t = 0; t < 86400; t += 120) {
      const hour = t / 3600;
      const awake = hour >= 7 && hour < 23;
      const bpm = awake ? rng.int(d.restingHr + 8, Math.min(d.maxHr, d.restingHr + 50)) : rng.int(d.minHr, d.restingHr + 4);
      values.push([(startS + t) * 1000, bpm]);
    }
  }
  return {
    userProfilePK: user.profileId,
    calendarDate: date,
    startTimestampGMT: dtoTime(startS),
    endTimestampGMT: dtoTime(startS + 86400),
    startTimestampLocal: dtoTime(startS),
    endTimestampLocal: dtoTime(startS + 86400),
    maxHeartRate: d ? d.maxHr : null,
    minHeartRate: d ? d.minHr : null,
    restingHeartRate: d ? d.restingHr : null,
    lastSevenDaysAvgRestingHeartRate: d ? d.restingHr : null,
    heartRateValueDescriptors: d
      ? [
          { key: 'timestamp', index: 0 },
          { key: 'heartrate', index: 1 },
        ]
      : null,
    heartRateValues: d ? values : null,
  };
}

/** `wellness-service/wellness/dailyStress/{date}`: null (HTTP 200) when there is no data. */
export function dailyStressJson(user: SimUser, date: string): unknown {
  const d = dayData(user, date);
  if (!d) return null;
  const startS = d.startS;
  const rng = new Prng(hashSeed(d.seed, 'stress'));
  const stress: Array<[number, number]> = [];
  const battery: Array<[number, string, number, number]> = [];
  let level = d.bbLow;
  for (let t = 0; t < 86400; t += 180) {
    stress.push([(startS + t) * 1000, rng.int(Math.max(0, d.avgStress - 20), Math.min(d.maxStress, d.avgStress + 25))]);
    const charging = t < 7 * 3600;
    level = charging ? Math.min(d.bbHigh, level + 1) : Math.max(d.bbLow, level - (rng.next() < 0.3 ? 1 : 0));
    battery.push([(startS + t) * 1000, charging ? 'charging' : 'drain', level, 1]);
  }
  return {
    userProfilePK: user.profileId,
    calendarDate: date,
    startTimestampGMT: `${date}T00:00:00.000Z`,
    endTimestampGMT: `${date}T23:59:59.999Z`,
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
    stressValuesArray: stress,
    bodyBatteryValueDescriptorsDTOList: [
      { bodyBatteryValueDescriptorIndex: 0, bodyBatteryValueDescriptorKey: 'timestamp' },
      { bodyBatteryValueDescriptorIndex: 1, bodyBatteryValueDescriptorKey: 'bodyBatteryStatus' },
      { bodyBatteryValueDescriptorIndex: 2, bodyBatteryValueDescriptorKey: 'bodyBatteryLevel' },
      { bodyBatteryValueDescriptorIndex: 3, bodyBatteryValueDescriptorKey: 'bodyBatteryVersion' },
    ],
    bodyBatteryValuesArray: battery,
  };
}

/** `dailySleepData`: `dailySleepDTO` with nulls when the night has no sleep (as recorded). */
export function dailySleepJson(user: SimUser, date: string): unknown {
  const d = dayData(user, date);
  const s = d?.sleep;
  if (!s) {
    return {
      dailySleepDTO: {
        id: null,
        userProfilePK: user.profileId,
        calendarDate: date,
        sleepTimeSeconds: null,
        napTimeSeconds: null,
        sleepWindowConfirmed: null,
        sleepWindowConfirmationType: null,
        sleepStartTimestampGMT: null,
        sleepEndTimestampGMT: null,
        sleepStartTimestampLocal: null,
        sleepEndTimestampLocal: null,
        autoSleepStartTimestampGMT: null,
        autoSleepEndTimestampGMT: null,
        sleepQualityTypePK: null,
        sleepResultTypePK: null,
        unmeasurableSleepSeconds: null,
        deepSleepSeconds: null,
        lightSleepSeconds: null,
        remSleepSeconds: null,
        awakeSleepSeconds: null,
        deviceRemCapable: false,
        retro: false,
      },
      sleepMovement: [],
      remSleepData: null,
      sleepLevels: [],
    };
  }
  const total = s.deep + s.light + s.rem;
  const endS = s.startS + total + s.awake;
  return {
    dailySleepDTO: {
      id: s.startS * 1000,
      userProfilePK: user.profileId,
      calendarDate: date,
      sleepTimeSeconds: total,
      napTimeSeconds: 0,
      sleepWindowConfirmed: true,
      sleepWindowConfirmationType: 'enhanced_confirmed_final',
      sleepStartTimestampGMT: s.startS * 1000,
      sleepEndTimestampGMT: endS * 1000,
      sleepStartTimestampLocal: (s.startS + user.tz.offsetS) * 1000,
      sleepEndTimestampLocal: (endS + user.tz.offsetS) * 1000,
      autoSleepStartTimestampGMT: null,
      autoSleepEndTimestampGMT: null,
      sleepQualityTypePK: null,
      sleepResultTypePK: null,
      unmeasurableSleepSeconds: 0,
      deepSleepSeconds: s.deep,
      lightSleepSeconds: s.light,
      remSleepSeconds: s.rem,
      awakeSleepSeconds: s.awake,
      deviceRemCapable: true,
      retro: false,
      sleepFromDevice: true,
      awakeCount: Math.floor(s.awake / 600),
      avgSleepStress: Math.max(5, d.avgStress - 10),
      sleepScores: { overall: { value: Math.min(100, Math.round((total / 28800) * 85)), qualifierKey: 'GOOD' } },
      sleepVersion: 2,
    },
    sleepMovement: null,
    remSleepData: true,
    sleepLevels: null,
    restingHeartRate: d.restingHr,
    bodyBatteryChange: d.bbHigh - d.bbLow,
  };
}

/** `hrv-service/hrv/{date}`: null means answer 204. */
export function hrvJson(user: SimUser, date: string): unknown {
  const d = dayData(user, date);
  if (!d?.hrv || !d.sleep) return null;
  const rng = new Prng(hashSeed(d.seed, 'hrv'));
  const readings = [];
  const sleepEnd = d.sleep.startS + d.sleep.deep + d.sleep.light + d.sleep.rem;
  for (let t = d.sleep.startS + 300; t < sleepEnd; t += 300) {
    readings.push({
      hrvValue: rng.int(d.hrv.lastNightAvg - 12, d.hrv.lastNightAvg + 12),
      readingTimeGMT: dtoTime(t),
      readingTimeLocal: dtoTime(t + user.tz.offsetS),
    });
  }
  return {
    userProfilePk: user.profileId,
    hrvSummary: {
      calendarDate: date,
      weeklyAvg: d.hrv.weeklyAvg,
      lastNightAvg: d.hrv.lastNightAvg,
      lastNight5MinHigh: d.hrv.high,
      baseline: { lowUpper: 36, balancedLow: 39, balancedUpper: 52, markerValue: 0.25 },
      status: 'BALANCED',
      feedbackPhrase: 'HRV_BALANCED_7',
      createTimeStamp: `${dtoTime(sleepEnd).slice(0, -2)}.000`,
    },
    hrvReadings: readings,
    startTimestampGMT: dtoTime(d.sleep.startS),
    endTimestampGMT: dtoTime(sleepEnd),
    startTimestampLocal: dtoTime(d.sleep.startS + user.tz.offsetS),
    endTimestampLocal: dtoTime(sleepEnd + user.tz.offsetS),
    sleepStartTimestampGMT: dtoTime(d.sleep.startS),
    sleepEndTimestampGMT: dtoTime(sleepEnd),
    sleepStartTimestampLocal: dtoTime(d.sleep.startS + user.tz.offsetS),
    sleepEndTimestampLocal: dtoTime(sleepEnd + user.tz.offsetS),
  };
}

/** `hrv-service/hrv/daily/{start}/{end}`: the summaries of days with a reading; null means 204. */
export function hrvRangeJson(user: SimUser, startS: number, endS: number): unknown {
  const summaries: unknown[] = [];
  for (let t = startS; t <= endS; t += 86400) {
    const one = hrvJson(user, isoDate(t)) as { hrvSummary: unknown } | null;
    if (one) summaries.push(one.hrvSummary);
  }
  return summaries.length === 0 ? null : { hrvSummaries: summaries, userProfilePk: user.profileId };
}

function weightEntry(user: SimUser, d: DayData) {
  const sampleS = d.startS + 7 * 3600;
  return {
    samplePk: sampleS * 1000 + 851,
    date: (sampleS + user.tz.offsetS) * 1000,
    calendarDate: d.date,
    weight: d.weightG,
    bmi: null,
    bodyFat: null,
    bodyWater: null,
    boneMass: null,
    muscleMass: null,
    physiqueRating: null,
    visceralFat: null,
    metabolicAge: null,
    sourceType: 'MANUAL',
    timestampGMT: sampleS * 1000,
    weightDelta: null,
  };
}

function weightDays(user: SimUser, startS: number, endS: number): DayData[] {
  const out: DayData[] = [];
  for (let t = endS; t >= startS; t -= 86400) {
    const d = dayData(user, isoDate(t));
    if (d && d.weightG !== null) out.push(d);
  }
  return out;
}

/** `weight-service/weight/range/{start}/{end}` as recorded (newest first, grams). */
export function weightRangeJson(user: SimUser, startS: number, endS: number): unknown {
  const days = weightDays(user, startS, endS);
  const avg = days.length ? days.reduce((a, d) => a + d.weightG!, 0) / days.length : null;
  return {
    dailyWeightSummaries: days.map((d) => {
      const e = weightEntry(user, d);
      return {
        summaryDate: d.date,
        numOfWeightEntries: 1,
        minWeight: d.weightG,
        maxWeight: d.weightG,
        latestWeight: e,
        allWeightMetrics: [e],
      };
    }),
    totalAverage: { from: startS * 1000, until: (endS + 86400) * 1000 - 1, weight: avg, bmi: null, bodyFat: null },
    previousDateWeight: null,
    nextDateWeight: null,
  };
}

/** `weight-service/weight/dateRange?startDate=&endDate=` (older shape: a flat list). */
export function weightDateRangeJson(user: SimUser, startS: number, endS: number): unknown {
  const days = weightDays(user, startS, endS);
  const avg = days.length ? days.reduce((a, d) => a + d.weightG!, 0) / days.length : null;
  return {
    startDate: isoDate(startS),
    endDate: isoDate(endS),
    dateWeightList: days.map((d) => weightEntry(user, d)),
    totalAverage: { from: startS * 1000, until: (endS + 86400) * 1000 - 1, weight: avg, bmi: null, bodyFat: null },
  };
}
