import { RECORD_FIELDS } from '@fitsync/api';

const T0 = Date.parse('2026-05-30T06:15:00.000Z');

/** An ActivityDetail as the API answers it (a 5 km run with five laps), with `over` replacing fields. */
export function activityDetail(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const laps = Array.from({ length: 5 }, (_, i) => ({
    index: i,
    start_time: new Date(T0 + i * 300_000).toISOString(),
    duration_s: 300 - i * 3,
    distance_m: i === 4 ? 812.5 : 1000,
    avg_hr: 140 + i * 4.4,
    max_hr: 150 + i * 5,
    avg_speed_mps: 1000 / (300 - i * 3),
    max_speed_mps: 4.2,
    ascent_m: 12,
    descent_m: 11,
    calories: 70,
  }));
  return {
    activity_id: id,
    name: 'Morning Run',
    activity_type: 'running',
    start_time: new Date(T0).toISOString(),
    duration_s: 1470,
    distance_m: 4812.5,
    calories: 350,
    avg_hr: 148.6,
    fit_sha256: 'ab'.repeat(32),
    decode_error: null,
    sport: 'running',
    sub_sport: 'generic',
    device: { manufacturer: 'garmin', product: 'fr945', serial_number: '3999999999', software_version: '12.1' },
    laps,
    record_count: 300,
    record_fields: [...RECORD_FIELDS],
    ...over,
  };
}

/**
 * Records of `fields` for `n` points, 5 s apart: a loop around a park (lat/lon on an ellipse),
 * heart rate rising, speed varying, a pause (standing still) in the middle.
 */
export function records(fields: readonly string[], n = 300, o: { indoor?: boolean } = {}): { fields: string[]; points: (number | null)[][] } {
  const points = Array.from({ length: n }, (_, i) => {
    const a = (i / n) * 2 * Math.PI;
    const v: Record<string, number | null> = {
      time: T0 + i * 5000,
      lat: o.indoor ? null : 52.52 + 0.01 * Math.sin(a),
      lon: o.indoor ? null : 13.405 + 0.02 * Math.cos(a),
      altitude_m: 40 + 5 * Math.sin(a * 3),
      heart_rate: 120 + Math.round((i / n) * 50),
      cadence: 85,
      speed_mps: i >= 140 && i < 150 ? 0 : 3 + Math.sin(i / 10),
      power_w: null,
      temperature_c: 18,
      distance_m: i * 16,
    };
    return fields.map((f) => v[f] ?? null);
  });
  return { fields: [...fields], points };
}
