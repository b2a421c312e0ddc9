/**
 * Typed answers of the health endpoints (product.md Part 2 §B, garmin-endpoints.md). Every answer
 * keeps `rawText` — the exact text Garmin sent ('' for 204) — so the server can store it losslessly
 * and re-derive everything later with the same `parse…` functions (`fitsync-server rebuild`).
 * Times are epoch ms (UTC) unless named otherwise. Values Garmin marks as "no reading" (negative
 * levels such as -1/-2, nulls) are dropped from `points`.
 *
 * CONTRACT (filled in by the Garmin-client work; the names below are fixed):
 *   GarminApi methods, each `(…, opts?: GarminCallOptions)`:
 *     getDailySummary(displayName, date)            → GarminDailySummary   (existing, extended)
 *     getDailyHeartRate(displayName, date)          → GarminDailyHeartRate (existing; rawText added)
 *     getDailyStress(date)                          → GarminDailyStress | null (existing; rawText added)
 *     getDailySleep(displayName, date)              → GarminDailySleep | null  (existing, extended)
 *     getDailyRespiration(date)                     → GarminDailyRespiration | null
 *     getDailySpo2(date)                            → GarminDailySpo2 | null
 *     getStepsChart(displayName, date)              → GarminStepsChart
 *     getTrainingReadiness(date)                    → GarminTrainingReadiness
 *     getHrvRange(start, end)        (≤ 28 days)    → GarminHrvRange
 *     getMaxMetRange(start, end)     (≤ 28 days by our rule) → GarminMaxMetRange
 *     getWeightRange(start, end)                    → GarminWeightRange    (existing, extended)
 *     getHydrationRange(start, end)  (≤ 28 days)    → GarminHydrationRange
 *   and `getHealthAnswer(source, params, opts)` → the answer's exact text, with
 *   `parseHealthAnswer(source, text)` → the typed answer (null for "no data"), used by the sync
 *   (fetch once, store text, parse) and by rebuild (parse stored text, no call).
 */
type Obj = Record<string, unknown>;

/** The health endpoints, by the name the server stores their raw answers under. */
export const HEALTH_SOURCES = [
  'summary',
  'heart_rate',
  'stress',
  'sleep',
  'respiration',
  'spo2',
  'steps',
  'readiness',
  'hrv',
  'maxmet',
  'weight',
  'hydration',
] as const;
export type HealthSource = (typeof HEALTH_SOURCES)[number];

/** Per-day sources take `date` (+ `displayName` where the path has it); range sources `start`/`end`. */
export const HEALTH_RANGE_SOURCES: readonly HealthSource[] = ['hrv', 'maxmet', 'weight', 'hydration'];

export interface HealthParams {
  date?: string;
  start?: string;
  end?: string;
  displayName?: string;
}

/** `[epochMs, value]`, oldest first. */
export type HealthPoint = [number, number];

export interface GarminDailyRespiration {
  calendarDate: string;
  avgWakingRespirationValue: number | null;
  avgSleepRespirationValue: number | null;
  lowestRespirationValue: number | null;
  highestRespirationValue: number | null;
  points: HealthPoint[];
  rawText: string;
}

export interface GarminDailySpo2 {
  calendarDate: string;
  averageSpO2: number | null;
  lowestSpO2: number | null;
  /** From `continuousReadingDTOList` (`epochTimestamp` GMT, `spo2Reading`) only (docs/health-data.md). */
  points: HealthPoint[];
  rawText: string;
}

/** `dailySummaryChart`: steps per 15-minute bucket, one point per bucket at its start. */
export interface GarminStepsChart {
  points: HealthPoint[];
  rawText: string;
}

/** Training readiness snapshots of a day; `score` = the morning report (AFTER_WAKEUP_RESET) else the newest. */
export interface GarminTrainingReadiness {
  calendarDate: string | null;
  score: number | null;
  rawText: string;
}

export interface GarminHrvRange {
  days: { calendarDate: string; lastNightAvg: number | null; weeklyAvg: number | null; status: string | null }[];
  rawText: string;
}

/** VO2max per day: `generic` is running, `cycling` may be null (precise value preferred). */
export interface GarminMaxMetRange {
  days: { calendarDate: string; running: number | null; cycling: number | null }[];
  rawText: string;
}

export interface GarminHydrationRange {
  days: { calendarDate: string; valueInML: number | null }[];
  rawText: string;
}

/** A sample `[epochMs, value]`; value null where Garmin has none. */
export type GarminSample = [number, number | null];

