/**
 * Parsers of the range health answers (HRV, VO2max, weigh-ins, hydration; ≤ 28 days per call).
 * Each takes the answer's exact text and keeps it as `rawText`. None gives null: an empty
 * answer (204), `null` or an empty list are a range without data.
 */
import type {
  GarminHrv,
  GarminHrvRange,
  GarminHydrationRange,
  GarminMaxMetRange,
  GarminWeightEntry,
  GarminWeightRange,
} from './health-shapes.js';
import { arr, bad, day, healthJson, idStr, type Obj, obj, optArr, optNum, optObj, optStr } from './json-fields.js';

/** The answer's JSON list ('' and `null` → []). */
function answerList(text: string, what: string): unknown[] {
  const v = healthJson(text);
  return v === null ? [] : arr(v, what);
}

/** Parses one HRV summary object (`hrvSummary`). */
export function parseHrvSummary(v: unknown, raw?: Obj): GarminHrv {
  const what = 'HRV summary';
  const s = obj(v, what);
  return {
    calendarDate: day(s, 'calendarDate', what),
    weeklyAvg: optNum(s, 'weeklyAvg', what),
    lastNightAvg: optNum(s, 'lastNightAvg', what),
    lastNight5MinHigh: optNum(s, 'lastNight5MinHigh', what),
    status: optStr(s, 'status', what),
    raw: raw ?? s,
  };
}

/** Parses an HRV day answer (`hrv-service/hrv/{date}`); no body (204) or null gives null. */
export function parseHrv(v: unknown): GarminHrv | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, 'HRV');
  if (o.hrvSummary === null || o.hrvSummary === undefined) return null;
  return parseHrvSummary(o.hrvSummary, o);
}

/** `hrv-service/hrv/daily/{start}/{end}` → `hrvSummaries`. */
export function parseHrvRange(text: string): GarminHrvRange {
  const what = 'HRV range';
  const v = healthJson(text);
  const list = v === null ? [] : optArr(obj(v, what), 'hrvSummaries', what);
  const days = list.map((s) => {
    const h = parseHrvSummary(s);
    return { calendarDate: h.calendarDate, lastNightAvg: h.lastNightAvg, weeklyAvg: h.weeklyAvg, status: h.status };
  });
  return { days, rawText: text };
}

function vo2max(o: Obj | null, what: string): number | null {
  return o ? (optNum(o, 'vo2MaxPreciseValue', what) ?? optNum(o, 'vo2MaxValue', what)) : null;
}

/** `metrics-service/metrics/maxmet/daily/{start}/{end}`; items with neither `generic` nor `cycling` are skipped. */
export function parseMaxMetRange(text: string): GarminMaxMetRange {
  const what = 'VO2max range';
  const days: GarminMaxMetRange['days'] = [];
  for (const item of answerList(text, what)) {
    const o = obj(item, `${what} item`);
    const generic = optObj(o, 'generic', what);
    const cycling = optObj(o, 'cycling', what);
    const dated = generic ?? cycling;
    if (!dated) continue;
    days.push({
      calendarDate: day(dated, 'calendarDate', `${what} ${generic ? 'generic' : 'cycling'}`),
      running: vo2max(generic, `${what} generic`),
      cycling: vo2max(cycling, `${what} cycling`),
    });
  }
  return { days, rawText: text };
}

/** `usersummary-service/stats/hydration/daily/{start}/{end}` (ml). */
export function parseHydrationRange(text: string): GarminHydrationRange {
  const what = 'hydration range';
  const days = answerList(text, what).map((item) => {
    const o = obj(item, `${what} item`);
    return { calendarDate: day(o, 'calendarDate', `${what} item`), valueInML: optNum(o, 'valueInML', `${what} item`) };
  });
  return { days, rawText: text };
}

function weightEntry(v: unknown, what: string): GarminWeightEntry {
  const o = obj(v, what);
  const w = optNum(o, 'weight', what);
  if (w === null) bad(what, 'weigh-in without weight');
  return {
    samplePk: o.samplePk === undefined || o.samplePk === null ? null : idStr(o.samplePk, what, 'samplePk'),
    calendarDate: day(o, 'calendarDate', what),
    weightGrams: w,
    timestampGMT: optNum(o, 'timestampGMT', what),
    sourceType: optStr(o, 'sourceType', what),
    bmi: optNum(o, 'bmi', what),
    bodyFat: optNum(o, 'bodyFat', what),
    bodyWater: optNum(o, 'bodyWater', what),
    boneMass: optNum(o, 'boneMass', what),
    muscleMass: optNum(o, 'muscleMass', what),
  };
}

/** `weight-service/weight/range/{start}/{end}?includeAll=true` (grams). */
export function parseWeightRange(text: string): GarminWeightRange {
  const what = 'weight range';
  const v = healthJson(text);
  if (v === null) return { days: [], raw: {}, rawText: text };
  const o = obj(v, what);
  const days = optArr(o, 'dailyWeightSummaries', what).map((d) => {
    const r = obj(d, what);
    const latest = r.latestWeight === null || r.latestWeight === undefined ? null : weightEntry(r.latestWeight, `${what} latestWeight`);
    return {
      calendarDate: day(r, 'summaryDate', what),
      weightGrams: latest?.weightGrams ?? null,
      entries: optArr(r, 'allWeightMetrics', what).map((e) => weightEntry(e, `${what} allWeightMetrics`)),
    };
  });
  return { days, raw: o, rawText: text };
}
