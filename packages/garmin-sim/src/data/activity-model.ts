import { Prng } from '../prng.js';
import type { SportDef } from './sports.js';

/** Seconds between 1970-01-01 and the FIT epoch 1989-12-31T00:00:00Z. */
export const FIT_EPOCH_OFFSET_S = 631065600;
const SEMI_PER_DEG = 2 ** 31 / 180;

/**
 * A deliberately odd file (opt-in per account, `odd_activities`): `no_records` is a valid file
 * with a session and one lap but no record messages; `corrupt_tail` is a real file cut short
 * (its header still announces the full size, the end and the CRC are missing), so the FIT SDK
 * reports an error.
 */
export type OddKind = null | 'no_records' | 'corrupt_tail';

/** Everything needed to regenerate one activity's track, summary and FIT file. */
export interface ActivitySeed {
  id: bigint;
  idText: string;
  seed: number;
  sport: SportDef;
  /** Unix seconds (UTC). */
  startS: number;
  /** Timer (moving) time in whole seconds; the last record is at this offset plus any pause. */
  durationS: number;
  /** Extra milliseconds after the last record (real durations are fractional). */
  tailMs: number;
  /** A stop/start of the timer: after this fraction of the moving time, for `gapS` seconds. */
  pause: { atFraction: number; gapS: number } | null;
  odd: OddKind;
  startLat: number;
  startLon: number;
  serial: number;
  product: number;
  /** device_info software_version in hundredths (1912 = 19.12). */
  softwareVersion: number;
}

export interface LapTotals {
  firstRecord: number;
  lastRecord: number;
  startS: number;
  elapsedMs: number;
  timerMs: number;
  distanceCm: number;
  calories: number;
  avgHr: number;
  maxHr: number;
  avgSpeedMms: number;
  maxSpeedMms: number;
  avgCadence: number;
  maxCadence: number;
  /** 0xffff (invalid: left out by decoders) without a power meter. */
  avgPower: number;
  maxPower: number;
  ascentM: number;
  descentM: number;
}

/** Session totals exactly as stored (in FIT units) in the file. */
export interface ActivityTotals extends LapTotals {
  minHr: number;
  minAltRaw: number;
  maxAltRaw: number;
  steps: number;
  startLatSemi: number;
  startLonSemi: number;
  endLatSemi: number;
  endLonSemi: number;
  endS: number;
  laps: LapTotals[];
  /** Record messages in the file (0 for `no_records`). */
  records: number;
  recordsWithPosition: number;
  paused: boolean;
}

/** The per-record series (typed arrays: cheap to build on every download). */
export interface ActivityTrack {
  n: number;
  /** Seconds from the activity start (pauses included). */
  timeS: Uint32Array;
  latSemi: Int32Array;
  lonSemi: Int32Array;
  /** FIT altitude raw value: (m + 500) * 5. */
  altRaw: Uint32Array;
  hr: Uint8Array;
  /** FIT cadence: strides (steps / 2) per minute on foot, pedal rpm on a bike. */
  cadence: Uint8Array;
  /** Watts, 0 without a power meter. */
  power: Uint16Array;
  tempC: Int8Array;
  distanceCm: Uint32Array;
  speedMms: Uint32Array;
  /** Index of the last record before the timer stop, -1 without a pause. */
  pauseAfter: number;
  gapS: number;
}

/**
 * Garmin's "smart recording" writes a record when something changes, 1 to 10 s apart.
 * 60 % of the gaps are the full 10 s: a mean near 8 s keeps files at a few hundred records.
 */
function recordOffsets(a: ActivitySeed): number[] {
  const rng = new Prng(a.seed ^ 0x5eed);
  const out = [0];
  let t = 0;
  while (t < a.durationS) {
    t = Math.min(a.durationS, t + (rng.next() < 0.6 ? 10 : rng.int(1, 9)));
    out.push(t);
  }
  return out;
}

