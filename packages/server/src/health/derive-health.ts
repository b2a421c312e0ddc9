import { HEALTH_DAILY_FIELDS, type HealthDay, type HealthSeriesMetric } from '@fitsync/api';
import { type GarminDailySummary, type GarminWeightEntry, type HealthPoint, type HealthSource, parseHealthAnswer } from '@fitsync/garmin';
import { deriveExportDay, EXPORT_DAY_SOURCES, type ExportDaySource } from './derive-export.js';

/**
 * Answers → typed rows: the one pure derivation (docs/health-data.md) used by the sync
 * and by `fitsync-server rebuild`. It sees only answer texts, never the database or Garmin.
 */

/** Per-day sources, in the order the sync asks them (the summary decides the rest). */
export const DAY_SOURCES = ['summary', 'heart_rate', 'stress', 'steps', 'sleep', 'readiness', 'spo2', 'respiration'] as const;
export type DaySource = (typeof DAY_SOURCES)[number];
/** Range sources: one answer covers up to 28 days. */
export const RANGE_SOURCES = ['hrv', 'maxmet', 'weight', 'hydration'] as const;
export type RangeSource = (typeof RANGE_SOURCES)[number];

/**
 * The texts of one day's per-day answers (a source absent = not asked for that day): the API's,
 * and those an import of Garmin's data export stored (derive-export.ts).
 */
export type DayTexts = Partial<Record<DaySource | ExportDaySource, string>>;

/** A range answer and the days it covers (inclusive). */
export interface RangeText {
  source: RangeSource;
  first: string;
  last: string;
  text: string;
}

/** One weigh-in (the API's WeightEntry plus its key and epoch time). */
export interface WeightRecord {
  sample_pk: string;
  date: string;
  time_ms: number;
  weight_g: number;
  bmi: number | null;
  body_fat_pct: number | null;
  body_water_pct: number | null;
  bone_mass_g: number | null;
  muscle_mass_g: number | null;
  source: string | null;
}

/** Everything derived for one day. `day` is null when the day has no data (it is not listed). */
export interface DerivedDay {
  date: string;
  day: HealthDay | null;
  /** Series with at least one point. */
  series: { metric: HealthSeriesMetric; points: HealthPoint[] }[];
  weights: WeightRecord[];
}

/** The per-day calls the summary asks for (docs/health-data.md "Which calls the sync makes"); [] = no data that day. */
export function followUpSources(summaryText: string): DaySource[] {
  const s = parseHealthAnswer('summary', summaryText);
  if (!s || !summaryHasData(s)) return [];
  const out: DaySource[] = ['heart_rate', 'stress', 'steps'];
  if (s.sleepingSeconds !== null) out.push('sleep', 'readiness');
  if (s.averageSpo2 !== null || s.lowestSpo2 !== null) out.push('spo2');
  if (s.avgWakingRespirationValue !== null) out.push('respiration');
  return out;
}

function summaryHasData(s: GarminDailySummary): boolean {
  return s.includesWellnessData === true || s.sleepingSeconds !== null || Object.values(summaryFields(s)).some((v) => v !== null);
}

/** The daily fields the summary gives; all null without a summary. */
function summaryFields(summary: GarminDailySummary | null) {
  // A null summary reads as one whose every value is null.
  const s = summary ?? ({} as Partial<GarminDailySummary>);
  const mod = s.moderateIntensityMinutes ?? null;
  const vig = s.vigorousIntensityMinutes ?? null;
  const n = (v: number | null | undefined) => v ?? null;
  return {
    steps: n(s.totalSteps),
    distance_m: n(s.totalDistanceMeters),
    calories: n(s.totalKilocalories),
    active_calories: n(s.activeKilocalories),
    floors: n(s.floorsAscended),
    intensity_minutes: mod === null && vig === null ? null : (mod ?? 0) + 2 * (vig ?? 0),
    resting_hr: n(s.restingHeartRate),
    min_hr: n(s.minHeartRate),
    max_hr: n(s.maxHeartRate),
    avg_stress: n(s.averageStressLevel),
    max_stress: n(s.maxStressLevel),
    body_battery_high: n(s.bodyBatteryHighestValue),
    body_battery_low: n(s.bodyBatteryLowestValue),
    body_battery_charged: n(s.bodyBatteryChargedValue),
    body_battery_drained: n(s.bodyBatteryDrainedValue),
    spo2_avg: n(s.averageSpo2),
    spo2_low: n(s.lowestSpo2),
    respiration_avg: n(s.avgWakingRespirationValue),
  };
}

