import { HEALTH_DAILY_FIELDS, HEALTH_SERIES_METRICS, type HealthDailyField, type HealthSeriesMetric } from '@fitsync/api';
import { isCalendarDate } from '@fitsync/api/rules';
import type { FlagSpec } from '../args.js';
import { UsageError } from '../errors.js';

/** Daily fields that are not numbers (a time, Garmin's word, the date itself): no trend of them. */
const NOT_NUMBERS = ['date', 'sleep_start', 'sleep_end', 'hrv_status'] as const satisfies readonly HealthDailyField[];
/** The daily fields `health trend` can follow over time (product.md §B, numbers only). */
export const TREND_METRICS = HEALTH_DAILY_FIELDS.filter((f) => !(NOT_NUMBERS as readonly string[]).includes(f)) as Exclude<HealthDailyField, (typeof NOT_NUMBERS)[number]>[];
export type TrendMetric = (typeof TREND_METRICS)[number];

export const ASCII_FLAG: FlagSpec = { name: 'ascii', type: 'boolean', description: 'draw charts with plain ASCII characters and no colour' };

/** A list of names for an error hint, wrapped so the hint stays readable. */
export function nameList(names: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const n of names) {
    const next = line ? `${line}, ${n}` : n;
    if (next.length > 76 && line) {
      lines.push(`${line},`);
      line = n;
    } else line = next;
  }
  return [...lines, line].join('\n  ');
}

/** METRIC of `health trend`: a numeric daily field. */
export function parseTrendMetric(value: string | undefined, usage: string): TrendMetric {
  if (value === undefined) throw new UsageError('METRIC is required', `usage: ${usage}\nmetrics:\n  ${nameList(TREND_METRICS)}`);
  if (!(TREND_METRICS as readonly string[]).includes(value)) {
    throw new UsageError(`unknown metric "${value.slice(0, 60)}" for health trend`, `use one of the daily fields:\n  ${nameList(TREND_METRICS)}`);
  }
  return value as TrendMetric;
}

/** METRIC of `health series`: an intraday series of the contract. */
export function parseSeriesMetric(value: string | undefined, usage: string): HealthSeriesMetric {
  if (value === undefined) throw new UsageError('METRIC is required', `usage: ${usage}\nmetrics: ${HEALTH_SERIES_METRICS.join(', ')}`);
  if (!(HEALTH_SERIES_METRICS as readonly string[]).includes(value)) {
    throw new UsageError(`unknown metric "${value.slice(0, 60)}" for health series`, `use one of: ${HEALTH_SERIES_METRICS.join(', ')}`);
  }
  return value as HealthSeriesMetric;
}

/** `--fields a,b,…`: daily field names, each once, `date` first (a row without its day means little). */
export function parseFields(value: string | undefined): HealthDailyField[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(HEALTH_DAILY_FIELDS as readonly string[]).includes(n));
  if (names.every((n) => n === '') || unknown.length > 0) {
    const bad = unknown.filter((n) => n !== '');
    throw new UsageError(
      bad.length > 0 ? `unknown field${bad.length > 1 ? 's' : ''} ${bad.map((n) => `"${n.slice(0, 40)}"`).join(', ')} in --fields` : 'empty name in --fields',
      `use comma-separated daily fields:\n  ${nameList(HEALTH_DAILY_FIELDS)}`,
    );
  }
  const picked = new Set<HealthDailyField>(['date', ...(names as HealthDailyField[])]);
  return [...picked];
}

/** A DATE argument (positional): YYYY-MM-DD, a real day. */
export function parseDateArg(value: string | undefined): string | undefined {
  if (value !== undefined && (!isCalendarDate(value) || value < '1970')) {
    throw new UsageError(`invalid DATE "${value.slice(0, 60)}"`, 'use a calendar date as YYYY-MM-DD, e.g. 2026-01-31');
  }
  return value;
}
