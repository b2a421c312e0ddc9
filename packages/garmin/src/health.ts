/**
 * The health endpoints by source name: where each is asked (path, query, range limit) and how its
 * text is parsed. The sync stores each answer's text and parses it with `parseHealthAnswer`;
 * `fitsync-server rebuild` parses the stored text again, without a call.
 */
import { GarminInputError } from './errors.js';
import {
  parseDailyHeartRate,
  parseDailyRespiration,
  parseDailySleep,
  parseDailySpo2,
  parseDailyStress,
  parseDailySummary,
  parseStepsChart,
  parseTrainingReadiness,
} from './health-daily.js';
import { parseHrvRange, parseHydrationRange, parseMaxMetRange, parseWeightRange } from './health-range.js';
import type {
  GarminDailyHeartRate,
  GarminDailyRespiration,
  GarminDailySleep,
  GarminDailySpo2,
  GarminDailyStress,
  GarminDailySummary,
  GarminHrvRange,
  GarminHydrationRange,
  GarminMaxMetRange,
  GarminStepsChart,
  GarminTrainingReadiness,
  GarminWeightRange,
  HealthParams,
  HealthSource,
} from './health-shapes.js';

export * from './health-shapes.js';
export { healthJson } from './json-fields.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Garmin serves at most 28 days per call on its daily statistics endpoints (garmin-endpoints.md). */
export const HEALTH_MAX_RANGE_DAYS = 28;

function date(v: string | undefined, what: string): string {
  if (typeof v !== 'string' || !DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw new GarminInputError(`${what} must be a YYYY-MM-DD date`);
  }
  return v;
}

function name(v: string | undefined): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new GarminInputError('displayName is required');
  return encodeURIComponent(v);
}

function range(p: HealthParams): [string, string] {
  const start = date(p.start, 'start');
  const end = date(p.end, 'end');
  const days = (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000 + 1;
  if (days < 1) throw new GarminInputError('end must not be before start');
  if (days > HEALTH_MAX_RANGE_DAYS) throw new GarminInputError(`a range is at most ${HEALTH_MAX_RANGE_DAYS} days`);
  return [start, end];
}

/** Path and query of one health request. */
export function healthRequest(source: HealthSource, p: HealthParams): { path: string; query?: Record<string, string> } {
  switch (source) {
    case 'summary':
      return { path: `/usersummary-service/usersummary/daily/${name(p.displayName)}`, query: { calendarDate: date(p.date, 'date') } };
    case 'heart_rate':
      return { path: `/wellness-service/wellness/dailyHeartRate/${name(p.displayName)}`, query: { date: date(p.date, 'date') } };
    case 'stress':
      return { path: `/wellness-service/wellness/dailyStress/${date(p.date, 'date')}` };
    case 'sleep':
      return { path: '/sleep-service/sleep/dailySleepData', query: { date: date(p.date, 'date') } };
    case 'respiration':
      return { path: `/wellness-service/wellness/daily/respiration/${date(p.date, 'date')}` };
    case 'spo2':
      return { path: `/wellness-service/wellness/daily/spo2/${date(p.date, 'date')}` };
    case 'steps':
      return { path: `/wellness-service/wellness/dailySummaryChart/${name(p.displayName)}`, query: { date: date(p.date, 'date') } };
    case 'readiness':
      return { path: `/metrics-service/metrics/trainingreadiness/${date(p.date, 'date')}` };
    case 'hrv': {
      const [s, e] = range(p);
      return { path: `/hrv-service/hrv/daily/${s}/${e}` };
    }
    case 'maxmet': {
      const [s, e] = range(p);
      return { path: `/metrics-service/metrics/maxmet/daily/${s}/${e}` };
    }
    case 'weight': {
      const [s, e] = range(p);
      return { path: `/weight-service/weight/range/${s}/${e}`, query: { includeAll: 'true' } };
    }
    case 'hydration': {
      const [s, e] = range(p);
      return { path: `/usersummary-service/stats/hydration/daily/${s}/${e}` };
    }
  }
}

/** The typed answer of each health source. */
export interface HealthAnswerMap {
  summary: GarminDailySummary;
  heart_rate: GarminDailyHeartRate;
  stress: GarminDailyStress;
  sleep: GarminDailySleep;
  respiration: GarminDailyRespiration;
  spo2: GarminDailySpo2;
  steps: GarminStepsChart;
  readiness: GarminTrainingReadiness;
  hrv: GarminHrvRange;
  maxmet: GarminMaxMetRange;
  weight: GarminWeightRange;
  hydration: GarminHydrationRange;
}

const PARSERS: { [S in HealthSource]: (text: string) => HealthAnswerMap[S] | null } = {
  summary: parseDailySummary,
  heart_rate: parseDailyHeartRate,
  stress: parseDailyStress,
  sleep: parseDailySleep,
  respiration: parseDailyRespiration,
  spo2: parseDailySpo2,
  steps: parseStepsChart,
  readiness: parseTrainingReadiness,
  hrv: parseHrvRange,
  maxmet: parseMaxMetRange,
  weight: parseWeightRange,
  hydration: parseHydrationRange,
};

/**
 * Parses one stored or fresh answer text of `source` (exactly as Garmin sent it, '' for 204)
 * into its typed answer, which keeps the text as `rawText`. A malformed answer throws
 * GarminUnexpectedAnswerError naming the field. When the result is null ("no data"):
 * - summary, heart_rate: only for '' or `null` (an all-null summary is returned: the sync
 *   judges "no data" from its fields and `includesWellnessData`);
 * - stress: '' or `null` (Garmin's answer for a day without data);
 * - sleep: '' / `null` / no `dailySleepDTO` / the all-null DTO of a night without data;
 * - respiration, spo2: '' / `null` / a DTO with no value and no reading;
 * - steps, readiness, hrv, maxmet, weight, hydration: never; '' / `null` / `[]` give an empty
 *   answer (no points, no days, score null).
 */
export function parseHealthAnswer<S extends HealthSource>(source: S, text: string): HealthAnswerMap[S] | null {
  const parse = PARSERS[source] as ((text: string) => HealthAnswerMap[S] | null) | undefined;
  if (!parse) throw new GarminInputError(`unknown health source ${String(source)}`);
  return parse(text);
}
