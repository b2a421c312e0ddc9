import { HEALTH_DAILY_FIELDS, HEALTH_SERIES_UNITS, type HealthDay, type HealthSeries, type HealthSeriesMetric } from '@fitsync/api';

/** A day as GET /v1/health/daily sends it: every field, null unless given. */
export function healthDay(date: string, over: Partial<HealthDay> = {}): HealthDay {
  const empty = Object.fromEntries(HEALTH_DAILY_FIELDS.map((f) => [f, null])) as unknown as HealthDay;
  return { ...empty, date, ...over };
}

/** A full day with typical values (and sleep that ended on `date` at 06:30 UTC). */
export function fullDay(date: string, i = 0): HealthDay {
  return healthDay(date, {
    steps: 8000 + i * 137,
    distance_m: 6100.5,
    calories: 2300,
    resting_hr: 50 + (i % 7),
    min_hr: 45,
    max_hr: 150,
    avg_stress: 30 + (i % 11),
    body_battery_high: 90,
    body_battery_low: 20,
    sleep_start: `${prevDay(date)}T22:40:00.000Z`,
    sleep_end: `${date}T06:30:00.000Z`,
    sleep_s: 26_400,
    sleep_deep_s: 5400,
    sleep_light_s: 14_400,
    sleep_rem_s: 5400,
    sleep_awake_s: 1200,
    sleep_score: 80,
    hrv_nightly_avg_ms: 48,
    hrv_status: 'BALANCED',
    training_readiness: 70,
  });
}

function prevDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** One day of a series as GET /v1/health/series/{metric} sends it. */
export function series(metric: HealthSeriesMetric, date: string, points?: [number, number][]): HealthSeries {
  const day = Date.parse(`${date}T00:00:00Z`);
  const night = Date.parse(`${prevDay(date)}T22:40:00Z`);
  const made: [number, number][] =
    metric === 'sleep_stages'
      ? [
          [night, 1],
          [night + 40 * 60_000, 0],
          [night + 130 * 60_000, 1],
          [night + 250 * 60_000, 2],
          [night + 300 * 60_000, 3],
          [night + 310 * 60_000, 1],
          [night + 400 * 60_000, 2],
        ]
      : Array.from({ length: 480 }, (_, i) => [day + i * 180_000, 40 + ((i * 29) % 50)]);
  return { metric, date, unit: HEALTH_SERIES_UNITS[metric], points: points ?? made };
}
