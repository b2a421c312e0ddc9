import type { HealthDay } from '@fitsync/api';
import { exportDay, exportTimeMs, utcDay } from '../imports/export/export-dates.js';
import type { WeightRecord } from './derive-health.js';

/**
 * The per-day answers an import of Garmin's data export stores (health_raw, period = the day), one
 * per family of export file (garmin-export.md §4–5). Their texts are the export's own records, so a
 * better mapping later re-derives them with `fitsync-server rebuild`; this module is that mapping
 * (docs/import.md "Health and workouts"). They are a fallback: derive-health.ts lets every field the
 * API's answers give win.
 */
export const EXPORT_DAY_SOURCES = [
  'export_uds',
  'export_sleep',
  'export_health_status',
  'export_weight',
  'export_hydration',
  'export_maxmet',
  'export_readiness',
] as const;
export type ExportDaySource = (typeof EXPORT_DAY_SOURCES)[number];

/** Sources whose day answer is `{entries: […]}` (several records a day) rather than one record. */
export const LIST_SOURCES: ReadonlySet<ExportDaySource> = new Set(['export_weight', 'export_maxmet', 'export_readiness']);

export type ExportFields = Partial<Omit<HealthDay, 'date'>>;

/** What one day's export answers give: fields (absent = no value), weigh-ins, and values dropped as implausible. */
export interface ExportDerived {
  fields: ExportFields;
  weights: WeightRecord[];
  dropped: number;
}

type Obj = Record<string, unknown>;
const DAY_S = 86_400;

/**
 * Plausible ranges (inclusive); a value outside is a unit mix-up or a corrupt record (§7 pitfall 7):
 * dropped and counted, never stored.
 */
const RANGES = {
  steps: [0, 300_000],
  distance_m: [0, 1_000_000],
  calories: [0, 30_000],
  active_calories: [0, 25_000],
  floors: [0, 3_000],
  intensity_minutes: [0, 3 * 1440],
  hr: [20, 250],
  stress: [0, 100],
  body_battery: [0, 100],
  body_battery_change: [0, 500],
  spo2: [50, 100],
  respiration: [1, 80],
  sleep_s: [0, DAY_S],
  sleep_score: [0, 100],
  hrv: [1, 300],
  readiness: [0, 100],
  vo2max: [10, 100],
  weight_g: [1_000, 700_000],
  bmi: [5, 150],
  pct: [0.1, 100],
  mass_g: [1, 700_000],
  hydration_ml: [0, 30_000],
} as const satisfies Record<string, readonly [number, number]>;

/** Field reading with the drop count of one derivation. */
class Reader {
  dropped = 0;

  /** A finite number in range, else null (counted when present but implausible). `zeroIsNone`: 0 = "not measured". */
  num(v: unknown, range: keyof typeof RANGES, opts: { zeroIsNone?: boolean; negativeIsNone?: boolean } = {}): number | null {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    if (opts.zeroIsNone && v === 0) return null;
    // Garmin writes -1/-2 for "no reading" in its levels.
    if (opts.negativeIsNone && v < 0) return null;
    const [lo, hi] = RANGES[range];
    if (v < lo || v > hi) {
      this.dropped++;
      return null;
    }
    return v;
  }
}

function obj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj).filter((o): o is Obj => o !== null) : [];
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= 100 ? v : null;
}

/** Sets `key` only when a value exists, so `fields` lists what the export gave. */
function put<K extends keyof ExportFields>(f: ExportFields, key: K, v: ExportFields[K] | null): void {
  if (v !== null && v !== undefined) f[key] = v;
}

/** Derives one day's fields from its export answers (texts by source; a malformed text gives nothing). */
export function deriveExportDay(date: string, texts: Partial<Record<ExportDaySource, string>>): ExportDerived {
  const r = new Reader();
  const f: ExportFields = {};
  let weights: WeightRecord[] = [];
  for (const source of EXPORT_DAY_SOURCES) {
    const text = texts[source];
    if (text === undefined) continue;
    let record: Obj | null;
    try {
      record = obj(JSON.parse(text));
    } catch {
      record = null;
    }
    if (!record) continue;
    switch (source) {
      case 'export_uds':
        uds(r, f, record);
        break;
      case 'export_sleep':
        sleep(r, f, record);
        break;
      case 'export_health_status':
        healthStatus(r, f, record);
        break;
      case 'export_hydration':
        put(f, 'hydration_ml', r.num(record.valueInML, 'hydration_ml'));
        break;
      case 'export_maxmet':
        maxmet(r, f, list(record.entries));
        break;
      case 'export_readiness':
        readiness(r, f, list(record.entries));
        break;
      case 'export_weight':
        weights = weighIns(r, date, list(record.entries));
        break;
    }
  }
  return { fields: f, weights, dropped: r.dropped };
}

