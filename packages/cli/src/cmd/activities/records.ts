import type { PersonalRecord } from '@fitsync/api';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import type { Column, Scalar } from '../../output.js';
import { formatDuration, oneLine } from '../../sync/format.js';
import { asPersonalRecords } from '../../client/answers.js';
import { printListing } from './listing.js';

export const definition: CommandDefinition = {
  group: 'activities',
  name: 'records',
  summary: 'List your personal records (fastest 1 km, 5 km, longest run, …)',
  description:
    'Personal records as Garmin Connect holds them, synced with your activities. Times show as h:mm:ss, distances in km;\n' +
    'a record type FitSync does not know shows its Garmin type number and the raw value.\n' +
    '-o json prints the API records ({records:[…]}), -o csv their raw fields (seconds, metres, steps).',
  usage: 'fitsync activities records',
  flags: [],
  examples: ['fitsync activities records', 'fitsync activities records -o json'],
};

export type ActivitiesRecordsOptions = Record<string, never>;

export function parse(_input: CommandInput): ActivitiesRecordsOptions {
  return {};
}

const TABLE: Column[] = [
  { key: 'record', header: 'record' },
  { key: 'value', header: 'value' },
  { key: 'set', header: 'set' },
  { key: 'activity', header: 'activity' },
  { key: 'activity_id', header: 'activity id' },
];
const RAW: Column[] = [
  'record_id',
  'type_id',
  'label',
  'value',
  'unit',
  'time',
  'activity_id',
  'activity_name',
  'activity_type',
].map((k) => ({ key: k, header: k }));

export async function run(_opts: ActivitiesRecordsOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const { records } = asPersonalRecords((await session.request('GET', '/v1/records')).body);
  await printListing(deps, {
    items: records,
    key: 'records',
    table: { columns: TABLE, row: tableRow },
    raw: RAW,
    empty: 'No personal records synced. They come with `fitsync sync start --wait` when Garmin Connect has some.',
  });
  return 0;
}

/** A record's value in its unit: times as h:mm:ss, distances in km, steps as a count. */
export function formatRecordValue(r: Pick<PersonalRecord, 'value' | 'unit'>): string | null {
  if (r.value === null) return null;
  if (r.unit === 's') return formatDuration(r.value);
  if (r.unit === 'm') return `${(r.value / 1000).toFixed(2)} km`;
  if (r.unit === 'steps') return `${Math.round(r.value)} steps`;
  return String(r.value);
}

function tableRow(r: PersonalRecord): Record<string, Scalar> {
  const activity = [r.activity_type, r.activity_name].filter((s): s is string => s !== null).map(oneLine).join(': ');
  return {
    record: r.label ?? `type ${r.type_id}`,
    value: formatRecordValue(r),
    set: r.time === null ? null : r.time.slice(0, 10),
    activity: activity === '' ? null : activity.slice(0, 40),
    activity_id: r.activity_id,
  };
}
