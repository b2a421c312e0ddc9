/**
 * Parsers of the per-day health answers (summary, heart rate, stress, sleep, respiration, SpO2,
 * steps chart, training readiness). Each takes the answer's exact text and keeps it as `rawText`;
 * which fields and points are taken follows the derivation rules the server and the emulator
 * share (issue 9, docs/health-data.md). Points drop nulls and Garmin's negative "no reading" values.
 */
import type {
  GarminDailyHeartRate,
  GarminDailyRespiration,
  GarminDailySleep,
  GarminDailySpo2,
  GarminDailyStress,
  GarminDailySummary,
  GarminSample,
  GarminStepsChart,
  GarminTrainingReadiness,
  HealthPoint,
} from './health-shapes.js';
import { arr, bad, day, gmtMs, healthJson, type Obj, obj, optArr, optBool, optNum, optObj, optStr } from './json-fields.js';

/**
 * The column of `key` in a descriptor list. Garmin names the descriptor fields differently per
 * endpoint (`{key, index}`, `{bodyBatteryValueDescriptorKey, bodyBatteryValueDescriptorIndex}`…);
 * without a matching descriptor the recorded column is used.
 */
function descriptorIndex(list: unknown, key: string, fallback: number): number {
  if (!Array.isArray(list)) return fallback;
  for (const d of list) {
    if (!d || typeof d !== 'object') continue;
    const fields = Object.entries(d as Obj);
    if (!fields.some(([k, v]) => /^(key|name)$|Key$/.test(k) && v === key)) continue;
    const index = fields.find(([k, v]) => /^index$|Index$/.test(k) && Number.isInteger(v) && (v as number) >= 0);
    if (index) return index[1] as number;
  }
  return fallback;
}

function samples(v: unknown, what: string, tIdx: number, vIdx: number): GarminSample[] {
  if (v === undefined || v === null) return [];
  return arr(v, what).map((row) => {
    const r = arr(row, what);
    const t = r[tIdx];
    const x = r[vIdx];
    if (typeof t !== 'number' || !Number.isFinite(t)) bad(what, 'sample without a timestamp');
    if (x !== null && x !== undefined && (typeof x !== 'number' || !Number.isFinite(x))) bad(what, 'sample value is not a number');
    return [t, typeof x === 'number' ? x : null];
  });
}

/** Samples as points: nulls and negatives (Garmin's -1/-2 "no reading") dropped, oldest first. */
export function toPoints(s: readonly GarminSample[]): HealthPoint[] {
  return s
    .filter((p): p is HealthPoint => p[1] !== null && p[1] >= 0)
    .map((p): HealthPoint => [p[0], p[1]])
    .sort((a, b) => a[0] - b[0]);
}

/** The answer's JSON object, or null for '' (204) and `null`. */
function answerObj(text: string, what: string): Obj | null {
  const v = healthJson(text);
  return v === null ? null : obj(v, what);
}

/** Daily summary; null only for an empty answer or `null` (an all-null summary is returned as is). */
export function parseDailySummary(text: string): GarminDailySummary | null {
  const what = 'daily summary';
  const o = answerObj(text, what);
  if (!o) return null;
  const n = (k: string) => optNum(o, k, what);
  return {
    calendarDate: day(o, 'calendarDate', what),
    totalSteps: n('totalSteps'),
    totalDistanceMeters: n('totalDistanceMeters'),
    totalKilocalories: n('totalKilocalories'),
    activeKilocalories: n('activeKilocalories'),
    floorsAscended: n('floorsAscended'),
    moderateIntensityMinutes: n('moderateIntensityMinutes'),
    vigorousIntensityMinutes: n('vigorousIntensityMinutes'),
    restingHeartRate: n('restingHeartRate'),
    minHeartRate: n('minHeartRate'),
    maxHeartRate: n('maxHeartRate'),
    averageStressLevel: n('averageStressLevel'),
    maxStressLevel: n('maxStressLevel'),
    bodyBatteryHighestValue: n('bodyBatteryHighestValue'),
    bodyBatteryLowestValue: n('bodyBatteryLowestValue'),
    bodyBatteryChargedValue: n('bodyBatteryChargedValue'),
    bodyBatteryDrainedValue: n('bodyBatteryDrainedValue'),
    averageSpo2: n('averageSpo2'),
    lowestSpo2: n('lowestSpo2'),
    avgWakingRespirationValue: n('avgWakingRespirationValue'),
    sleepingSeconds: n('sleepingSeconds'),
    includesWellnessData: optBool(o, 'includesWellnessData', what),
    lastSyncTimestampGMT: optStr(o, 'lastSyncTimestampGMT', what),
    raw: o,
    rawText: text,
  };
}