function uds(r: Reader, f: ExportFields, u: Obj): void {
  // "No wellness data" that day (garmin-export.md §4): its zeros and BMR calories are not readings.
  if (u.includesWellnessData === false) return;
  put(f, 'steps', r.num(u.totalSteps, 'steps'));
  put(f, 'distance_m', r.num(u.totalDistanceMeters, 'distance_m'));
  put(f, 'calories', r.num(u.totalKilocalories, 'calories'));
  put(f, 'active_calories', r.num(u.activeKilocalories, 'active_calories'));
  // Garmin's floor is 10 ft (3.048 m); the export has only metres. The API's floors are fractional
  // (floorsAscended 4.7): rounding to hundredths undoes the metres' rounding without losing them.
  const floorsM = typeof u.floorsAscendedInMeters === 'number' ? u.floorsAscendedInMeters / 3.048 : null;
  put(f, 'floors', r.num(floorsM === null ? null : Math.round(floorsM * 100) / 100, 'floors'));
  const mod = r.num(u.moderateIntensityMinutes, 'intensity_minutes');
  const vig = r.num(u.vigorousIntensityMinutes, 'intensity_minutes');
  put(f, 'intensity_minutes', mod === null && vig === null ? null : (mod ?? 0) + 2 * (vig ?? 0));
  put(f, 'resting_hr', r.num(u.restingHeartRate, 'hr', { zeroIsNone: true }));
  put(f, 'min_hr', r.num(u.minHeartRate, 'hr', { zeroIsNone: true }));
  put(f, 'max_hr', r.num(u.maxHeartRate, 'hr', { zeroIsNone: true }));
  const stress = list(obj(u.allDayStress)?.aggregatorList).find((a) => a.type === 'TOTAL');
  if (stress) {
    put(f, 'avg_stress', r.num(stress.averageStressLevel, 'stress', { negativeIsNone: true }));
    put(f, 'max_stress', r.num(stress.maxStressLevel, 'stress', { negativeIsNone: true }));
  }
  const bb = obj(u.bodyBattery);
  if (bb) {
    const stat = (type: string) => list(bb.bodyBatteryStatList).find((s) => s.bodyBatteryStatType === type)?.statsValue;
    put(f, 'body_battery_high', r.num(stat('HIGHEST'), 'body_battery', { negativeIsNone: true }));
    put(f, 'body_battery_low', r.num(stat('LOWEST'), 'body_battery', { negativeIsNone: true }));
    put(f, 'body_battery_charged', r.num(bb.chargedValue, 'body_battery_change', { negativeIsNone: true }));
    put(f, 'body_battery_drained', r.num(bb.drainedValue, 'body_battery_change', { negativeIsNone: true }));
  }
  put(f, 'spo2_avg', r.num(u.averageSpo2Value, 'spo2', { zeroIsNone: true }));
  put(f, 'spo2_low', r.num(u.lowestSpo2Value, 'spo2', { zeroIsNone: true }));
  put(f, 'respiration_avg', r.num(obj(u.respiration)?.avgWakingRespirationValue, 'respiration', { zeroIsNone: true, negativeIsNone: true }));
}

function sleep(r: Reader, f: ExportFields, s: Obj): void {
  const start = exportTimeMs(s.sleepStartTimestampGMT);
  const end = exportTimeMs(s.sleepEndTimestampGMT);
  if (start !== null && end !== null) {
    if (end <= start || end - start > DAY_S * 1000) r.dropped++;
    else {
      f.sleep_start = new Date(start).toISOString();
      f.sleep_end = new Date(end).toISOString();
    }
  }
  const deep = r.num(s.deepSleepSeconds, 'sleep_s');
  const light = r.num(s.lightSleepSeconds, 'sleep_s');
  const rem = r.num(s.remSleepSeconds, 'sleep_s');
  put(f, 'sleep_deep_s', deep);
  put(f, 'sleep_light_s', light);
  put(f, 'sleep_rem_s', rem);
  put(f, 'sleep_awake_s', r.num(s.awakeSleepSeconds, 'sleep_s'));
  // The API's sleepTimeSeconds is deep + light + REM (awake time excluded; docs/health-data.md).
  if (deep !== null || light !== null || rem !== null) put(f, 'sleep_s', r.num((deep ?? 0) + (light ?? 0) + (rem ?? 0), 'sleep_s'));
  const scores = obj(s.sleepScores);
  // The export's scores are flat (`overallScore`); some exports carry the API's `overall.value`.
  const score = scores ? (scores.overallScore ?? obj(scores.overall)?.value) : undefined;
  put(f, 'sleep_score', r.num(score, 'sleep_score'));
}

