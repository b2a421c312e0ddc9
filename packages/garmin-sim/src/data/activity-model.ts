import { Prng } from '../prng.js';
import type { SportDef } from './sports.js';

/** Seconds between 1970-01-01 and the FIT epoch 1989-12-31T00:00:00Z. */
export const FIT_EPOCH_OFFSET_S = 631065600;
/** One record every 10 s keeps files small (a few hundred records). */
export const RECORD_INTERVAL_S = 10;
const SEMI_PER_DEG = 2 ** 31 / 180;

/** Everything needed to regenerate one activity's track, summary and FIT file. */
export interface ActivitySeed {
  id: bigint;
  idText: string;
  seed: number;
  sport: SportDef;
  /** Unix seconds (UTC). */
  startS: number;
  /** Number of records (the track spans (records - 1) * 10 s). */
  records: number;
  /** Extra milliseconds after the last record (real durations are fractional). */
  tailMs: number;
  lapCount: number;
  startLat: number;
  startLon: number;
  serial: number;
  product: number;
}

export interface LapTotals {
  firstRecord: number;
  lastRecord: number;
  startS: number;
  elapsedMs: number;
  distanceCm: number;
  calories: number;
  avgHr: number;
  maxHr: number;
  avgSpeedMms: number;
  maxSpeedMms: number;
  ascentM: number;
  descentM: number;
}

/** Session totals exactly as stored (in FIT units) in the file. */
export interface ActivityTotals {
  elapsedMs: number;
  timerMs: number;
  distanceCm: number;
  calories: number;
  avgHr: number;
  maxHr: number;
  minHr: number;
  avgSpeedMms: number;
  maxSpeedMms: number;
  ascentM: number;
  descentM: number;
  minAltRaw: number;
  maxAltRaw: number;
  steps: number;
  startLatSemi: number;
  startLonSemi: number;
  endLatSemi: number;
  endLonSemi: number;
  endS: number;
  laps: LapTotals[];
}

/** The per-record series (typed arrays: cheap to build on every download). */
export interface ActivityTrack {
  latSemi: Int32Array;
  lonSemi: Int32Array;
  /** FIT altitude raw value: (m + 500) * 5. */
  altRaw: Uint32Array;
  hr: Uint8Array;
  distanceCm: Uint32Array;
  speedMms: Uint32Array;
}

/** Regenerates the track of an activity: same seed, same numbers, every time. */
export function simulateTrack(a: ActivitySeed): ActivityTrack {
  const rng = new Prng(a.seed);
  const n = a.records;
  const t: ActivityTrack = {
    latSemi: new Int32Array(n),
    lonSemi: new Int32Array(n),
    altRaw: new Uint32Array(n),
    hr: new Uint8Array(n),
    distanceCm: new Uint32Array(n),
    speedMms: new Uint32Array(n),
  };
  const [vMin, vMax] = a.sport.speedMps;
  const cruise = rng.range(vMin, vMax);
  let heading = rng.range(0, Math.PI * 2);
  let lat = a.startLat;
  let lon = a.startLon;
  let alt = rng.range(150, 900);
  let hr = a.sport.hrBase - 35 + rng.int(0, 10);
  let dist = 0;
  for (let i = 0; i < n; i++) {
    let speed = 0;
    if (i > 0) {
      speed = Math.max(0.3, cruise * (1 + rng.range(-0.12, 0.12)));
      heading += rng.range(-0.35, 0.35);
      const metres = speed * RECORD_INTERVAL_S;
      lat += (metres * Math.cos(heading)) / 111320;
      lon += (metres * Math.sin(heading)) / (111320 * Math.cos((lat * Math.PI) / 180));
      alt = Math.min(2500, Math.max(0, alt + rng.range(-2.2, 2.3)));
      hr += (a.sport.hrBase + 8 * Math.sin(i / 25) - hr) * 0.12 + rng.range(-2, 2);
    }
    const speedMms = Math.round(speed * 1000);
    // 10 s at v mm/s covers 10 * v mm = v cm: distance stays an exact sum of speeds.
    dist += speedMms;
    t.speedMms[i] = speedMms;
    t.distanceCm[i] = dist;
    t.latSemi[i] = Math.round(lat * SEMI_PER_DEG);
    t.lonSemi[i] = Math.round(lon * SEMI_PER_DEG);
    t.altRaw[i] = Math.round((alt + 500) * 5);
    t.hr[i] = Math.max(60, Math.min(200, Math.round(hr)));
  }
  return t;
}