/** Daily heart rate; null only for an empty answer or `null`. */
export function parseDailyHeartRate(text: string): GarminDailyHeartRate | null {
  const what = 'daily heart rate';
  const o = answerObj(text, what);
  if (!o) return null;
  const t = descriptorIndex(o.heartRateValueDescriptors, 'timestamp', 0);
  const x = descriptorIndex(o.heartRateValueDescriptors, 'heartrate', 1);
  const values = samples(o.heartRateValues, `${what} heartRateValues`, t, x);
  return {
    calendarDate: day(o, 'calendarDate', what),
    restingHeartRate: optNum(o, 'restingHeartRate', what),
    minHeartRate: optNum(o, 'minHeartRate', what),
    maxHeartRate: optNum(o, 'maxHeartRate', what),
    values,
    points: toPoints(values),
    raw: o,
    rawText: text,
  };
}

/** Daily stress and body battery; `null` (Garmin's "no data") or an empty answer gives null. */
export function parseDailyStress(text: string): GarminDailyStress | null {
  const what = 'daily stress';
  const o = answerObj(text, what);
  if (!o) return null;
  const sT = descriptorIndex(o.stressValueDescriptorsDTOList, 'timestamp', 0);
  const sV = descriptorIndex(o.stressValueDescriptorsDTOList, 'stressLevel', 1);
  const bT = descriptorIndex(o.bodyBatteryValueDescriptorsDTOList, 'timestamp', 0);
  // Recorded rows are [ts, "charging"|"drain", level, version].
  const bV = descriptorIndex(o.bodyBatteryValueDescriptorsDTOList, 'bodyBatteryLevel', 2);
  const stressValues = samples(o.stressValuesArray, `${what} stressValuesArray`, sT, sV);
  const bodyBatteryValues = samples(o.bodyBatteryValuesArray, `${what} bodyBatteryValuesArray`, bT, bV);
  const bodyBatteryPoints = toPoints(bodyBatteryValues);
  const levels = bodyBatteryPoints.map((p) => p[1]);
  return {
    calendarDate: day(o, 'calendarDate', what),
    avgStressLevel: optNum(o, 'avgStressLevel', what),
    maxStressLevel: optNum(o, 'maxStressLevel', what),
    stressValues,
    bodyBatteryValues,
    bodyBatteryHigh: levels.length ? Math.max(...levels) : null,
    bodyBatteryLow: levels.length ? Math.min(...levels) : null,
    stressPoints: toPoints(stressValues),
    bodyBatteryPoints,
    raw: o,
    rawText: text,
  };
}

/** `sleepLevels` → one `[startMs, level]` point per change of level. */
function sleepStages(o: Obj, what: string): HealthPoint[] {
  const w = `${what} sleepLevels`;
  const segments = optArr(o, 'sleepLevels', what).map((v): HealthPoint => {
    const s = obj(v, w);
    const level = optNum(s, 'activityLevel', w);
    if (level === null || level < 0) bad(w, 'field activityLevel is not a level');
    return [gmtMs(s, 'startGMT', w), level];
  });
  segments.sort((a, b) => a[0] - b[0]);
  return segments.filter((p, i) => i === 0 || segments[i - 1]![1] !== p[1]);
}

/** Sleep of a night; an empty answer, `null` or a night without data (all-null DTO) gives null. */
export function parseDailySleep(text: string): GarminDailySleep | null {
  const what = 'daily sleep';
  const o = answerObj(text, what);
  if (!o) return null;
  const s = optObj(o, 'dailySleepDTO', what);
  if (!s) return null;
  const n = (k: string) => optNum(s, k, what);
  const scores = optObj(s, 'sleepScores', what);
  const overall = scores ? optObj(scores, 'overall', `${what} sleepScores`) : null;
  const out: GarminDailySleep = {
    calendarDate: day(s, 'calendarDate', what),
    sleepTimeSeconds: n('sleepTimeSeconds'),
    napTimeSeconds: n('napTimeSeconds'),
    deepSleepSeconds: n('deepSleepSeconds'),
    lightSleepSeconds: n('lightSleepSeconds'),
    remSleepSeconds: n('remSleepSeconds'),
    awakeSleepSeconds: n('awakeSleepSeconds'),
    sleepStartTimestampGMT: n('sleepStartTimestampGMT'),
    sleepEndTimestampGMT: n('sleepEndTimestampGMT'),
    sleepScore: overall ? optNum(overall, 'value', `${what} sleepScores.overall`) : null,
    stages: sleepStages(o, what),
    raw: o,
    rawText: text,
  };
  // Garmin answers 200 with an all-null DTO for nights without data.
  if (s.id === null && out.sleepTimeSeconds === null && out.sleepStartTimestampGMT === null) return null;
  return out;
}

