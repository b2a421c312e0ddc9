import type { HealthDay, WeightEntry } from '@fitsync/api';
import { addDays, fillDays } from './days.js';

/** Where a metric's numbers come from: a field of the daily summary, or the weigh-ins. */
type Source = { daily: (d: HealthDay) => number | null } | { weight: (w: WeightEntry) => number | null };

export interface HealthMetric {
  /** In the address (`/health?metric=steps`). */
  key: string;
  /** In the Metric select, the chart's name ("<label> trend") and the table's caption ("<label> by day"). */
  label: string;
  /** Written on the y axis and in the table's header. */
  unit: string;
  /** Decimals shown in the table and the summary. */
  digits: number;
  /** Whether the axis starts at 0: amounts (steps, sleep) yes; levels that only vary (heart rate, weight) no. */
  zero: boolean;
  /** A line under the chart when the number needs explaining. */
  note?: string;
  source: Source;
  /**
   * A second, lower line of the same unit (Body battery: the day's lowest under its highest); then
   * `name` names the main line in the table and the legend.
   */
  second?: { name: string; secondName: string; daily: (d: HealthDay) => number | null };
}

const hours = (s: number | null) => (s === null ? null : s / 3600);

/**
 * The trends of the health page: the daily fields Garmin fills for most watches
 * (packages/api/src/data.ts HEALTH_DAILY_FIELDS) and the weigh-ins.
 */
export const HEALTH_METRICS: readonly HealthMetric[] = [
  { key: 'resting_hr', label: 'Resting heart rate', unit: 'bpm', digits: 0, zero: false, source: { daily: (d) => d.resting_hr } },
  { key: 'steps', label: 'Steps', unit: 'steps', digits: 0, zero: true, source: { daily: (d) => d.steps } },
  {
    key: 'sleep',
    label: 'Sleep',
    unit: 'hours',
    digits: 1,
    zero: true,
    note: 'Time asleep in the night that ended on the day.',
    source: { daily: (d) => hours(d.sleep_s) },
  },
  { key: 'sleep_score', label: 'Sleep score', unit: 'score', digits: 0, zero: false, source: { daily: (d) => d.sleep_score } },
  {
    key: 'hrv',
    label: 'HRV',
    unit: 'ms',
    digits: 0,
    zero: false,
    note: 'Heart rate variability: the average of the night.',
    source: { daily: (d) => d.hrv_nightly_avg_ms },
  },
  {
    key: 'stress',
    label: 'Stress',
    unit: 'level',
    digits: 0,
    zero: true,
    note: "The day's average stress level, 0 to 100.",
    source: { daily: (d) => d.avg_stress },
  },
  {
    key: 'body_battery',
    label: 'Body battery',
    unit: 'level',
    digits: 0,
    zero: true,
    note: "Solid line: the day's highest Body Battery level; dashed line: its lowest (0 to 100).",
    source: { daily: (d) => d.body_battery_high },
    second: { name: 'Highest', secondName: 'Lowest', daily: (d) => d.body_battery_low },
  },
  {
    key: 'weight',
    label: 'Weight',
    unit: 'kg',
    digits: 1,
    zero: false,
    note: 'The last weigh-in of each day.',
    source: { weight: (w) => w.weight_g / 1000 },
  },
  { key: 'body_fat', label: 'Body fat', unit: '%', digits: 1, zero: false, source: { weight: (w) => w.body_fat_pct } },
  {
    key: 'intensity_minutes',
    label: 'Intensity minutes',
    unit: 'min',
    digits: 0,
    zero: true,
    note: 'Moderate minutes plus twice the vigorous ones, as Garmin counts them.',
    source: { daily: (d) => d.intensity_minutes },
  },
  { key: 'floors', label: 'Floors climbed', unit: 'floors', digits: 0, zero: true, source: { daily: (d) => d.floors } },
  { key: 'active_calories', label: 'Active calories', unit: 'kcal', digits: 0, zero: true, source: { daily: (d) => d.active_calories } },
  { key: 'spo2', label: 'Blood oxygen', unit: '%', digits: 0, zero: false, note: 'Average pulse-oximeter reading.', source: { daily: (d) => d.spo2_avg } },
  { key: 'respiration', label: 'Respiration', unit: 'brpm', digits: 0, zero: false, source: { daily: (d) => d.respiration_avg } },
  { key: 'vo2max', label: 'VO2 max', unit: 'ml/kg/min', digits: 0, zero: false, note: 'Running VO2 max as your watch estimates it.', source: { daily: (d) => d.vo2max_running } },
];

/** The periods of the Period select, in days. */
export const HEALTH_PERIODS = [
  { key: '30', label: '30 days', days: 30 },
  { key: '90', label: '90 days', days: 90 },
  { key: '365', label: '1 year', days: 365 },
] as const;

/** The metric named by the address, else the first (resting heart rate). */
export function metricOf(key: string | null): HealthMetric {
  return HEALTH_METRICS.find((m) => m.key === key) ?? HEALTH_METRICS[0]!;
}

/** The period named by the address, else 30 days. */
export function periodOf(key: string | null): (typeof HEALTH_PERIODS)[number] {
  return HEALTH_PERIODS.find((p) => p.key === key) ?? HEALTH_PERIODS[0];
}

/** The first and last day of a period ending today (both included). */
export function periodRange(today: string, days: number): { since: string; until: string } {
  return { since: addDays(today, -(days - 1)), until: today };
}

/** Whether a metric reads the weigh-ins (`GET /v1/health/weight`) rather than the daily summaries. */
export function usesWeighIns(m: HealthMetric): boolean {
  return 'weight' in m.source;
}

/** The metric's second line per day (null where there is none); empty when it has none. */
export function secondByDay(
  m: HealthMetric,
  range: { since: string; until: string },
  data: { days?: readonly HealthDay[] },
): { day: string; value: number | null }[] {
  const second = m.second;
  if (!second) return [];
  const values = new Map<string, number>();
  for (const d of data.days ?? []) {
    const v = second.daily(d);
    if (v !== null && Number.isFinite(v)) values.set(d.date, v);
  }
  return fillDays(range.since, range.until, values);
}

/**
 * One value per day of the period (null where there is none). Weigh-ins come oldest first, so the
 * last one of a day wins: what the scale said after the day's last step on it.
 */
export function metricByDay(
  m: HealthMetric,
  range: { since: string; until: string },
  data: { days?: readonly HealthDay[]; weights?: readonly WeightEntry[] },
): { day: string; value: number | null }[] {
  const values = new Map<string, number>();
  const put = (day: string, v: number | null) => {
    if (v !== null && Number.isFinite(v)) values.set(day, v);
  };
  const src = m.source;
  if ('daily' in src) for (const d of data.days ?? []) put(d.date, src.daily(d));
  else for (const w of data.weights ?? []) put(w.date, src.weight(w));
  return fillDays(range.since, range.until, values);
}
