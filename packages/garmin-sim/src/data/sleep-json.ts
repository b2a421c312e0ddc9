import { hashSeed, Prng } from '../prng.js';
import { dtoTime, isoDate } from './dates.js';
import { type DayModel, healthDay } from './health-model.js';
import type { SimUser } from './user.js';

/** Night answers: sleep, HRV and training readiness (all only on days with sleep). */

const EMPTY_SLEEP_DTO = {
  id: null,
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
};

/** `dailySleepData`: `dailySleepDTO` with nulls when the night has no sleep (as recorded). */
export function dailySleepJson(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  const s = d?.sleep;
  if (!d || !s) {
    return {
      dailySleepDTO: { ...EMPTY_SLEEP_DTO, userProfilePK: user.profileId, calendarDate: date },
      sleepMovement: [],
      remSleepData: null,
      sleepLevels: [],
    };
  }
  const total = s.deep + s.light + s.rem;
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
      sleepEndTimestampGMT: s.endS * 1000,
      sleepStartTimestampLocal: (s.startS + user.tz.offsetS) * 1000,
      sleepEndTimestampLocal: (s.endS + user.tz.offsetS) * 1000,
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
      averageSpO2Value: d.spo2Avg,
      lowestSpO2Value: d.spo2Low,
      awakeCount: s.levels.filter((l) => l.level === 3).length,
      avgSleepStress: Math.max(5, (d.avgStress ?? 20) - 10),
      sleepScores: {
        overall: { value: s.score, qualifierKey: s.score >= 80 ? 'GOOD' : s.score >= 60 ? 'FAIR' : 'POOR' },
      },
      sleepVersion: 2,
    },
    sleepMovement: null,
    remSleepData: true,
    sleepLevels: s.levels.map((l) => ({ startGMT: dtoTime(l.startS), endGMT: dtoTime(l.endS), activityLevel: l.level })),
    restingHeartRate: d.restingHr,
    bodyBatteryChange: d.bbCharged,
  };
}

/** `hrv-service/hrv/{date}`: null means answer 204. */
export function hrvJson(user: SimUser, date: string): ({ hrvSummary: unknown } & Record<string, unknown>) | null {
  const d = healthDay(user, date);
  if (!d?.hrv || !d.sleep) return null;
  const { hrv, sleep } = d;
  const rng = new Prng(hashSeed(d.seed, 'hrv-readings'));
  const readings = [];
  for (let t = sleep.startS + 300; t < sleep.endS; t += 300) {
    readings.push({
      hrvValue: rng.int(hrv.lastNightAvg - 12, hrv.lastNightAvg + 12),
      readingTimeGMT: dtoTime(t),
      readingTimeLocal: dtoTime(t + user.tz.offsetS),
    });
  }
  const window = (prefix: string) => ({
    [`${prefix}StartTimestampGMT`]: dtoTime(sleep.startS),
    [`${prefix}EndTimestampGMT`]: dtoTime(sleep.endS),
    [`${prefix}StartTimestampLocal`]: dtoTime(sleep.startS + user.tz.offsetS),
    [`${prefix}EndTimestampLocal`]: dtoTime(sleep.endS + user.tz.offsetS),
  });
  return {
    userProfilePk: user.profileId,
    hrvSummary: {
      calendarDate: date,
      weeklyAvg: hrv.weeklyAvg,
      lastNightAvg: hrv.lastNightAvg,
      lastNight5MinHigh: hrv.high,
      baseline: { lowUpper: 36, balancedLow: 39, balancedUpper: 52, markerValue: 0.25 },
      status: hrv.status,
      feedbackPhrase: `HRV_${hrv.status}_7`,
      createTimeStamp: `${dtoTime(sleep.endS).slice(0, -2)}.000`,
    },
    hrvReadings: readings,
    startTimestampGMT: dtoTime(sleep.startS),
    endTimestampGMT: dtoTime(sleep.endS),
    startTimestampLocal: dtoTime(sleep.startS + user.tz.offsetS),
    endTimestampLocal: dtoTime(sleep.endS + user.tz.offsetS),
    ...window('sleep'),
  };
}

/** `hrv-service/hrv/daily/{start}/{end}`: the summaries of days with a reading; null means 204. */
export function hrvRangeJson(user: SimUser, startS: number, endS: number): unknown {
  const summaries: unknown[] = [];
  for (let t = startS; t <= endS; t += 86400) {
    const one = hrvJson(user, isoDate(t));
    if (one) summaries.push(one.hrvSummary);
  }
  return summaries.length === 0 ? null : { hrvSummaries: summaries, userProfilePk: user.profileId };
}

/** `metrics-service/metrics/trainingreadiness/{date}`: snapshots newest first; `[]` without sleep. */
export function readinessJson(user: SimUser, date: string): unknown {
  const d = healthDay(user, date);
  if (!d) return [];
  return d.readiness.map((r) => ({ ...readinessSnapshot(user, d, r), primaryActivityTracker: true }));
}

/** One training-readiness snapshot as Garmin writes it (the API's answer and the export's file share it). */
export function readinessSnapshot(user: SimUser, d: DayModel, r: DayModel['readiness'][number]): Record<string, unknown> {
  return {
    userProfilePK: user.profileId,
    calendarDate: d.date,
    timestamp: dtoTime(r.timeS),
    timestampLocal: dtoTime(r.timeS + user.tz.offsetS),
    deviceId: user.deviceId,
    level: r.level,
    feedbackLong: `${r.level}_RT_SIM`,
    feedbackShort: r.score >= 50 ? 'READY_FOR_TRAINING' : 'RECOVERY_IN_PROGRESS',
    score: r.score,
    sleepScore: d.sleep?.score ?? null,
    recoveryTime: Math.max(0, (100 - r.score) * 20),
    hrvWeeklyAverage: d.hrv?.weeklyAvg ?? null,
    validSleep: true,
    inputContext: r.context,
  };
}
