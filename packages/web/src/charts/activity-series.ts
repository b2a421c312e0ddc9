import type { ActivityRecords } from '@fitsync/api';
import type { LatLon } from './projection.js';
import { breakGaps, paceOf, type Point, smooth } from './series.js';

/** The record fields the activity page asks for (`GET /v1/activities/{id}/records?fields=`). */
export const ACTIVITY_CHART_FIELDS = ['time', 'lat', 'lon', 'heart_rate', 'speed_mps'] as const;

/**
 * Records further apart than this (seconds) are a pause or a lost signal: the lines break there.
 * Smart recording writes a record every 1–10 s, so a minute without one is not a normal step.
 */
export const PAUSE_S = 60;

/** Speed is averaged over this many seconds either side before it becomes a pace (GPS jitter). */
export const SPEED_SMOOTHING_S = 10;

/** What the activity page draws: x is seconds since the first record. */
export interface ActivitySeries {
  heartRate: Point[];
  /** Seconds per km from the speed averaged over ±SPEED_SMOOTHING_S; standing still is a gap (series.ts: SLOWEST_PACE_S). */
  pace: Point[];
  positions: LatLon[];
  /** Seconds from the first to the last record. */
  elapsed: number;
  /** Whether any record has a heart rate / a moving speed (else the page says so). */
  hasHeartRate: boolean;
  hasPace: boolean;
  /** Whether any record has a position (no GPS indoors: the page says so instead of a track). */
  hasTrack: boolean;
}

/** Splits the records' columns into the chart series (columns found by name, whatever the order). */
export function activitySeries(r: ActivityRecords): ActivitySeries {
  const col = (f: string) => r.fields.indexOf(f);
  const [ti, lai, loi, hri, spi] = [col('time'), col('lat'), col('lon'), col('heart_rate'), col('speed_mps')];
  const at = (p: (number | null)[], i: number) => (i === -1 ? null : (p[i] ?? null));
  const t0 = r.points.find((p) => at(p, ti) !== null);
  const start = t0 ? at(t0, ti)! : 0;
  const heartRate: Point[] = [];
  const speed: Point[] = [];
  const positions: LatLon[] = [];
  let elapsed = 0;
  let hasHeartRate = false;
  let hasPace = false;
  let hasTrack = false;
  for (const p of r.points) {
    const [lat, lon] = [at(p, lai), at(p, loi)];
    positions.push([lat, lon]);
    if (lat !== null && lon !== null) hasTrack = true;
    const time = at(p, ti);
    if (time === null) continue;
    const x = (time - start) / 1000;
    if (x > elapsed) elapsed = x;
    const hr = at(p, hri);
    // A heart rate of 0 is the strap's "no contact", not a reading.
    const hrValue = hr !== null && hr > 0 ? hr : null;
    heartRate.push([x, hrValue]);
    if (hrValue !== null) hasHeartRate = true;
    const v = at(p, spi);
    speed.push([x, v]);
    if (paceOf(v) !== null) hasPace = true;
  }
  // Averaged as speed, then turned into pace: the mean of paces would overweight the slow seconds.
  const pace: Point[] = smooth(breakGaps(speed, PAUSE_S), SPEED_SMOOTHING_S).map(([x, v]) => [x, paceOf(v)]);
  return {
    heartRate: hasHeartRate ? breakGaps(heartRate, PAUSE_S) : [],
    pace: hasPace ? pace : [],
    positions,
    elapsed,
    hasHeartRate,
    hasPace,
    hasTrack,
  };
}