function segmentStats(a: ActivitySeed, t: ActivityTrack, from: number, to: number) {
  let hrSum = 0;
  let maxHr = 0;
  let minHr = 255;
  let maxSpeed = 0;
  let ascentDm = 0;
  let descentDm = 0;
  for (let i = from; i <= to; i++) {
    const h = t.hr[i]!;
    hrSum += h;
    if (h > maxHr) maxHr = h;
    if (h < minHr) minHr = h;
    if (t.speedMms[i]! > maxSpeed) maxSpeed = t.speedMms[i]!;
    if (i > from) {
      const d = t.altRaw[i]! - t.altRaw[i - 1]!;
      if (d > 0) ascentDm += d;
      else descentDm -= d;
    }
  }
  const elapsedMs = (to - from) * RECORD_INTERVAL_S * 1000 + (to === a.records - 1 ? a.tailMs : 0);
  const distanceCm = t.distanceCm[to]! - t.distanceCm[from]!;
  return {
    avgHr: Math.round(hrSum / (to - from + 1)),
    maxHr,
    minHr,
    maxSpeedMms: maxSpeed,
    ascentM: Math.round(ascentDm / 5),
    descentM: Math.round(descentDm / 5),
    elapsedMs,
    distanceCm,
    avgSpeedMms: elapsedMs > 0 ? Math.round((distanceCm * 10 * 1000) / elapsedMs) : 0,
  };
}

/** Session and lap totals of a track, in the units the FIT file stores. */
export function computeTotals(a: ActivitySeed, t: ActivityTrack): ActivityTotals {
  const last = a.records - 1;
  const all = segmentStats(a, t, 0, last);
  const calories = Math.round((all.elapsedMs / 60000) * a.sport.kcalPerMin * (all.avgHr / a.sport.hrBase));
  const laps: LapTotals[] = [];
  let caloriesLeft = calories;
  for (let l = 0; l < a.lapCount; l++) {
    const from = Math.floor((l * last) / a.lapCount);
    const to = Math.floor(((l + 1) * last) / a.lapCount);
    const s = segmentStats(a, t, from, to);
    const lapCalories = l === a.lapCount - 1 ? caloriesLeft : Math.round((calories * (to - from)) / last);
    caloriesLeft -= lapCalories;
    laps.push({ firstRecord: from, lastRecord: to, startS: a.startS + from * RECORD_INTERVAL_S, calories: lapCalories, ...s });
  }
  let minAlt = Number.MAX_SAFE_INTEGER;
  let maxAlt = 0;
  for (let i = 0; i <= last; i++) {
    if (t.altRaw[i]! < minAlt) minAlt = t.altRaw[i]!;
    if (t.altRaw[i]! > maxAlt) maxAlt = t.altRaw[i]!;
  }
  return {
    elapsedMs: all.elapsedMs,
    timerMs: all.elapsedMs,
    distanceCm: all.distanceCm,
    calories,
    avgHr: all.avgHr,
    maxHr: all.maxHr,
    minHr: all.minHr,
    avgSpeedMms: all.avgSpeedMms,
    maxSpeedMms: all.maxSpeedMms,
    ascentM: all.ascentM,
    descentM: all.descentM,
    minAltRaw: minAlt,
    maxAltRaw: maxAlt,
    steps: a.sport.cadence > 0 ? Math.round((all.elapsedMs / 60000) * a.sport.cadence) : 0,
    startLatSemi: t.latSemi[0]!,
    startLonSemi: t.lonSemi[0]!,
    endLatSemi: t.latSemi[last]!,
    endLonSemi: t.lonSemi[last]!,
    endS: a.startS + Math.floor(all.elapsedMs / 1000),
    laps,
  };
}

/** Semicircles to degrees, rounded like Garmin's list (6 decimals). */
export function semiToDeg(semi: number): number {
  return Math.round((semi / SEMI_PER_DEG) * 1e6) / 1e6;
}