/** Regenerates the track of an activity: same seed, same numbers, every time. */
export function simulateTrack(a: ActivitySeed): ActivityTrack {
  const moving = recordOffsets(a);
  const n = moving.length;
  const rng = new Prng(a.seed);
  const sport = a.sport;
  const t: ActivityTrack = {
    n,
    timeS: new Uint32Array(n),
    latSemi: new Int32Array(n),
    lonSemi: new Int32Array(n),
    altRaw: new Uint32Array(n),
    hr: new Uint8Array(n),
    cadence: new Uint8Array(n),
    power: new Uint16Array(n),
    tempC: new Int8Array(n),
    distanceCm: new Uint32Array(n),
    speedMms: new Uint32Array(n),
    pauseAfter: -1,
    gapS: 0,
  };
  if (a.pause) {
    const at = a.pause.atFraction * a.durationS;
    let p = 0;
    while (p < n - 2 && moving[p + 1]! <= at) p++;
    t.pauseAfter = p;
    t.gapS = a.pause.gapS;
  }
  const [vMin, vMax] = sport.speedMps;
  const cruise = rng.range(vMin, vMax);
  const watts = sport.powerW ? rng.range(sport.powerW[0], sport.powerW[1]) : 0;
  const strides = sport.cadence / 2;
  let heading = rng.range(0, Math.PI * 2);
  let lat = a.startLat;
  let lon = a.startLon;
  let alt = sport.indoor ? rng.range(100, 400) : rng.range(150, 900);
  let temp = sport.indoor ? rng.range(19, 23) : rng.range(4, 28);
  let hr = sport.hrBase - 35 + rng.int(0, 10);
  let dist = 0;
  for (let i = 0; i < n; i++) {
    let speed = 0;
    const dt = i > 0 ? moving[i]! - moving[i - 1]! : 0;
    if (i > 0) {
      speed = Math.max(0.3, cruise * (1 + rng.range(-0.12, 0.12)));
      const k = dt / 10;
      heading += rng.range(-0.35, 0.35) * k;
      const metres = speed * dt;
      lat += (metres * Math.cos(heading)) / 111320;
      lon += (metres * Math.sin(heading)) / (111320 * Math.cos((lat * Math.PI) / 180));
      if (!sport.indoor) alt = Math.min(2500, Math.max(0, alt + rng.range(-2.2, 2.3) * k));
      hr += ((sport.hrBase + 8 * Math.sin(moving[i]! / 250) - hr) * 0.12 + rng.range(-2, 2)) * Math.min(1, k * 2);
      temp += rng.range(-0.08, 0.08) * k;
    }
    const speedMms = Math.round(speed * 1000);
    // dt s at v mm/s covers v * dt mm: distance is the running sum of the records' speeds.
    dist += Math.round((speedMms * dt) / 10);
    t.timeS[i] = moving[i]! + (t.pauseAfter >= 0 && i > t.pauseAfter ? t.gapS : 0);
    t.speedMms[i] = speedMms;
    t.distanceCm[i] = dist;
    t.latSemi[i] = Math.round(lat * SEMI_PER_DEG);
    t.lonSemi[i] = Math.round(lon * SEMI_PER_DEG);
    t.altRaw[i] = Math.round((alt + 500) * 5);
    t.hr[i] = Math.max(60, Math.min(200, Math.round(hr)));
    t.tempC[i] = Math.round(temp);
    if (i > 0) {
      const c = sport.pedalRpm > 0 ? sport.pedalRpm + rng.range(-6, 6) : strides * (speed / cruise) ** 0.3 + rng.range(-3, 3);
      t.cadence[i] = Math.max(0, Math.min(254, Math.round(c)));
      if (sport.powerW) t.power[i] = Math.max(0, Math.round(watts * (speed / cruise) ** 2 + rng.range(-25, 25)));
    }
  }
  return t;
}

/** Lap k spans records [bounds[k], bounds[k + 1]]: a new lap every `lapM` metres, the last one shorter. */
function lapBounds(a: ActivitySeed, t: ActivityTrack): number[] {
  const last = t.n - 1;
  const bounds = [0];
  if (a.odd !== 'no_records') {
    let next = a.sport.lapM * 100;
    for (let i = 1; i < last; i++) {
      if (t.distanceCm[i]! >= next) {
        bounds.push(i);
        next += a.sport.lapM * 100;
      }
    }
  }
  bounds.push(last);
  return bounds;
}

/**
 * Totals over the records in (from, to] (and record `from` itself for the first lap), so every
 * record counts in exactly one lap and the laps add up to the session.
 */