/** Per-day facts of the range sources, newest answer per day winning. */
interface RangeFacts {
  hrv?: { avg: number | null; status: string | null };
  vo2?: { running: number | null; cycling: number | null };
  weights?: WeightRecord[];
  hydration?: number | null;
}

/**
 * Derives `days` (YYYY-MM-DD) from their per-day answers and the range answers covering them.
 * Range answers apply in the order given (oldest fetch first): a later answer covering a day
 * replaces everything an earlier one said about it, including "nothing".
 */
export function deriveHealth(days: readonly string[], dayTexts: ReadonlyMap<string, DayTexts>, ranges: readonly RangeText[]): DerivedDay[] {
  const facts = new Map<string, RangeFacts>(days.map((d) => [d, {}]));
  for (const r of ranges) applyRange(r, facts);
  return days.map((date) => deriveDay(date, dayTexts.get(date) ?? {}, facts.get(date) ?? {}));
}

function applyRange(r: RangeText, facts: Map<string, RangeFacts>): void {
  /** Clears `key` on every covered day, then sets it from each dated item of the answer. */
  const replace = <K extends keyof RangeFacts, T extends { calendarDate: string }>(
    key: K,
    items: readonly T[],
    value: (item: T, old: RangeFacts[K]) => RangeFacts[K],
  ) => {
    for (const [d, f] of facts) if (d >= r.first && d <= r.last) delete f[key];
    for (const item of items) {
      const f = facts.get(item.calendarDate);
      if (f) f[key] = value(item, f[key]);
    }
  };
  switch (r.source) {
    case 'hrv':
      replace('hrv', parseHealthAnswer('hrv', r.text)?.days ?? [], (d) => ({ avg: d.lastNightAvg, status: d.status }));
      return;
    case 'maxmet':
      replace('vo2', parseHealthAnswer('maxmet', r.text)?.days ?? [], (d) => ({ running: d.running, cycling: d.cycling }));
      return;
    case 'hydration':
      replace('hydration', parseHealthAnswer('hydration', r.text)?.days ?? [], (d) => d.valueInML);
      return;
    case 'weight': {
      const entries = (parseHealthAnswer('weight', r.text)?.days ?? []).flatMap((d) => d.entries);
      replace('weights', entries, (e, old) => [...(old ?? []), weighIn(e)]);
      return;
    }
  }
}

function weighIn(e: GarminWeightEntry): WeightRecord {
  const time = e.timestampGMT ?? Date.parse(`${e.calendarDate}T00:00:00Z`);
  return {
    sample_pk: e.samplePk ?? `${e.calendarDate}@${time}`,
    date: e.calendarDate,
    time_ms: time,
    weight_g: e.weightGrams,
    bmi: e.bmi,
    body_fat_pct: e.bodyFat,
    body_water_pct: e.bodyWater,
    bone_mass_g: e.boneMass,
    muscle_mass_g: e.muscleMass,
    source: e.sourceType,
  };
}

