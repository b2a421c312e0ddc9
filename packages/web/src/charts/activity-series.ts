import type { ActivityRecords } from '@fitsync/api';
import type { LatLon } from './projection.js';
import { breakGaps, paceOf, type Point } from './series.js';

/** The record fields the activity page asks for (`GET /v1/activities/{id}/records?fields=`). */
export const ACTIVITY_CHART_FIELDS = ['time', 'lat', 'lon', 'heart_rate', 'speed_mps'] as const;

/**
 * Records further apart than this (seconds) are a pause or a lost signal: the lines break there.
 * Smart recording writes a record every 1–10 s, so a minute without one is not a normal step.
 */
export const PAUSE_S = 60;

/** What the activity page draws: x is seconds since the first record. */
export interface ActivitySeries {
  heartRate: Point[];
  /** Seconds per km; standing still is a gap (series.ts: SLOWEST_PACE_S). */
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
  const pace: Point[] = [];
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
    const pc = paceOf(at(p, spi));
    pace.push([x, pc]);
    if (pc !== null) hasPace = true;
  }
  return {
    heartRate: hasHeartRate ? breakGaps(heartRate, PAUSE_S) : [],
    pace: hasPace ? breakGaps(pace, PAUSE_S) : [],
    positions,
    elapsed,
    hasHeartRate,
    hasPace,
    hasTrack,
  };
}
