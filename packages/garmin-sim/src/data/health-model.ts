import { hashSeed, Prng } from '../prng.js';
import { parseIsoDate } from './dates.js';
import type { SimUser } from './user.js';

const DAY_S = 86400;
/** Days whose full model (with intraday series) is kept; a sync asks a day's endpoints close together. */
const CACHE_DAYS = 96;
/** An edited night loses this much light sleep to awake time, so every edit changes sleepTimeSeconds. */
export const SLEEP_EDIT_SHIFT_S = 300;
export const MAX_SLEEP_EDITS = 20;

/** `[epoch ms, value]`; values below 0 are Garmin's "no reading" (-1, -2), null a missing HR sample. */
export type Point = [number, number | null];

/** Sleep stage as Garmin's `activityLevel`: 0 deep, 1 light, 2 REM, 3 awake. */
export type SleepLevel = 0 | 1 | 2 | 3;

export interface SleepModel {
  startS: number;
  endS: number;
  deep: number;
  light: number;
  rem: number;
  awake: number;
  score: number;
  /** Contiguous segments from startS to endS; two neighbours may share a level (Garmin splits some). */
  levels: Array<{ startS: number; endS: number; level: SleepLevel }>;
}

export interface WeighIn {
  timeS: number;
  samplePk: number;
  weightG: number;
  bmi: number | null;
  bodyFat: number | null;
  bodyWater: number | null;
  boneMass: number | null;
  muscleMass: number | null;
  source: 'INDEX_SCALE' | 'MANUAL';
}

export interface Vo2 {
  precise: number | null;
  value: number;
}

/**
 * One calendar day of generated health data, deterministic per user + date + edits. Every daily
 * number is computed from the series it summarises, so the summary agrees with the intraday answers.
 */
export interface DayModel {
  date: string;
  startS: number;
  seed: number;
  /** Data exists up to here (exclusive): the day's end, or the sim clock for a day added with add_today. */
  untilS: number;
  lastSyncS: number;
  /** Every 2 min; some samples null. */
  hr: Point[];
  /** Every 3 min; some -1/-2. */
  stress: Point[];
  /** Every 3 min: [ms, level, charging]. */
  battery: Array<[number, number, boolean]>;
  /** Every 2 min, some -1/-2; null when the day has no respiration. */
  respiration: Point[] | null;
  /** Each minute of the night's sleep; null without sleep or without a pulse-ox night. */
  spo2: Point[] | null;
  /** 15-minute buckets from the day's start (only complete buckets before untilS). */
  stepBuckets: number[];
  sleep: SleepModel | null;
  hrv: { lastNightAvg: number; weeklyAvg: number; high: number; status: string } | null;
  /** Newest first, as Garmin lists them. */
  readiness: Array<{ timeS: number; score: number; context: string; level: string }>;
  vo2: { running: Vo2; cycling: Vo2 | null } | null;
  /** Oldest first. */
  weighIns: WeighIn[];
  hydrationMl: number | null;
  steps: number;
  distanceM: number;
  activeKcal: number;
  bmrKcal: number;
  floors: number;
  moderateMin: number;
  vigorousMin: number;
  restingHr: number | null;
  minHr: number | null;
  maxHr: number | null;
  avgStress: number | null;
  maxStress: number | null;
  bbHigh: number | null;
  bbLow: number | null;
  bbCharged: number | null;
  bbDrained: number | null;
  spo2Avg: number | null;
  spo2Low: number | null;
  respAvg: number | null;
}

/** Edits made through the control surface and the per-user cache of day models. */
export class HealthEdits {
  /** date → how many times that night's sleep was edited. */
  readonly sleepVersions = new Map<string, number>();
  /** date → unix seconds up to which a day added with add_today has data. */
  readonly partialDays = new Map<string, number>();
  readonly cache = new Map<string, DayModel | null>();
  /** date → what the truth derives from the day; small, so kept for every day (truth of 1,825 days stays fast). */
  readonly derived = new Map<string, unknown>();

  /** Drops what was computed for `date` (after an edit). */
  forget(date: string): void {
    this.cache.delete(date);
    this.derived.delete(date);
  }
}

/** The day's model (memoised), or null when the watch was not worn / the day is outside the history. */
export function healthDay(user: SimUser, date: string): DayModel | null {
  const cache = user.health.cache;
  const hit = cache.get(date);
  if (hit !== undefined) {
    cache.delete(date);
    cache.set(date, hit);
    return hit;
  }
  const day = buildDay(user, date);
  cache.set(date, day);
  if (cache.size > CACHE_DAYS) cache.delete(cache.keys().next().value!);
  return day;
}

/**
 * The day's model without keeping it: a memoised one when there is, else built and left to the
 * garbage collector (a pass over years of days, the export, would otherwise push the cache's
 * recent days out and keep every model alive long enough to be promoted).
 */
