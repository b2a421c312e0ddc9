import { hashSeed, Prng } from '../prng.js';
import { dtoTime } from '../data/dates.js';
import { type DayModel, healthDayOnce, type Point, type WeighIn } from '../data/health-model.js';
import { healthDates, rememberDerived } from '../data/health-truth.js';
import { readinessSnapshot } from '../data/sleep-json.js';
import type { SimUser } from '../data/user.js';

/**
 * The export's health files (garmin-export.md §4–§5), built from the same day models as the sim's
 * health API, mapped as /work/briefs/health.md's table says so that importing them gives the truth.
 * Days come in chunks of CHUNK_DAYS whose boundary day appears in both neighbouring chunks (§7.4).
 */

export const CHUNK_DAYS = 100;

export interface JsonMember {
  name: string;
  text: string;
}

const AGG = 'DI_CONNECT/DI-Connect-Aggregator';
const WELL = 'DI_CONNECT/DI-Connect-Wellness';
const METRICS = 'DI_CONNECT/DI-Connect-Metrics';

const compact = (date: string) => date.replaceAll('-', '');
const round2 = (v: number) => Math.round(v * 100) / 100;
interface StressSum {
  n: number;
  sum: number;
  max: number;
  high: number;
}

function stressAggregate(type: string, a: StressSum) {
  if (a.n === 0) return null;
  return {
    type,
    averageStressLevel: Math.round(a.sum / a.n),
    maxStressLevel: a.max,
    stressDuration: a.high * 180,
    restDuration: (a.n - a.high) * 180,
  };
}

/** TOTAL, AWAKE and ASLEEP aggregates of the stress series in one pass (readings below 0 are "none"). */
function stressAggregates(d: DayModel) {
  const sums = [0, 1, 2].map(() => ({ n: 0, sum: 0, max: 0, high: 0 }));
  const sleep = d.sleep;
  for (const [ms, v] of d.stress) {
    if (v === null || v < 0) continue;
    const asleep = sleep !== null && ms >= sleep.startS * 1000 && ms < sleep.endS * 1000;
    for (const a of [sums[0]!, sums[asleep ? 2 : 1]!]) {
      a.n++;
      a.sum += v;
      if (v > a.max) a.max = v;
      if (v > 25) a.high++;
    }
  }
  return [stressAggregate('TOTAL', sums[0]!), stressAggregate('AWAKE', sums[1]!), stressAggregate('ASLEEP', sums[2]!)].filter((x) => x !== null);
}

function respirationRange(points: Point[] | null): { hi: number; lo: number } {
  let hi = 0;
  let lo = Number.POSITIVE_INFINITY;
  for (const [, v] of points ?? []) {
    if (v === null || v < 0) continue;
    if (v > hi) hi = v;
    if (v < lo) lo = v;
  }
  return { hi, lo };
}

/** A `UDSFile_*` day. A day without wear is `includesWellnessData: false` and nothing else. */
function udsRecord(user: SimUser, date: string, d: DayModel | null): Record<string, unknown> {
  const startS = user.dayStartS(date)!;
  const head = {
    userProfilePK: user.profileId,
    calendarDate: date,
    uuid: new Prng(hashSeed(user.seed, 'uuid', date)).hex(32),
    wellnessStartTimeGmt: dtoTime(startS),
    wellnessEndTimeGmt: dtoTime(startS + 86400),
    wellnessStartTimeLocal: dtoTime(startS + user.tz.offsetS),
    wellnessEndTimeLocal: dtoTime(startS + user.tz.offsetS + 86400),
  };
  if (!d) return { ...head, includesWellnessData: false };
  const aggregators = stressAggregates(d);
  const resp = respirationRange(d.respiration);
  const lastLevel = d.battery.at(-1)?.[1] ?? null;
  return {
    ...head,
    durationInMilliseconds: (d.untilS - d.startS) * 1000,
    includesWellnessData: true,
    includesActivityData: false,
    totalSteps: d.steps,
    dailyStepGoal: 10000,
    totalDistanceMeters: d.distanceM,
    totalKilocalories: d.bmrKcal + d.activeKcal,
    activeKilocalories: d.activeKcal,
    bmrKilocalories: d.bmrKcal,
    wellnessKilocalories: d.bmrKcal + d.activeKcal,
    moderateIntensityMinutes: d.moderateMin,
    vigorousIntensityMinutes: d.vigorousMin,
    isVigorousDay: d.vigorousMin > 0,
    // Garmin's floor is 10 ft: the export has metres only (the importer divides by 3.048).
    floorsAscendedInMeters: round2(d.floors * 3.048),
    floorsDescendedInMeters: round2(d.floors * 2.9),
    minHeartRate: d.minHr,
    maxHeartRate: d.maxHr,
    restingHeartRate: d.restingHr,
    currentDayRestingHeartRate: d.restingHr,
    averageSpo2Value: d.spo2Avg,
    lowestSpo2Value: d.spo2Low,
    allDayStress: aggregators.length ? { aggregatorList: aggregators } : null,
    bodyBattery:
      d.bbHigh === null
        ? null
        : {
            chargedValue: d.bbCharged,
            drainedValue: d.bbDrained,
            bodyBatteryStatList: [
              { bodyBatteryStatType: 'STARTOFDAY', statsValue: d.battery[0]![1] },
              { bodyBatteryStatType: 'HIGHEST', statsValue: d.bbHigh },
              { bodyBatteryStatType: 'LOWEST', statsValue: d.bbLow },
              { bodyBatteryStatType: 'MOSTRECENT', statsValue: lastLevel },
              { bodyBatteryStatType: 'ENDOFDAY', statsValue: lastLevel },
            ],
          },
    respiration:
      d.respAvg === null
        ? null
        : { avgWakingRespirationValue: d.respAvg, highestRespirationValue: resp.hi, lowestRespirationValue: resp.lo },
  };
}

