import type { GearItem } from '@fitsync/api';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import type { Column, Scalar } from '../../output.js';
import { oneLine } from '../../sync/format.js';
import { asGearList } from '../../client/answers.js';
import { printListing } from './listing.js';

export const definition: CommandDefinition = {
  group: 'activities',
  name: 'gear',
  summary: 'List your shoes, bikes and other gear with their totals',
  description:
    'Gear as Garmin Connect lists it, synced with your activities. Totals are blank for retired gear (Garmin keeps none).\n' +
    '-o json prints the API records ({gear:[…]}), -o csv their raw fields (distances in metres).',
  usage: 'fitsync activities gear',
  flags: [],
  examples: ['fitsync activities gear', 'fitsync activities gear -o csv > gear.csv'],
};

export type ActivitiesGearOptions = Record<string, never>;

export function parse(_input: CommandInput): ActivitiesGearOptions {
  return {};
}

const TABLE: Column[] = [
  { key: 'name', header: 'name' },
  { key: 'type', header: 'type' },
  { key: 'status', header: 'status' },
  { key: 'km', header: 'km' },
  { key: 'activities', header: 'activities' },
  { key: 'max_km', header: 'max km' },
  { key: 'since', header: 'since' },
  { key: 'id', header: 'id' },
];
const RAW: Column[] = [
  'gear_id',
  'name',
  'type',
  'make',
  'model',
  'status',
  'date_begin',
  'date_end',
  'max_distance_m',
  'total_distance_m',
  'total_activities',
].map((k) => ({ key: k, header: k }));

export async function run(_opts: ActivitiesGearOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const { gear } = asGearList((await session.request('GET', '/v1/gear')).body);
  await printListing(deps, {
    items: gear,
    key: 'gear',
    table: { columns: TABLE, row: tableRow },
    raw: RAW,
    empty: 'No gear synced. Gear comes with `fitsync sync start --wait` when Garmin Connect has some.',
  });
  return 0;
}

const km = (m: number | null) => (m === null ? null : (m / 1000).toFixed(1));
const text = (s: string | null) => (s === null ? null : oneLine(s));

function tableRow(g: GearItem): Record<string, Scalar> {
  return {
    name: text(g.name),
    type: text(g.type),
    status: text(g.status),
    km: km(g.total_distance_m),
    activities: g.total_activities,
    max_km: km(g.max_distance_m),
    since: g.date_begin,
    id: text(g.gear_id),
  };
}
