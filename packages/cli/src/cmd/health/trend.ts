import { stringFlag } from '../../args.js';
import { columnChart, formatValue } from '../../chart/column-chart.js';
import type { Point } from '../../chart/resample.js';
import { dayTicks } from '../../chart/time-axis.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { chartTarget } from '../../health/chart-target.js';
import { fetchDays, reportNoData } from '../../health/health-api.js';
import { hoursMinutes } from '../../health/health-format.js';
import { ASCII_FLAG, nameList, parseTrendMetric, TREND_METRICS, type TrendMetric } from '../../health/health-flags.js';
import { printRows, type Scalar } from '../../output.js';
import { parseDateRange } from '../../sync/flag-values.js';

const USAGE = 'fitsync health trend METRIC [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--ascii]';

export const definition: CommandDefinition = {
  group: 'health',
  name: 'trend',
  summary: 'Follow one daily value over time: a chart on a terminal, rows otherwise',
  description: `METRIC is a numeric daily field:\n  ${nameList(TREND_METRICS)}\nOn a terminal without -o the days are drawn as a chart as wide as the terminal; with -o table|json|csv,\nor when the output is piped, one row per day (date and value) is printed instead.`,
  usage: USAGE,
  flags: [
    { name: 'since', type: 'string', value: 'YYYY-MM-DD', description: 'from this day on' },
    { name: 'until', type: 'string', value: 'YYYY-MM-DD', description: 'up to this day' },
    ASCII_FLAG,
  ],
  maxArgs: 1,
  examples: ['fitsync health trend resting_hr --since 2026-01-01', 'fitsync health trend sleep_score --ascii', 'fitsync health trend steps -o csv > steps.csv'],
};

export interface HealthTrendOptions {
  metric: TrendMetric;
  since?: string;
  until?: string;
  ascii: boolean;
}

export function parse({ flags, positionals }: CommandInput): HealthTrendOptions {
  return {
    metric: parseTrendMetric(positionals[0], USAGE),
    ...parseDateRange(stringFlag(flags, 'since'), stringFlag(flags, 'until')),
    ascii: flags.ascii === true,
  };
}

const DAY = 86_400_000;

export async function run(opts: HealthTrendOptions, deps: Deps): Promise<number> {
  const days = await fetchDays(deps, opts);
  const rows = days.map((d) => ({ date: d.date, [opts.metric]: d[opts.metric] }));
  // -o given (flag, FITSYNC_OUTPUT or the profile) asks for rows: a chart only when nobody chose a format.
  const chosen = deps.globals.output ?? (await deps.config()).output;
  const target = chosen === undefined ? await chartTarget(deps, opts.ascii) : undefined;
  const format = await deps.output();
  const withValue = days.filter((d) => d[opts.metric] !== null);
  if (withValue.length === 0) {
    if (format !== 'table') printRows(deps.io.out, format, [], columnsOf(opts.metric), 'days');
    return reportNoData(deps);
  }
  if (!target) {
    printRows(deps.io.out, format, rows as Record<string, Scalar>[], columnsOf(opts.metric), 'days');
    return 0;
  }
  // Calendar dates placed at UTC midnights: one day is one step, a day without a value a gap.
  const points: Point[] = withValue.map((d) => [Date.parse(`${d.date}T00:00:00Z`), d[opts.metric] as number]);
  const first = days[0]?.date as string;
  const last = days[days.length - 1]?.date as string;
  const span = { from: Date.parse(`${first}T00:00:00Z`), to: Date.parse(`${last}T00:00:00Z`) + DAY };
  const values = points.map((p) => p[1]);
  // Durations (sleep_*_s) read better as hours and minutes.
  const fmt = opts.metric.endsWith('_s') ? hoursMinutes : formatValue;
  const avg = values.reduce((a, b) => a + b, 0) / values.length;
  const head = `${opts.metric}, ${first} to ${last}: ${withValue.length} day${withValue.length === 1 ? '' : 's'}, min ${fmt(Math.min(...values))}, avg ${fmt(avg)}, max ${fmt(Math.max(...values))}`;
  const chart = columnChart(points, { width: target.width, height: 8, span, style: target.style, colour: 'cyan', ticks: dayTicks, formatValue: fmt });
  deps.io.out.write(`${[head.slice(0, target.width), ...chart].join('\n')}\n`);
  return 0;
}

function columnsOf(metric: TrendMetric) {
  return [
    { key: 'date', header: 'date' },
    { key: metric, header: metric },
  ];
}
