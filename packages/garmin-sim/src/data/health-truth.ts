import type { HealthDay, HealthSeriesMetric, WeightEntry } from '@fitsync/api';
import { type DayModel, healthDay, type SleepModel } from './health-model.js';
import type { SimUser } from './user.js';

/**
 * What a correct sync must end with: the API's daily fields and series point counts, derived from the
 * day model by the rules in docs/health-data.md, which the server applies
 * to the JSON answers.
 */
export type HealthTruthDay = HealthDay & { series_points: Record<HealthSeriesMetric, number> };

/** Dates the user may have health data on, oldest first: the history and any day added with add_today. */
export function healthDates(user: SimUser): string[] {
  const dates = new Set(user.historyDates());
  for (const d of user.health.partialDays.keys()) dates.add(d);
  return [...dates].sort();
}

const iso = (s: number) => new Date(s * 1000).toISOString();
const count = (points: Array<[number, number | null]> | null) => (points ?? []).filter((p) => p[1] !== null && p[1] >= 0).length;

/** Sleep stage points: one per change of level (neighbouring segments of one level are one point). */
export function stagePoints(sleep: SleepModel | null): number {
  if (!sleep) return 0;
  return sleep.levels.filter((l, i) => i === 0 || sleep.levels[i - 1]!.level !== l.level).length;
}

function truthDay(d: DayModel): HealthTruthDay {
  const s = d.sleep;
  const morning = d.readiness.find((r) => r.context === 'AFTER_WAKEUP_RESET') ?? d.readiness[0];
  const w = d.weighIns.at(-1);
  return {
    date: d.date,
    steps: d.steps,
    distance_m: d.distanceM,
    calories: d.bmrKcal + d.activeKcal,
    active_calories: d.activeKcal,
    floors: d.floors,
    intensity_minutes: d.moderateMin + 2 * d.vigorousMin,
    resting_hr: d.restingHr,
    min_hr: d.minHr,
    max_hr: d.maxHr,
    avg_stress: d.avgStress,
    max_stress: d.maxStress,
    body_battery_high: d.bbHigh,
    body_battery_low: d.bbLow,
    body_battery_charged: d.bbCharged,
    body_battery_drained: d.bbDrained,
    sleep_start: s ? iso(s.startS) : null,
    sleep_end: s ? iso(s.endS) : null,
    sleep_s: s ? s.deep + s.light + s.rem : null,
    sleep_deep_s: s?.deep ?? null,
    sleep_light_s: s?.light ?? null,
    sleep_rem_s: s?.rem ?? null,
    sleep_awake_s: s?.awake ?? null,
    sleep_score: s?.score ?? null,
    spo2_avg: d.spo2Avg,
    spo2_low: d.spo2Low,
    respiration_avg: d.respAvg,
    hrv_nightly_avg_ms: d.hrv?.lastNightAvg ?? null,
    hrv_status: d.hrv?.status ?? null,
    training_readiness: morning?.score ?? null,
    vo2max_running: d.vo2 ? (d.vo2.running.precise ?? d.vo2.running.value) : null,
    vo2max_cycling: d.vo2?.cycling ? (d.vo2.cycling.precise ?? d.vo2.cycling.value) : null,
    weight_g: w?.weightG ?? null,
    body_fat_pct: w?.bodyFat ?? null,
    muscle_mass_g: w?.muscleMass ?? null,
    bone_mass_g: w?.boneMass ?? null,
    body_water_pct: w?.bodyWater ?? null,
    bmi: w?.bmi ?? null,
    hydration_ml: d.hydrationMl,
    series_points: {
      heart_rate: count(d.hr),
      stress: count(d.stress),
      body_battery: d.battery.length,
      respiration: count(d.respiration),
      spo2: count(d.spo2),
      steps: d.stepBuckets.length,
      sleep_stages: stagePoints(s),
    },
  };
}

function weightEntries(d: DayModel): WeightEntry[] {
  return d.weighIns.map((w) => ({
    time: iso(w.timeS),
    date: d.date,
    weight_g: w.weightG,
    bmi: w.bmi,
    body_fat_pct: w.bodyFat,
    body_water_pct: w.bodyWater,
    bone_mass_g: w.boneMass,
    muscle_mass_g: w.muscleMass,
    source: w.source,
  }));
}

type DerivedDay = { day: HealthTruthDay; weights: WeightEntry[] } | null;

/**
 * Remembers what the truth derives from a day model built elsewhere (the export's pass over every
 * day), so the truth, and the personal records that read it, need not build that day again.
 */
export function rememberDerived(user: SimUser, date: string, d: DayModel | null): void {
  const memo = user.health.derived;
  if (!memo.has(date)) memo.set(date, d && { day: truthDay(d), weights: weightEntries(d) });
}

function derivedDay(user: SimUser, date: string): DerivedDay {
  const memo = user.health.derived;
  if (memo.has(date)) return memo.get(date) as DerivedDay;
  const d = healthDay(user, date);
  const out: DerivedDay = d && { day: truthDay(d), weights: weightEntries(d) };
  memo.set(date, out);
  return out;
}

/** `health_days` (every day with data, oldest first) and `weights` (every weigh-in, oldest first). */
export function healthTruth(user: SimUser): { health_days: HealthTruthDay[]; weights: WeightEntry[] } {
  const health_days: HealthTruthDay[] = [];
  const weights: WeightEntry[] = [];
  for (const date of healthDates(user)) {
    const d = derivedDay(user, date);
    if (!d) continue;
    health_days.push(d.day);
    weights.push(...d.weights);
  }
  return { health_days, weights };
}