function deriveDay(date: string, texts: DayTexts, f: RangeFacts): DerivedDay {
  const parse = <S extends DaySource>(s: S) => {
    const t = texts[s];
    return t === undefined ? null : parseHealthAnswer(s as S & HealthSource, t);
  };
  const summary = parse('summary');
  const sleep = parse('sleep');
  const stress = parse('stress');
  const weights = [...(f.weights ?? [])].sort((a, b) => a.time_ms - b.time_ms || (a.sample_pk < b.sample_pk ? -1 : 1));
  const latest = weights.at(-1) ?? null;
  const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
  const fields: Omit<HealthDay, 'date'> = {
    ...summaryFields(summary),
    sleep_start: iso(sleep?.sleepStartTimestampGMT),
    sleep_end: iso(sleep?.sleepEndTimestampGMT),
    sleep_s: sleep?.sleepTimeSeconds ?? null,
    sleep_deep_s: sleep?.deepSleepSeconds ?? null,
    sleep_light_s: sleep?.lightSleepSeconds ?? null,
    sleep_rem_s: sleep?.remSleepSeconds ?? null,
    sleep_awake_s: sleep?.awakeSleepSeconds ?? null,
    sleep_score: sleep?.sleepScore ?? null,
    hrv_nightly_avg_ms: f.hrv?.avg ?? null,
    hrv_status: f.hrv?.status ?? null,
    training_readiness: parse('readiness')?.score ?? null,
    vo2max_running: f.vo2?.running ?? null,
    vo2max_cycling: f.vo2?.cycling ?? null,
    weight_g: latest?.weight_g ?? null,
    body_fat_pct: latest?.body_fat_pct ?? null,
    muscle_mass_g: latest?.muscle_mass_g ?? null,
    bone_mass_g: latest?.bone_mass_g ?? null,
    body_water_pct: latest?.body_water_pct ?? null,
    bmi: latest?.bmi ?? null,
    hydration_ml: f.hydration ?? null,
  };
  // The export's answers are a fallback: each field the API's answers give wins (docs/import.md).
  const exported = EXPORT_DAY_SOURCES.some((s) => texts[s] !== undefined) ? deriveExportDay(date, texts) : null;
  if (exported) {
    const out = fields as Record<string, unknown>;
    for (const [k, v] of Object.entries(exported.fields)) if (out[k] === null) out[k] = v;
    // Weigh-ins are a day's list: the API's when it has any, else the export's (never both, which
    // would list one weigh-in twice under two keys).
    if (weights.length === 0 && exported.weights.length > 0) {
      weights.push(...exported.weights.sort((a, b) => a.time_ms - b.time_ms || (a.sample_pk < b.sample_pk ? -1 : 1)));
      const w = weights.at(-1)!;
      Object.assign(out, {
        weight_g: w.weight_g,
        body_fat_pct: w.body_fat_pct,
        muscle_mass_g: w.muscle_mass_g,
        bone_mass_g: w.bone_mass_g,
        body_water_pct: w.body_water_pct,
        bmi: w.bmi,
      });
    }
  }
  const series = (
    [
      ['heart_rate', parse('heart_rate')?.points],
      ['stress', stress?.stressPoints],
      ['body_battery', stress?.bodyBatteryPoints],
      ['respiration', parse('respiration')?.points],
      ['spo2', parse('spo2')?.points],
      ['steps', parse('steps')?.points],
      ['sleep_stages', sleep ? mergeChanges(validPoints(sleep.stages)) : undefined],
    ] as const
  )
    .map(([metric, pts]) => ({ metric, points: validPoints(pts ?? []) }))
    .filter((s) => s.points.length > 0);
  const hasData = Object.values(fields).some((v) => v !== null) || series.length > 0;
  // Field order as the contract lists it, so stored and served rows compare and print alike.
  const day = hasData ? (Object.fromEntries(HEALTH_DAILY_FIELDS.map((k) => [k, k === 'date' ? date : (fields as Record<string, unknown>)[k]])) as HealthDay) : null;
  return { date, day, series, weights };
}

/** Points oldest first with null or negative values dropped (Garmin's -1/-2 "no reading"). */
function validPoints(points: readonly HealthPoint[]): HealthPoint[] {
  const out = points.filter((p) => p[1] !== null && p[1] >= 0);
  // Garmin sends them in order; sort only when it did not.
  return out.every((p, i) => i === 0 || out[i - 1]![0] <= p[0]) ? out : out.sort((a, b) => a[0] - b[0]);
}

/** One point per change: consecutive segments with the same level are one. */
function mergeChanges(points: readonly HealthPoint[]): HealthPoint[] {
  return points.filter((p, i) => i === 0 || points[i - 1]![1] !== p[1]);
}
