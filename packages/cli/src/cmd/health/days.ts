import type { HealthDailyField } from '@fitsync/api';
import { HEALTH_DAILY_FIELDS } from '@fitsync/api';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { fetchDays, reportNoData } from '../../health/health-api.js';
import { nameList, parseFields } from '../../health/health-flags.js';
import { type Column, printRows, type Scalar } from '../../output.js';
import { parseDateRange } from '../../sync/flag-values.js';
import { hoursMinutes } from '../../health/health-format.js';

export const definition: CommandDefinition = {
  group: 'health',
  name: 'days',
  summary: 'List daily health values, oldest first',
  description:
    'One row per day with data. A table shows a few main fields unless --fields picks them;\n-o json and -o csv carry every daily field (or the --fields ones), null/empty where Garmin has no value.\n' +
    `Fields:\n  ${nameList(HEALTH_DAILY_FIELDS)}`,
  usage: 'fitsync health days [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--fields a,b,…]',
  flags: [
    { name: 'since', type: 'string', value: 'YYYY-MM-DD', description: 'only days from this one on' },
    { name: 'until', type: 'string', value: 'YYYY-MM-DD', description: 'only days up to this one' },
    { name: 'fields', type: 'string', value: 'a,b,…', description: 'the daily fields to show (date is always first), e.g. steps,resting_hr,sleep_s' },
  ],
  examples: [
    'fitsync health days --since 2026-03-01',
    'fitsync health days --fields steps,resting_hr,hrv_nightly_avg_ms,sleep_score',
    'fitsync health days --since 2026-01-01 -o csv > health.csv',
  ],
};

export interface HealthDaysOptions {
  since?: string;
  until?: string;
  fields?: HealthDailyField[];
}

export function parse({ flags }: CommandInput): HealthDaysOptions {
  const fields = parseFields(stringFlag(flags, 'fields'));
  return { ...parseDateRange(stringFlag(flags, 'since'), stringFlag(flags, 'until')), ...(fields ? { fields } : {}) };
}

/** The table's columns when --fields is not given: what most people look at each day, short enough for 80 columns. */
const TABLE: readonly (Column & { key: HealthDailyField })[] = [
  { key: 'date', header: 'date' },
  { key: 'steps', header: 'steps' },
  { key: 'resting_hr', header: 'rest hr' },
  { key: 'avg_stress', header: 'stress' },
  { key: 'body_battery_high', header: 'bb high' },
  { key: 'body_battery_low', header: 'bb low' },
  { key: 'sleep_s', header: 'sleep' },
  { key: 'sleep_score', header: 'score' },
  { key: 'hrv_nightly_avg_ms', header: 'hrv' },
  { key: 'training_readiness', header: 'ready' },
];

export async function run(opts: HealthDaysOptions, deps: Deps): Promise<number> {
  const days = await fetchDays(deps, opts);
  const format = await deps.output();
  const short = opts.fields === undefined && format === 'table';
  const columns: Column[] = short ? [...TABLE] : (opts.fields ?? HEALTH_DAILY_FIELDS).map((f) => ({ key: f, header: f }));
  if (days.length === 0) {
    if (format !== 'table') printRows(deps.io.out, format, [], columns, 'days');
    return reportNoData(deps);
  }
  const rows = days.map((d) => {
    const row = Object.fromEntries(columns.map((c) => [c.key, d[c.key as HealthDailyField]])) as Record<string, Scalar>;
    if (short && d.sleep_s !== null) row.sleep_s = hoursMinutes(d.sleep_s);
    return row;
  });
  printRows(deps.io.out, format, rows, columns, 'days');
  return 0;
}