function segmentStats(a: ActivitySeed, t: ActivityTrack, from: number, to: number) {
  let hrSum = 0;
  let count = 0;
  let maxHr = 0;
  let minHr = 255;
  let maxSpeed = 0;
  let cadSum = 0;
  let maxCad = 0;
  let powSum = 0;
  let maxPow = 0;
  let ascentDm = 0;
  let descentDm = 0;
  for (let i = from === 0 ? 0 : from + 1; i <= to; i++) {
    const h = t.hr[i]!;
    count++;
    hrSum += h;
    if (h > maxHr) maxHr = h;
    if (h < minHr) minHr = h;
    if (t.speedMms[i]! > maxSpeed) maxSpeed = t.speedMms[i]!;
    cadSum += t.cadence[i]!;
    if (t.cadence[i]! > maxCad) maxCad = t.cadence[i]!;
    powSum += t.power[i]!;
    if (t.power[i]! > maxPow) maxPow = t.power[i]!;
    if (i > 0) {
      const d = t.altRaw[i]! - t.altRaw[i - 1]!;
      if (d > 0) ascentDm += d;
      else descentDm -= d;
    }
  }
  const last = to === t.n - 1;
  const elapsedMs = (t.timeS[to]! - t.timeS[from]!) * 1000 + (last ? a.tailMs : 0);
  const paused = t.pauseAfter >= from && t.pauseAfter < to;
  const timerMs = elapsedMs - (paused ? t.gapS * 1000 : 0);
  const distanceCm = t.distanceCm[to]! - t.distanceCm[from]!;
  const power = a.sport.powerW !== null;
  return {
    avgHr: Math.round(hrSum / count),
    maxHr,
    minHr,
    maxSpeedMms: maxSpeed,
    avgCadence: Math.round(cadSum / count),
    maxCadence: maxCad,
    avgPower: power ? Math.round(powSum / count) : 0xffff,
    maxPower: power ? maxPow : 0xffff,
    ascentM: Math.round(ascentDm / 5),
    descentM: Math.round(descentDm / 5),
    elapsedMs,
    timerMs,
    distanceCm,
    avgSpeedMms: timerMs > 0 ? Math.round((distanceCm * 10 * 1000) / timerMs) : 0,
  };
}

const INVALID_SINT32 = 0x7fffffff;

/** Session and lap totals of a track, in the units the FIT file stores. */
export function computeTotals(a: ActivitySeed, t: ActivityTrack): ActivityTotals {
  const last = t.n - 1;
  const all = segmentStats(a, t, 0, last);
  const calories = Math.round((all.timerMs / 60000) * a.sport.kcalPerMin * (all.avgHr / a.sport.hrBase));
  const bounds = lapBounds(a, t);
  const laps: LapTotals[] = [];
  // Cumulative rounding: lap calories are never negative and add up to the session's.
  let timerSoFar = 0;
  let caloriesSoFar = 0;
  for (let l = 0; l + 1 < bounds.length; l++) {
    const from = bounds[l]!;
    const to = bounds[l + 1]!;
    const s = segmentStats(a, t, from, to);
    timerSoFar += s.timerMs;
    const upTo = all.timerMs > 0 ? Math.round((calories * timerSoFar) / all.timerMs) : calories;
    const lapCalories = upTo - caloriesSoFar;
    caloriesSoFar = upTo;
    laps.push({ firstRecord: from, lastRecord: to, startS: a.startS + t.timeS[from]!, calories: lapCalories, ...s });
  }
  let minAlt = Number.MAX_SAFE_INTEGER;
  let maxAlt = 0;
  for (let i = 0; i <= last; i++) {
    if (t.altRaw[i]! < minAlt) minAlt = t.altRaw[i]!;
    if (t.altRaw[i]! > maxAlt) maxAlt = t.altRaw[i]!;
  }
  const indoor = a.sport.indoor;
  const records = a.odd === 'no_records' ? 0 : t.n;
  return {
    ...all,
    firstRecord: 0,
    lastRecord: last,
    startS: a.startS,
    calories,
    minAltRaw: minAlt,
    maxAltRaw: maxAlt,
    steps: a.sport.cadence > 0 ? Math.round((all.timerMs / 60000) * a.sport.cadence) : 0,
    startLatSemi: indoor ? INVALID_SINT32 : t.latSemi[0]!,
    startLonSemi: indoor ? INVALID_SINT32 : t.lonSemi[0]!,
    endLatSemi: indoor ? INVALID_SINT32 : t.latSemi[last]!,
    endLonSemi: indoor ? INVALID_SINT32 : t.lonSemi[last]!,
    endS: a.startS + Math.floor(all.elapsedMs / 1000),
    laps,
    records,
    recordsWithPosition: indoor ? 0 : records,
    paused: t.pauseAfter >= 0,
  };
}

/** Semicircles to degrees, rounded like Garmin's list (6 decimals). */
export function semiToDeg(semi: number): number {
  return Math.round((semi / SEMI_PER_DEG) * 1e6) / 1e6;
}