/** A `*_sleepData.json` night: times are ISO without a zone (UTC), the score is flat (§5). */
function sleepRecord(user: SimUser, d: DayModel): Record<string, unknown> | null {
  const s = d.sleep;
  if (!s) return null;
  return {
    sleepStartTimestampGMT: dtoTime(s.startS),
    sleepEndTimestampGMT: dtoTime(s.endS),
    calendarDate: d.date,
    sleepWindowConfirmationType: 'ENHANCED_CONFIRMED_FINAL',
    deepSleepSeconds: s.deep,
    lightSleepSeconds: s.light,
    remSleepSeconds: s.rem,
    awakeSleepSeconds: s.awake,
    unmeasurableSeconds: 0,
    awakeCount: s.levels.filter((l) => l.level === 3).length,
    avgSleepStress: Math.max(5, (d.avgStress ?? 20) - 10),
    sleepScores: { overallScore: s.score, qualifierKey: s.score >= 80 ? 'GOOD' : s.score >= 60 ? 'FAIR' : 'POOR' },
    ...(d.spo2Avg === null ? {} : { spo2SleepSummary: { averageSPO2: d.spo2Avg, lowestSPO2: d.spo2Low, averageHR: d.restingHr } }),
    userProfilePK: user.profileId,
    retro: false,
  };
}

/** A `*_healthStatusData.json` day: SPO2 and SKIN_TEMP_C are 0 when not measured (the sim has no skin temperature). */
function healthStatusRecord(d: DayModel): Record<string, unknown> {
  const metrics: Array<Record<string, unknown>> = [];
  if (d.hrv) metrics.push({ type: 'HRV', value: d.hrv.lastNightAvg, status: d.hrv.status });
  if (d.restingHr !== null) metrics.push({ type: 'HR', value: d.restingHr, status: null });
  metrics.push({ type: 'SPO2', value: d.spo2Avg ?? 0, status: null });
  metrics.push({ type: 'SKIN_TEMP_C', value: 0, status: null });
  if (d.respAvg !== null) metrics.push({ type: 'RESPIRATION', value: d.respAvg, status: null });
  return { calendarDate: d.date, metrics };
}

function maxMetRecords(user: SimUser, d: DayModel): Array<Record<string, unknown>> {
  if (!d.vo2) return [];
  const one = (sport: string, v: { precise: number | null; value: number }) => ({
    userProfilePK: user.profileId,
    calendarDate: d.date,
    sport,
    subSport: 'GENERIC',
    vo2MaxValue: v.precise ?? v.value,
    fitnessAge: null,
    maxMetCategory: 0,
  });
  const out = [one('RUNNING', d.vo2.running)];
  if (d.vo2.cycling) out.push(one('CYCLING', d.vo2.cycling));
  return out;
}

