import { isoDate } from './dates.js';
import { type DayModel, healthDay, type WeighIn } from './health-model.js';
import type { SimUser } from './user.js';

/** Range answers: VO2max, hydration and weigh-ins over [startS, endS] (both inclusive, UTC midnights). */

function days(user: SimUser, startS: number, endS: number): DayModel[] {
  const out: DayModel[] = [];
  for (let t = startS; t <= endS; t += 86400) {
    const d = healthDay(user, isoDate(t));
    if (d) out.push(d);
  }
  return out;
}

/** `metrics-service/metrics/maxmet/daily/{start}/{end}`: one entry per day with a value; `[]` when none. */
export function maxmetRangeJson(user: SimUser, startS: number, endS: number): unknown {
  const metric = (date: string, v: { precise: number | null; value: number } | null) =>
    v && {
      calendarDate: date,
      vo2MaxPreciseValue: v.precise,
      vo2MaxValue: v.value,
      fitnessAge: null,
      fitnessAgeDescription: null,
      maxMetCategory: 0,
    };
  return days(user, startS, endS)
    .filter((d) => d.vo2)
    .map((d) => ({
      userId: user.profileId,
      generic: metric(d.date, d.vo2!.running),
      cycling: metric(d.date, d.vo2!.cycling),
      heatAltitudeAcclimation: null,
    }));
}

/** `usersummary-service/stats/hydration/daily/{start}/{end}`: one row per day logged, oldest first. */
export function hydrationRangeJson(user: SimUser, startS: number, endS: number): unknown {
  return days(user, startS, endS)
    .filter((d) => d.hydrationMl !== null)
    .map((d) => ({ calendarDate: d.date, valueInML: d.hydrationMl, goalInML: 2800 }));
}

function weightEntry(user: SimUser, date: string, w: WeighIn) {
  return {
    samplePk: w.samplePk,
    date: (w.timeS + user.tz.offsetS) * 1000,
    calendarDate: date,
    weight: w.weightG,
    bmi: w.bmi,
    bodyFat: w.bodyFat,
    bodyWater: w.bodyWater,
    boneMass: w.boneMass,
    muscleMass: w.muscleMass,
    physiqueRating: null,
    visceralFat: null,
    metabolicAge: null,
    sourceType: w.source,
    timestampGMT: w.timeS * 1000,
    weightDelta: null,
  };
}

/** Days with weigh-ins, newest first, each with its entries newest first (as recorded). */
function weighDays(user: SimUser, startS: number, endS: number) {
  return days(user, startS, endS)
    .filter((d) => d.weighIns.length > 0)
    .reverse()
    .map((d) => ({ date: d.date, entries: [...d.weighIns].reverse().map((w) => weightEntry(user, d.date, w)) }));
}

/** `from`/`until` span the range's local days (startS/endS are the dates' UTC midnights). */
function totalAverage(user: SimUser, startS: number, endS: number, weights: number[]) {
  const avg = weights.length ? weights.reduce((a, b) => a + b, 0) / weights.length : null;
  const off = user.tz.offsetS;
  return { from: (startS - off) * 1000, until: (endS - off + 86400) * 1000 - 1, weight: avg, bmi: null, bodyFat: null };
}

/** `weight-service/weight/range/{start}/{end}?includeAll=true` as recorded (newest first, grams). */
export function weightRangeJson(user: SimUser, startS: number, endS: number): unknown {
  const list = weighDays(user, startS, endS);
  return {
    dailyWeightSummaries: list.map(({ date, entries }) => ({
      summaryDate: date,
      numOfWeightEntries: entries.length,
      minWeight: Math.min(...entries.map((e) => e.weight)),
      maxWeight: Math.max(...entries.map((e) => e.weight)),
      latestWeight: entries[0],
      allWeightMetrics: entries,
    })),
    totalAverage: totalAverage(
      user,
      startS,
      endS,
      list.flatMap((l) => l.entries.map((e) => e.weight)),
    ),
    previousDateWeight: null,
    nextDateWeight: null,
  };
}

/** `weight-service/weight/dateRange?startDate=&endDate=` (older shape: a flat list, the latest entry per day). */
export function weightDateRangeJson(user: SimUser, startS: number, endS: number): unknown {
  const list = weighDays(user, startS, endS);
  return {
    startDate: isoDate(startS),
    endDate: isoDate(endS),
    dateWeightList: list.map((l) => l.entries[0]),
    totalAverage: totalAverage(
      user,
      startS,
      endS,
      list.map((l) => l.entries[0]!.weight),
    ),
  };
}
