import type { HealthSeriesMetric } from '@fitsync/api';
import { HEALTH_SERIES_METRICS } from '@fitsync/api';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { fetchSeries, reportNoData } from '../../health/health-api.js';
import { parseSeriesMetric } from '../../health/health-flags.js';
import { type Column, printRows, type Scalar } from '../../output.js';
import { parseDateFlag } from '../../sync/flag-values.js';
import { sanitizeForTerminal } from '../../terminal-text.js';

const USAGE = 'fitsync health series METRIC [--date YYYY-MM-DD]';

export const definition: CommandDefinition = {
  group: 'health',
  name: 'series',
  summary: "Print one day's intraday readings of a metric",
  description: `METRIC is one of: ${HEALTH_SERIES_METRICS.join(', ')}.\nOne row per reading (UTC time and value), oldest first; sleep_stages has one row per change of stage\n(0 deep, 1 light, 2 REM, 3 awake). --date defaults to the latest day with data. -o json prints the API answer.`,
  usage: USAGE,
  flags: [{ name: 'date', type: 'string', value: 'YYYY-MM-DD', description: 'the day (default: the latest day with data)' }],
  maxArgs: 1,
  examples: ['fitsync health series heart_rate', 'fitsync health series stress --date 2026-03-14', 'fitsync health series sleep_stages -o json'],
};

export interface HealthSeriesOptions {
  metric: HealthSeriesMetric;
  date?: string;
}

export function parse({ flags, positionals }: CommandInput): HealthSeriesOptions {
  const date = stringFlag(flags, 'date');
  return { metric: parseSeriesMetric(positionals[0], USAGE), ...(date !== undefined ? { date: parseDateFlag(date, 'date') } : {}) };
}

const STAGE_NAMES = ['deep', 'light', 'REM', 'awake'];
const RAW: Column[] = ['time', 'epoch_ms', 'value'].map((k) => ({ key: k, header: k }));

export async function run(opts: HealthSeriesOptions, deps: Deps): Promise<number> {
  const series = await fetchSeries(deps, opts.metric, opts.date);
  const format = await deps.output();
  if (format === 'json') {
    deps.io.out.write(`${JSON.stringify(series, null, 2)}\n`);
    return series.points.length === 0 ? reportNoData(deps) : 0;
  }
  const table = format === 'table';
  const rows = series.points.map(([t, v]): Record<string, Scalar> => ({
    time: new Date(t).toISOString(),
    epoch_ms: t,
    value: table && opts.metric === 'sleep_stages' ? (STAGE_NAMES[v] ?? v) : v,
  }));
  if (rows.length === 0) {
    if (!table) printRows(deps.io.out, format, [], RAW, 'points');
    return reportNoData(deps);
  }
  if (table) deps.io.info(`${opts.metric} on ${series.date ?? '?'} (${series.unit}), times in UTC`);
  printRows(deps.io.out, format, rows, table ? [RAW[0] as Column, { key: 'value', header: sanitizeForTerminal(series.unit) }] : RAW, 'points');
  return 0;
}