export function healthDayOnce(user: SimUser, date: string): DayModel | null {
  const hit = user.health.cache.get(date);
  return hit !== undefined ? hit : buildDay(user, date);
}

/** True when the local date lies in the user's generated history (the account's yesterday back `days` days). */
function inHistory(user: SimUser, date: string): boolean {
  const ageDays = Math.round((parseIsoDate(user.localDate(user.createdAtS))! - parseIsoDate(date)!) / DAY_S);
  return ageDays >= 1 && ageDays <= user.days;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const valid = (p: Point): p is [number, number] => p[1] !== null && p[1] >= 0;

function stats(points: Point[]): { min: number; max: number; mean: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let n = 0;
  for (const p of points) {
    if (!valid(p)) continue;
    min = Math.min(min, p[1]);
    max = Math.max(max, p[1]);
    sum += p[1];
    n++;
  }
  return n === 0 ? null : { min, max, mean: sum / n };
}

/** `total` split in parts proportional to `weights`; the parts add up to `total` exactly. */
function split(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  parts[parts.length - 1]! += total - parts.reduce((a, b) => a + b, 0);
  return parts;
}

const isNight = (t: number) => t < 7 * 3600 || t >= 23 * 3600;

function buildSleep(seed: number, startS: number, version: number): SleepModel {
  const rng = new Prng(hashSeed(seed, 'sleep'));
  const sleepStartS = startS - rng.int(3600, 3 * 3600);
  const deep = rng.int(3600, 7200);
  const baseLight = rng.int(9000, 16000);
  const rem = rng.int(3600, 7200);
  const baseAwake = rng.int(0, 1800);
  const light = baseLight - version * SLEEP_EDIT_SHIFT_S;
  const awake = baseAwake + version * SLEEP_EDIT_SHIFT_S;
  const w = (n: number) => Array.from({ length: n }, () => rng.int(1, 10));
  const [deeps, lights, rems, awakes] = [split(deep, w(4)), split(light, w(9)), split(rem, w(4)), split(awake, w(4))];
  // Four cycles: light, deep, light, REM, awake. The first light stretch comes as two segments.
  const order: Array<[SleepLevel, number]> = [
    [1, lights[8]!],
    [1, lights[0]!],
  ];
  for (let i = 0; i < 4; i++) {
    if (i > 0) order.push([1, lights[2 * i]!]);
    order.push([0, deeps[i]!], [1, lights[2 * i + 1]!], [2, rems[i]!], [3, awakes[i]!]);
  }
  const levels: SleepModel['levels'] = [];
  let t = sleepStartS;
  for (const [level, s] of order) {
    if (s <= 0) continue;
    levels.push({ startS: t, endS: t + s, level });
    t += s;
  }
  const total = deep + light + rem;
  return { startS: sleepStartS, endS: t, deep, light, rem, awake, score: Math.min(100, Math.round((total / 28800) * 85)), levels };
}

/** Day `date` is the account's local day: [local midnight, next local midnight). */
function buildDay(user: SimUser, date: string): DayModel | null {
  const startS = user.dayStartS(date);
  if (startS === null) return null;
  const partialUntil = user.health.partialDays.get(date);
  const history = inHistory(user, date);
  if (!history && partialUntil === undefined) return null;
  const seed = hashSeed(user.seed, 'day', date);
  const rng = new Prng(seed);
  if (rng.next() < 0.1 && history) return null;
  const untilS = Math.min(startS + DAY_S, partialUntil ?? startS + DAY_S);
  const complete = untilS === startS + DAY_S;
  const version = user.health.sleepVersions.get(date) ?? 0;
  const restBase = rng.int(44, 58);
  const hrCeil = rng.int(110, 175);
  const stressBase = rng.int(15, 45);
  const stepsLevel = rng.int(2500, 16000);
  const bmrFull = rng.int(1500, 2100);
  const hasSleep = rng.next() >= 0.15 || version > 0;
  const hasHrv = rng.next() >= 0.2;
  const weighIns = rng.next() < 0.3 ? (rng.next() < 0.15 ? 2 : 1) : 0;
  const hasResp = rng.next() >= 0.1;
  const hasSpo2 = rng.next() >= 0.2;
  const hasVo2 = rng.next() < 0.25;
  const hydration = rng.next() < 0.4 ? rng.int(5, 30) * 100 : null;
  const moderateMin = rng.int(0, 45);
  const vigorousMin = rng.int(0, 25);
  const floors = round1(rng.range(0, 15));
  // The watch uploads the next morning (not after the account's "now"); every edit is a later upload.
  const uploadS = Math.min(startS + DAY_S + rng.int(3600, 10 * 3600), Math.max(user.createdAtS, startS + DAY_S));
  const lastSyncS = (complete ? uploadS : untilS) + version * 60;

  const upToUntil = <T extends [number, ...unknown[]]>(xs: T[]): T[] => (complete ? xs : xs.filter((p) => p[0] < untilS * 1000));
  const hrRng = new Prng(hashSeed(seed, 'hr'));
  const hr: Point[] = [];
  for (let t = 0; t < DAY_S; t += 120) {
    const bpm = isNight(t) ? hrRng.int(restBase - 4, restBase + 4) : hrRng.int(restBase + 8, Math.min(hrCeil, restBase + 50));
    hr.push([(startS + t) * 1000, hrRng.next() < 0.02 ? null : bpm]);
  }
  const sRng = new Prng(hashSeed(seed, 'stress'));
  const stress: Point[] = [];
  const battery: DayModel['battery'] = [];
  let level = sRng.int(5, 40);
  for (let t = 0; t < DAY_S; t += 180) {
    const r = sRng.next();
    const value = r < 0.04 ? -1 : r < 0.06 ? -2 : sRng.int(Math.max(0, stressBase - 20), Math.min(99, stressBase + 25));
    stress.push([(startS + t) * 1000, value]);
    const charging = t < 7 * 3600;
    level = charging ? Math.min(100, level + 1) : Math.max(5, level - (sRng.next() < 0.3 ? 1 : 0));
    battery.push([(startS + t) * 1000, level, charging]);
  }
  const rRng = new Prng(hashSeed(seed, 'respiration'));
  const respiration: Point[] = [];
  for (let t = 0; t < DAY_S; t += 120) {
    const r = rRng.next();
    respiration.push([(startS + t) * 1000, r < 0.05 ? -1 : r < 0.08 ? -2 : rRng.int(isNight(t) ? 10 : 13, isNight(t) ? 15 : 19)]);
  }
  const stRng = new Prng(hashSeed(seed, 'steps'));
  const stepBuckets: number[] = [];
  for (let t = 0; t + 900 <= untilS - startS; t += 900) {
    stepBuckets.push(isNight(t) ? (stRng.next() < 0.05 ? stRng.int(1, 40) : 0) : Math.round((stepsLevel / 64) * stRng.range(0, 2)));
  }

  let sleep: SleepModel | null = hasSleep ? buildSleep(seed, startS, version) : null;
  if (sleep && sleep.endS > untilS) sleep = null;
  let spo2: Point[] | null = null;
  if (sleep && hasSpo2) {
    const oRng = new Prng(hashSeed(seed, 'spo2', version));
    spo2 = [];
    for (let t = sleep.startS; t < sleep.endS; t += 60) spo2.push([t * 1000, oRng.next() < 0.03 ? oRng.int(84, 90) : oRng.int(91, 99)]);
  }
  const hvRng = new Prng(hashSeed(seed, 'hrv'));
  const lastNightAvg = hvRng.int(30, 70);
  const hrv =
    sleep && hasHrv
      ? { lastNightAvg, weeklyAvg: hvRng.int(35, 60), high: hvRng.int(72, 95), status: lastNightAvg < 39 ? 'UNBALANCED' : 'BALANCED' }
      : null;

  const hrIn = upToUntil(hr);
  const stressIn = upToUntil(stress);
  const batteryIn = upToUntil(battery);
  const respIn = upToUntil(respiration);
  const hrStats = stats(hrIn);
  const stressStats = stats(stressIn);
  const waking = stats(respIn.filter((p) => !isNight(p[0] / 1000 - startS)));
  const spo2Stats = spo2 ? stats(spo2) : null;
  let charged = 0;
  let drained = 0;
  for (let i = 1; i < batteryIn.length; i++) {
    const d = batteryIn[i]![1] - batteryIn[i - 1]![1];
    if (d > 0) charged += d;
    else drained -= d;
  }
  const levels = batteryIn.map((b) => b[1]);
  const steps = stepBuckets.reduce((a, b) => a + b, 0);
  return {
    date,
    startS,
    seed,
    untilS,
    lastSyncS,
    hr: hrIn,
    stress: stressIn,
    battery: batteryIn,
    respiration: hasResp && waking ? respIn : null,
    spo2: spo2Stats ? spo2 : null,
    stepBuckets,
    sleep,
    hrv,
    readiness: sleep ? readiness(seed, sleep, untilS) : [],
    vo2: hasVo2 && complete ? vo2(seed) : null,
    weighIns: weights(user, seed, startS, weighIns).filter((w) => w.timeS < untilS),
    hydrationMl: complete ? hydration : null,
    steps,
    distanceM: Math.round(steps * 0.78),
    activeKcal: Math.round(steps * 0.04),
    bmrKcal: Math.round((bmrFull * (untilS - startS)) / DAY_S),
    floors,
    moderateMin,
    vigorousMin,
    restingHr: hrStats ? Math.min(hrStats.max, Math.max(hrStats.min, restBase)) : null,
    minHr: hrStats?.min ?? null,
    maxHr: hrStats?.max ?? null,
    avgStress: stressStats ? Math.round(stressStats.mean) : null,
    maxStress: stressStats?.max ?? null,
    bbHigh: levels.length ? Math.max(...levels) : null,
    bbLow: levels.length ? Math.min(...levels) : null,
    bbCharged: levels.length ? charged : null,
    bbDrained: levels.length ? drained : null,
    spo2Avg: spo2Stats ? Math.round(spo2Stats.mean) : null,
    spo2Low: spo2Stats?.min ?? null,
    respAvg: hasResp && waking ? Math.round(waking.mean) : null,
  };
}

/** Snapshots newest first: a morning report (usually), later updates; one day in ten has no morning one. */
function readiness(seed: number, sleep: SleepModel, untilS: number): DayModel['readiness'] {
  const rng = new Prng(hashSeed(seed, 'readiness'));
  const score = () => Math.max(1, Math.min(100, Math.round(sleep.score * 0.6 + rng.int(0, 40))));
  const levelOf = (s: number) => (s >= 75 ? 'HIGH' : s >= 50 ? 'MODERATE' : 'LOW');
  const r = rng.next();
  const wake = sleep.endS + 120;
  const later = wake + rng.int(2, 10) * 3600;
  const contexts: Array<[number, string]> =
    r < 0.6
      ? [
          [later, 'UPDATE_REALTIME_VARIABLES'],
          [wake, 'AFTER_WAKEUP_RESET'],
        ]
      : r < 0.9
        ? [[wake, 'AFTER_WAKEUP_RESET']]
        : [
            [later, 'AFTER_POST_EXERCISE_RESET'],
            [wake, 'UPDATE_REALTIME_VARIABLES'],
          ];
  return contexts
    .map(([timeS, context]) => {
      const s = score();
      return { timeS, context, score: s, level: levelOf(s) };
    })
    .filter((x) => x.timeS < untilS);
}

function vo2(seed: number): { running: Vo2; cycling: Vo2 | null } {
  const rng = new Prng(hashSeed(seed, 'vo2'));
  const one = (lo: number, hi: number): Vo2 => {
    const precise = round1(rng.range(lo, hi));
    return { precise: rng.next() < 0.2 ? null : precise, value: Math.round(precise) };
  };
  const running = one(38, 55);
  return { running, cycling: rng.next() < 0.3 ? one(35, 52) : null };
}

function weights(user: SimUser, seed: number, startS: number, count: number): WeighIn[] {
  const rng = new Prng(hashSeed(seed, 'weight'));
  const out: WeighIn[] = [];
  for (let i = 0; i < count; i++) {
    const timeS = startS + (i === 0 ? 7 : 19) * 3600 + rng.int(0, 3599);
    const weightG = 70000 + user.index * 100 + rng.int(-1500, 1500);
    const scale = rng.next() < 0.5;
    out.push({
      timeS,
      samplePk: timeS * 1000 + rng.int(0, 999),
      weightG,
      bmi: scale ? round1(weightG / 1000 / 1.78 ** 2) : null,
      bodyFat: scale ? round1(rng.range(15, 25)) : null,
      bodyWater: scale ? round1(rng.range(50, 60)) : null,
      boneMass: scale ? rng.int(3000, 3600) : null,
      muscleMass: scale ? rng.int(25000, 32000) : null,
      source: scale ? 'INDEX_SCALE' : 'MANUAL',
    });
  }
  return out;
}

/**
 * Edits that night's sleep (light sleep turns into awake time, so sleepTimeSeconds and the summary's
 * lastSyncTimestampGMT change); a night without sleep gains one. Returns an error message or null.
 */
export function editSleep(user: SimUser, date: string): string | null {
  if (!healthDay(user, date)) return `${date} has no data`;
  const edits = user.health;
  const version = edits.sleepVersions.get(date) ?? 0;
  if (version >= MAX_SLEEP_EDITS) return `a night can be edited at most ${MAX_SLEEP_EDITS} times`;
  edits.sleepVersions.set(date, version + 1);
  edits.forget(date);
  if (healthDay(user, date)?.sleep) return null;
  // A day added with add_today whose night has not ended by its cut-off has no sleep to edit.
  if (version === 0) edits.sleepVersions.delete(date);
  else edits.sleepVersions.set(date, version);
  edits.forget(date);
  return `${date} has no sleep yet`;
}

/** Gives the sim clock's local day data up to `nowS` (again later: up to the later time). Returns the date. */
export function addToday(user: SimUser, nowS: number): string {
  const date = user.localDate(nowS);
  user.health.partialDays.set(date, nowS);
  user.health.forget(date);
  return date;
}
