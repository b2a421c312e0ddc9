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
 *   and `getHealthAnswer(source, params, opts)` → { text } (raw, unparsed) with
 *   `parseHealthAnswer(source, text)` → the typed answer (null for "no data"), used by the sync
 *   (fetch once, store text, parse) and by rebuild (parse stored text, no call).
 */

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
  /** From `continuousReadingDTOList` (`epochTimestamp` GMT, `spo2Reading`), else `spO2HourlyAverages`. */
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
