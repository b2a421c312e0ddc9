import { HEALTH_DAILY_FIELDS, type HealthDay } from '@fitsync/api';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { chartTarget } from '../../health/chart-target.js';
import { DAY_CHART_METRICS, dayCharts } from '../../health/day-charts.js';
import { hoursMinutes, localTime } from '../../health/health-format.js';
import { fetchDay, fetchSeries, reportNoData } from '../../health/health-api.js';
import { ASCII_FLAG, parseDateArg } from '../../health/health-flags.js';
import { printRecord, type Scalar } from '../../output.js';

export const definition: CommandDefinition = {
  group: 'health',
  name: 'show',
  summary: 'Show one day: its numbers and, on a terminal, charts',
  description:
    'DATE defaults to the latest day with data. On a terminal the day is followed by charts of heart rate,\nstress and body battery, and a sleep-stage strip, drawn to the terminal width.\n-o json prints the API record of the day, -o csv its fields; neither ever holds a chart.\nA day without data is "no data" (exit 0); -o json then prints null, -o csv only the header.',
  usage: 'fitsync health show [DATE] [--ascii]',
  flags: [ASCII_FLAG],
  maxArgs: 1,
  examples: ['fitsync health show', 'fitsync health show 2026-03-14', 'fitsync health show --ascii', 'fitsync health show 2026-03-14 -o json'],
};

export interface HealthShowOptions {
  date?: string;
  ascii: boolean;
}

export function parse({ flags, positionals }: CommandInput): HealthShowOptions {
  const date = parseDateArg(positionals[0]);
  return { ...(date ? { date } : {}), ascii: flags.ascii === true };
}

export async function run(opts: HealthShowOptions, deps: Deps): Promise<number> {
  const day = await fetchDay(deps, opts.date);
  const format = await deps.output();
  if (!day) {
    // Still one document on stdout (product.md, CLI contract), as the other health commands print
    // an empty list: JSON null (no day, not a day of nulls), or CSV's header line without a row.
    if (format === 'json') deps.io.out.write('null\n');
    else if (format === 'csv') deps.io.out.write(`${HEALTH_DAILY_FIELDS.join(',')}\n`);
    return reportNoData(deps);
  }
  if (format !== 'table') {
    printRecord(deps.io.out, format, day as unknown as Record<string, Scalar>);
    return 0;
  }
  const target = await chartTarget(deps, opts.ascii);
  // The series are fetched only when they will be drawn.
  const series = target ? await Promise.all(DAY_CHART_METRICS.map((m) => fetchSeries(deps, m, day.date))) : [];
  printRecord(deps.io.out, format, numbers(day));
  if (target) {
    const byMetric = Object.fromEntries(DAY_CHART_METRICS.map((m, i) => [m, series[i]]));
    const charts = dayCharts(day, byMetric as Parameters<typeof dayCharts>[1], target);
    if (charts.length > 0) deps.io.out.write(`${charts.join('\n')}\n`);
  }
  return 0;
}

/** The day's values for people: only fields with a value, durations as h:mm, sleep times on the local clock. */
function numbers(day: HealthDay): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const f of HEALTH_DAILY_FIELDS) {
    const v = day[f];
    if (v === null) continue;
    if (typeof v === 'string') out[f] = f === 'sleep_start' || f === 'sleep_end' ? localTime(v) : v;
    else out[f] = f.endsWith('_s') ? hoursMinutes(v) : v;
  }
  return out;
}
