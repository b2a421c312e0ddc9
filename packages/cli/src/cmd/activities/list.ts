import type { Activity } from '@fitsync/api';
import { listActivities } from '../../activities/activity-api.js';
import { utcTime } from '../../activities/activity-format.js';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { type Column, printRows, type Scalar } from '../../output.js';
import { formatDuration, oneLine } from '../../sync/format.js';
import { parseDateRange, parseLimit } from '../../sync/flag-values.js';

export const definition: CommandDefinition = {
  group: 'activities',
  name: 'list',
  summary: 'List synced activities, newest first',
  description: 'Lists the activities stored on your FitSync server. Dates are UTC days of the start time.\n-o json prints the API records ({activities:[…]}), -o csv their raw fields.',
  usage: 'fitsync activities list [--limit N] [--since YYYY-MM-DD] [--until YYYY-MM-DD]',
  flags: [
    { name: 'limit', short: 'n', type: 'string', value: 'N', description: 'how many activities to show, 1 to 10000 (default 50)' },
    { name: 'since', type: 'string', value: 'YYYY-MM-DD', description: 'only activities from this day on' },
    { name: 'until', type: 'string', value: 'YYYY-MM-DD', description: 'only activities up to this day' },
  ],
  examples: ['fitsync activities list', 'fitsync activities list --since 2026-01-01 --limit 200', 'fitsync activities list -o csv > activities.csv'],
};

export interface ActivitiesListOptions {
  limit: number;
  since?: string;
  until?: string;
}

export function parse({ flags }: CommandInput): ActivitiesListOptions {
  return { limit: parseLimit(stringFlag(flags, 'limit'), 10_000) ?? 50, ...parseDateRange(stringFlag(flags, 'since'), stringFlag(flags, 'until')) };
}

const TABLE: Column[] = [
  { key: 'id', header: 'id' },
  { key: 'start', header: 'start' },
  { key: 'type', header: 'type' },
  { key: 'name', header: 'name' },
  { key: 'km', header: 'km' },
  { key: 'duration', header: 'duration' },
  { key: 'hr', header: 'avg hr' },
];
const RAW: Column[] = ['activity_id', 'start_time', 'activity_type', 'name', 'distance_m', 'duration_s', 'avg_hr', 'calories', 'fit_sha256', 'decode_error'].map((k) => ({ key: k, header: k }));

export async function run(opts: ActivitiesListOptions, deps: Deps): Promise<number> {
  const rows = await listActivities(deps, opts);
  const format = await deps.output();
  if (format === 'table') {
    printRows(deps.io.out, format, rows.map(tableRow), TABLE, 'activities');
    if (rows.length === 0) deps.io.info('No activities yet. Run `fitsync sync start --wait` to fetch them.');
  } else {
    printRows(deps.io.out, format, rows as unknown as Record<string, Scalar>[], RAW, 'activities');
  }
  return 0;
}

function tableRow(a: Activity): Record<string, Scalar> {
  return {
    id: a.activity_id,
    start: utcTime(a.start_time),
    type: a.activity_type === null ? null : oneLine(a.activity_type),
    name: a.name === null ? null : truncate(oneLine(a.name), 40),
    km: a.distance_m === null ? null : (a.distance_m / 1000).toFixed(2),
    duration: a.duration_s === null ? null : formatDuration(a.duration_s),
    hr: a.avg_hr === null ? null : Math.round(a.avg_hr),
  };
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