/** Respiration of a day; an empty answer, `null` or a DTO without any value or reading gives null. */
export function parseDailyRespiration(text: string): GarminDailyRespiration | null {
  const what = 'daily respiration';
  const o = answerObj(text, what);
  if (!o) return null;
  const t = descriptorIndex(o.respirationValueDescriptorsDTOList, 'timestamp', 0);
  const x = descriptorIndex(o.respirationValueDescriptorsDTOList, 'respiration', 1);
  const out: GarminDailyRespiration = {
    calendarDate: day(o, 'calendarDate', what),
    avgWakingRespirationValue: optNum(o, 'avgWakingRespirationValue', what),
    avgSleepRespirationValue: optNum(o, 'avgSleepRespirationValue', what),
    lowestRespirationValue: optNum(o, 'lowestRespirationValue', what),
    highestRespirationValue: optNum(o, 'highestRespirationValue', what),
    points: toPoints(samples(o.respirationValuesArray, `${what} respirationValuesArray`, t, x)),
    rawText: text,
  };
  const values = [out.avgWakingRespirationValue, out.avgSleepRespirationValue, out.lowestRespirationValue, out.highestRespirationValue];
  return values.every((v) => v === null) && out.points.length === 0 ? null : out;
}

/** SpO2 of a day; an empty answer, `null` or a DTO without averages and readings gives null. */
export function parseDailySpo2(text: string): GarminDailySpo2 | null {
  const what = 'daily SpO2';
  const o = answerObj(text, what);
  if (!o) return null;
  const w = `${what} continuousReadingDTOList`;
  const readings = optArr(o, 'continuousReadingDTOList', what).map((v): GarminSample => {
    const r = obj(v, w);
    return [gmtMs(r, 'epochTimestamp', w), optNum(r, 'spo2Reading', w)];
  });
  const out: GarminDailySpo2 = {
    calendarDate: day(o, 'calendarDate', what),
    averageSpO2: optNum(o, 'averageSpO2', what),
    lowestSpO2: optNum(o, 'lowestSpO2', what),
    points: toPoints(readings),
    rawText: text,
  };
  return out.averageSpO2 === null && out.lowestSpO2 === null && out.points.length === 0 ? null : out;
}

/** Steps per 15-minute bucket; never null: an empty answer, `null` or `[]` give no points. */
export function parseStepsChart(text: string): GarminStepsChart {
  const what = 'steps chart';
  const v = healthJson(text);
  const buckets = v === null ? [] : arr(v, what);
  const s = buckets.map((b): GarminSample => {
    const o = obj(b, `${what} bucket`);
    return [gmtMs(o, 'startGMT', `${what} bucket`), optNum(o, 'steps', `${what} bucket`)];
  });
  return { points: toPoints(s), rawText: text };
}

/** Training readiness; never null: an empty answer, `null` or `[]` give a null score. */
export function parseTrainingReadiness(text: string): GarminTrainingReadiness {
  const what = 'training readiness';
  const v = healthJson(text);
  const snapshots = (v === null ? [] : arr(v, what)).map((s) => {
    const o = obj(s, `${what} snapshot`);
    return {
      calendarDate: o.calendarDate === undefined || o.calendarDate === null ? null : day(o, 'calendarDate', `${what} snapshot`),
      score: optNum(o, 'score', `${what} snapshot`),
      inputContext: optStr(o, 'inputContext', `${what} snapshot`),
    };
  });
  // The morning report (AFTER_WAKEUP_RESET), else the newest (first) snapshot — as pgc's
  // get_morning_training_readiness picks it (garmin-endpoints.md).
  const pick = snapshots.find((s) => s.inputContext === 'AFTER_WAKEUP_RESET') ?? snapshots[0];
  return { calendarDate: pick?.calendarDate ?? null, score: pick?.score ?? null, rawText: text };
}
