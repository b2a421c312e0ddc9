import type { ActivityRecords } from '@fitsync/api';
import { fetchDetail, fetchRecords } from '../../activities/activity-api.js';
import { LAP_FIELDS, lapColumns, lapRow, summary, usesPace } from '../../activities/activity-format.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { chartTarget } from '../../health/chart-target.js';
import { ASCII_FLAG } from '../../health/health-flags.js';
import { printRecord, printRows, type Scalar } from '../../output.js';
import { parseId } from '../../sync/flag-values.js';

export const definition: CommandDefinition = {
  group: 'activities',
  name: 'show',
  summary: 'Show one activity: summary, laps and, on a terminal, charts and the track',
  description:
    'Prints the summary (start on your clock and in UTC, duration, distance, pace or speed, heart rate,\n' +
    'device) and the laps. On a terminal the laps are followed by heart-rate and pace (on foot) or speed\n' +
    'charts over the elapsed time and an outline of the track, drawn to the terminal width.\n' +
    '-o json prints the API record of the activity (laps, device, sport); -o csv its laps. Neither holds a chart.',
  usage: 'fitsync activities show ACTIVITY_ID [--ascii]',
  maxArgs: 1,
  flags: [ASCII_FLAG],
  examples: ['fitsync activities show 18234567890', 'fitsync activities show 18234567890 --ascii', 'fitsync activities show 18234567890 -o json | jq .laps'],
};

export interface ActivitiesShowOptions {
  activityId: string;
  ascii: boolean;
}

export function parse({ flags, positionals }: CommandInput): ActivitiesShowOptions {
  return { activityId: parseId(positionals[0], 'ACTIVITY_ID', definition.usage), ascii: flags.ascii === true };
}

export async function run(opts: ActivitiesShowOptions, deps: Deps): Promise<number> {
  const detail = await fetchDetail(deps, opts.activityId);
  const format = await deps.output();
  if (format === 'json') {
    deps.io.out.write(`${JSON.stringify(detail, null, 2)}\n`);
    return 0;
  }
  if (format === 'csv') {
    printRows(deps.io.out, format, detail.laps as unknown as Record<string, Scalar>[], LAP_FIELDS, 'laps');
    return 0;
  }
  const target = await chartTarget(deps, opts.ascii);
  // Records are fetched only when they will be drawn, and only when the file was decoded into some.
  let records: ActivityRecords | undefined;
  if (target && detail.decode_error === null && (detail.record_count ?? 0) > 0) {
    const { chartFields } = await import('../../activities/activity-charts.js');
    records = await fetchRecords(deps, opts.activityId, chartFields(detail));
  }
  printRecord(deps.io.out, format, summary(detail));
  if (detail.decode_error !== null) {
    deps.io.info(`The FIT file could not be decoded: no laps or records. \`fitsync activities download ${detail.activity_id}\` still gives the original.`);
  }
  const pace = usesPace(detail);
  if (detail.laps.length > 0) {
    deps.io.out.write('\nLaps\n');
    printRows(deps.io.out, format, detail.laps.map((l) => lapRow(l, detail.start_time)), lapColumns(pace), 'laps');
  }
  if (target && records) {
    const { activityCharts } = await import('../../activities/activity-charts.js');
    deps.io.out.write(`${activityCharts(detail, records, target).join('\n')}\n`);
  } else if (target && detail.decode_error === null && detail.record_count === 0) {
    deps.io.out.write('\nNo records: nothing to chart.\n');
  }
  return 0;
}