function healthStatus(r: Reader, f: ExportFields, h: Obj): void {
  const hrv = list(h.metrics).find((m) => m.type === 'HRV');
  if (!hrv) return;
  const value = r.num(hrv.value, 'hrv', { zeroIsNone: true });
  put(f, 'hrv_nightly_avg_ms', value);
  // A status without its value describes nothing the API would report.
  if (value !== null) put(f, 'hrv_status', str(hrv.status));
}

function maxmet(r: Reader, f: ExportFields, entries: readonly Obj[]): void {
  for (const e of entries) {
    // The API's `generic` VO2max is the running one; as there, the precise value is preferred.
    const v = r.num(e.vo2MaxPreciseValue ?? e.vo2MaxValue, 'vo2max', { zeroIsNone: true });
    const sport = typeof e.sport === 'string' ? e.sport.toUpperCase() : 'GENERIC';
    if (sport === 'CYCLING') put(f, 'vo2max_cycling', v);
    else if (sport === 'RUNNING' || sport === 'GENERIC') put(f, 'vo2max_running', v);
  }
}

function readiness(r: Reader, f: ExportFields, entries: readonly Obj[]): void {
  // As the API path picks it: the morning report, else the newest snapshot.
  const newest = [...entries].sort((a, b) => (exportTimeMs(a.timestamp) ?? 0) - (exportTimeMs(b.timestamp) ?? 0)).at(-1);
  const pick = entries.find((e) => e.inputContext === 'AFTER_WAKEUP_RESET') ?? newest;
  if (pick) put(f, 'training_readiness', r.num(pick.score, 'readiness'));
}

/** The weigh-in object of a userBioMetrics record (nested `weight`; a flat record is accepted too). */
export function weighInOf(record: Obj): Obj {
  return obj(record.weight) ?? record;
}

/** The time of a weigh-in record (ms), or null. */
export function weighInTime(record: Obj): number | null {
  const w = weighInOf(record);
  return exportTimeMs(w.timestampGMT ?? record.timestampGMT);
}

/** The calendar day a weigh-in belongs to: its own calendar date, else the UTC day of its time. */
export function weighInDay(record: Obj): string | null {
  const w = weighInOf(record);
  const meta = obj(record.metaData);
  const own = exportDay(record.calendarDate ?? w.calendarDate ?? meta?.calendarDate);
  if (own) return own;
  const t = weighInTime(record);
  return t === null ? null : utcDay(t);
}

function weighIns(r: Reader, date: string, entries: readonly Obj[]): WeightRecord[] {
  const out: WeightRecord[] = [];
  for (const e of entries) {
    const w = weighInOf(e);
    const grams = r.num(w.weight, 'weight_g');
    if (grams === null) continue;
    const time = weighInTime(e) ?? Date.parse(`${date}T00:00:00Z`);
    const pk = w.samplePk ?? e.samplePk;
    // Zeros are a scale's failed impedance reading, not a measurement.
    const opt = (v: unknown, range: keyof typeof RANGES) => r.num(v, range, { zeroIsNone: true });
    out.push({
      sample_pk: typeof pk === 'number' || typeof pk === 'string' ? String(pk) : `${date}@${time}`,
      date,
      time_ms: time,
      weight_g: grams,
      bmi: opt(w.bmi, 'bmi'),
      body_fat_pct: opt(w.bodyFat, 'pct'),
      body_water_pct: opt(w.bodyWater, 'pct'),
      bone_mass_g: opt(w.boneMass, 'mass_g'),
      muscle_mass_g: opt(w.muscleMass, 'mass_g'),
      source: str(w.sourceType),
    });
  }
  return out;
}

/** The `period` of an export span answer (one source's records of the days first..last). */
export function exportSpanPeriod(first: string, last: string): string {
  return `${first}..${last}`;
}

/** Whether a stored export answer is a span (`first..last`) rather than one day's record. */
export function isExportSpanPeriod(period: string): boolean {
  return period.includes('..');
}

/** The per-day record texts of a span answer (`{"days": {date: record}}`), by day. */
export function exportSpanDays(text: string): Map<string, string> {
  const parsed = JSON.parse(text) as { days?: Record<string, unknown> };
  const out = new Map<string, string>();
  for (const [day, record] of Object.entries(parsed.days ?? {})) out.set(day, JSON.stringify(record));
  return out;
}