/** `usersummary-service/usersummary/daily/{displayName}`. */
export interface GarminDailySummary {
  calendarDate: string;
  totalSteps: number | null;
  totalDistanceMeters: number | null;
  totalKilocalories: number | null;
  activeKilocalories: number | null;
  floorsAscended: number | null;
  moderateIntensityMinutes: number | null;
  vigorousIntensityMinutes: number | null;
  restingHeartRate: number | null;
  minHeartRate: number | null;
  maxHeartRate: number | null;
  averageStressLevel: number | null;
  maxStressLevel: number | null;
  bodyBatteryHighestValue: number | null;
  bodyBatteryLowestValue: number | null;
  bodyBatteryChargedValue: number | null;
  bodyBatteryDrainedValue: number | null;
  averageSpo2: number | null;
  lowestSpo2: number | null;
  avgWakingRespirationValue: number | null;
  sleepingSeconds: number | null;
  includesWellnessData: boolean | null;
  /** Changes on every upload from the watch (the sync compares whole summary texts). */
  lastSyncTimestampGMT: string | null;
  raw: Obj;
  rawText: string;
}

/** `wellness-service/wellness/dailyHeartRate/{displayName}`. */
export interface GarminDailyHeartRate {
  calendarDate: string;
  restingHeartRate: number | null;
  minHeartRate: number | null;
  maxHeartRate: number | null;
  /** `[epochMs, bpm]`, read via `heartRateValueDescriptors`. */
  values: GarminSample[];
  /** `values` without nulls and negatives. */
  points: HealthPoint[];
  raw: Obj;
  rawText: string;
}

/** `wellness-service/wellness/dailyStress/{date}` (stress and body battery). */
export interface GarminDailyStress {
  calendarDate: string;
  avgStressLevel: number | null;
  maxStressLevel: number | null;
  /** `[epochMs, level]`; negative levels mean "unmeasurable" in Garmin's data. */
  stressValues: GarminSample[];
  /** `[epochMs, level]` of body battery. */
  bodyBatteryValues: GarminSample[];
  /** Highest / lowest body battery level of the day, from the samples. */
  bodyBatteryHigh: number | null;
  bodyBatteryLow: number | null;
  /** `stressValues` without nulls and negatives. */
  stressPoints: HealthPoint[];
  /** `bodyBatteryValues` without nulls and negatives. */
  bodyBatteryPoints: HealthPoint[];
  raw: Obj;
  rawText: string;
}

/** `dailySleepData` → `dailySleepDTO`. */
export interface GarminDailySleep {
  calendarDate: string;
  sleepTimeSeconds: number | null;
  napTimeSeconds: number | null;
  deepSleepSeconds: number | null;
  lightSleepSeconds: number | null;
  remSleepSeconds: number | null;
  awakeSleepSeconds: number | null;
  /** Epoch ms. */
  sleepStartTimestampGMT: number | null;
  /** Epoch ms. */
  sleepEndTimestampGMT: number | null;
  /** `dailySleepDTO.sleepScores.overall.value`. */
  sleepScore: number | null;
  /**
   * From `sleepLevels`: `[ms of startGMT, activityLevel]` (0 deep, 1 light, 2 REM, 3 awake), one
   * point per change of level (consecutive segments of one level merge).
   */
  stages: HealthPoint[];
  raw: Obj;
  rawText: string;
}

/** `hrv-service/hrv/{date}` → `hrvSummary`. */
export interface GarminHrv {
  calendarDate: string;
  weeklyAvg: number | null;
  lastNightAvg: number | null;
  lastNight5MinHigh: number | null;
  status: string | null;
  raw: Obj;
}

/** One weigh-in (grams; `bodyFat`/`bodyWater` in %). */
export interface GarminWeightEntry {
  /** Garmin's key of the weigh-in (exact decimal string). */
  samplePk: string | null;
  calendarDate: string;
  weightGrams: number;
  /** Epoch ms (GMT) of the weigh-in, when given. */
  timestampGMT: number | null;
  sourceType: string | null;
  bmi: number | null;
  bodyFat: number | null;
  bodyWater: number | null;
  boneMass: number | null;
  muscleMass: number | null;
}

/** One day of `weight-service` range data. */
export interface GarminWeightDay {
  calendarDate: string;
  /** The day's latest weight in grams (`latestWeight`). */
  weightGrams: number | null;
  entries: GarminWeightEntry[];
}

/** `weight-service/weight/range/{start}/{end}`. */
export interface GarminWeightRange {
  days: GarminWeightDay[];
  raw: Obj;
  rawText: string;
}