/** The morning report (the truth's training_readiness), one per day. */
function readinessRecord(user: SimUser, d: DayModel): Record<string, unknown> | null {
  const r = d.readiness.find((x) => x.context === 'AFTER_WAKEUP_RESET') ?? d.readiness[0];
  return r ? readinessSnapshot(user, d, r) : null;
}

/**
 * A `*_userBioMetrics.json` entry: the weigh-in nested under `weight` (grams); a scale's timestamp
 * is epoch ms, a manual entry's an ISO string, and a manual entry's impedance fields are the zeros
 * of "no reading" (§5).
 */
function bioMetricRecord(user: SimUser, date: string, w: WeighIn): Record<string, unknown> {
  const scale = w.source === 'INDEX_SCALE';
  return {
    metaData: { sequence: w.samplePk, calendarDate: date, timeZoneOffsetInMs: user.tz.offsetS * 1000 },
    weight: {
      weight: w.weightG,
      bmi: w.bmi,
      bodyFat: scale ? w.bodyFat : 0,
      bodyWater: scale ? w.bodyWater : 0,
      boneMass: scale ? w.boneMass : 0,
      muscleMass: scale ? w.muscleMass : 0,
      rawImpedance: scale ? 500 : 0,
      sourceType: w.source,
      timestampGMT: scale ? w.timeS * 1000 : dtoTime(w.timeS),
    },
  };
}

const text = (items: unknown[]) => JSON.stringify(items);

/** One chunk's records per family; a day's model is dropped as soon as its records are made. */
class Chunk {
  readonly uds: unknown[] = [];
  readonly hydration: unknown[] = [];
  readonly sleep: unknown[] = [];
  readonly status: unknown[] = [];
  readonly maxmet: unknown[] = [];
  readonly readiness: unknown[] = [];

  add(user: SimUser, date: string, d: DayModel | null, weighIns: unknown[] | null): void {
    this.uds.push(udsRecord(user, date, d));
    if (!d) return;
    if (d.hydrationMl !== null) {
      this.hydration.push({ userProfilePK: user.profileId, calendarDate: d.date, valueInML: d.hydrationMl, goalInML: 2800, sweatLossInML: null, activityIntakeInML: 0 });
    }
    const night = sleepRecord(user, d);
    if (night) this.sleep.push(night);
    this.status.push(healthStatusRecord(d));
    this.maxmet.push(...maxMetRecords(user, d));
    const ready = readinessRecord(user, d);
    if (ready) this.readiness.push(ready);
    if (weighIns) for (const w of d.weighIns) weighIns.push(bioMetricRecord(user, d.date, w));
  }
}

/**
 * The health members in archive order, one chunk of days at a time; the biometrics file, small,
 * comes last.
 */
export function* healthMembers(user: SimUser): Generator<JsonMember> {
  const dates = healthDates(user);
  const weighIns: unknown[] = [];
  const id = user.profileId;
  for (let s = 0; s < dates.length; s += CHUNK_DAYS - 1) {
    const chunk = dates.slice(s, s + CHUNK_DAYS);
    const c = new Chunk();
    // A boundary day's weigh-ins are taken once (from the chunk that ends with it).
    for (const [i, date] of chunk.entries()) {
      const d = healthDayOnce(user, date);
      rememberDerived(user, date, d);
      c.add(user, date, d, s > 0 && i === 0 ? null : weighIns);
    }
    const from = chunk[0]!;
    const to = chunk.at(-1)!;
    const newest = s + CHUNK_DAYS >= dates.length;
    // The newest sleep file ends with a record that is not a night (garmin-grafana #205).
    if (newest) c.sleep.push({ retro: false });
    yield { name: `${AGG}/UDSFile_${from}_${to}.json`, text: text(c.uds) };
    if (c.hydration.length) yield { name: `${AGG}/HydrationLogFile_${from}_${to}.json`, text: text(c.hydration) };
    yield { name: `${WELL}/${from}_${to}_${id}_sleepData.json`, text: text(c.sleep) };
    yield { name: `${WELL}/${from}_${to}_${id}_healthStatusData.json`, text: text(c.status) };
    yield { name: `${METRICS}/MetricsMaxMetData_${compact(from)}_${compact(to)}_${id}.json`, text: text(c.maxmet) };
    yield { name: `${METRICS}/TrainingReadinessDTO_${compact(from)}_${compact(to)}_${id}.json`, text: text(c.readiness) };
    if (newest) break;
  }
  yield { name: `${WELL}/${id}_userBioMetrics.json`, text: text(weighIns) };
}
