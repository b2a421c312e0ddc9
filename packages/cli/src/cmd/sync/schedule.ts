import type { PutSyncScheduleBody, SyncType } from '@fitsync/api';
import { SYNC_TYPES } from '@fitsync/api/codes';
import { formatDuration, parseDuration } from '@fitsync/api/rules';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { asSyncSchedule } from '../../client/answers.js';
import { printSchedule } from '../../sync/schedule-view.js';

const ACTIONS = ['set', 'show', 'off'] as const;
type Action = (typeof ACTIONS)[number];

export const definition: CommandDefinition = {
  group: 'sync',
  name: 'schedule',
  summary: 'Sync automatically: set, show or turn off your schedule',
  description:
    'set: the server starts an incremental sync of TYPE (default all) every DURATION, the first one DURATION from now. DURATION is a whole number and a unit: 30s, 15m, 6h, 1d; the server refuses intervals below its minimum (15m unless its admin changed it).\n' +
    'Each run is moved by a random delay of up to 10 % of the interval (at most 5 minutes), and skipped while another sync of yours is running or Garmin is not linked.\n' +
    'show: the interval, type, and the next and last run (on your clock, and how far away).\n' +
    'off: no more automatic syncs (the interval is kept for `show`).\n' +
    'Exit 2 for a bad DURATION or one below the minimum.',
  usage: 'fitsync sync schedule set --every DURATION [--type all|activities|health|workouts] | show | off',
  maxArgs: 1,
  argValues: ACTIONS,
  flags: [
    { name: 'every', type: 'string', value: 'DURATION', description: 'with set: time between runs, e.g. 30m, 6h, 1d' },
    { name: 'type', type: 'string', value: 'TYPE', values: SYNC_TYPES, description: 'with set: what to sync: all (default), activities, health or workouts' },
  ],
  examples: ['fitsync sync schedule set --every 6h', 'fitsync sync schedule set --every 1d --type health', 'fitsync sync schedule show', 'fitsync sync schedule show -o json', 'fitsync sync schedule off'],
};

export type SyncScheduleOptions = { action: 'show' | 'off' } | { action: 'set'; body: PutSyncScheduleBody; every: string };

export function parse({ flags, positionals }: CommandInput): SyncScheduleOptions {
  const action = positionals[0];
  if (action === undefined) throw new UsageError('set, show or off is required', `usage: ${definition.usage}`);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`unknown action "${action.slice(0, 40)}" for "fitsync sync schedule"`, 'use set, show or off');
  }
  const every = stringFlag(flags, 'every');
  const type = stringFlag(flags, 'type');
  if (action !== 'set') {
    if (every !== undefined || type !== undefined) throw new UsageError(`--every and --type go with "set", not "${action}"`);
    return { action: action as Exclude<Action, 'set'> };
  }
  if (every === undefined) throw new UsageError('--every is required', 'e.g. `fitsync sync schedule set --every 6h`');
  const everyS = parseDuration(every);
  if (everyS === null) throw new UsageError(`invalid --every "${every.slice(0, 40)}"`, 'use a whole number and a unit: 30s, 15m, 6h or 1d');
  if (type !== undefined && !(SYNC_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`invalid --type "${type.slice(0, 40)}"`, `use one of: ${SYNC_TYPES.join(', ')}`);
  }
  return { action: 'set', every, body: { every_s: everyS, ...(type !== undefined ? { sync_type: type as SyncType } : {}) } };
}

export async function run(opts: SyncScheduleOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  if (opts.action === 'off') {
    await session.request('DELETE', '/v1/sync/schedule');
    deps.io.info('Automatic sync is off.');
    // DELETE answers 204: for -o json|csv the state it left is read back, so stdout holds one
    // document (product.md, CLI contract) as it does after `set` and `show`.
    const format = await deps.output();
    if (format !== 'table') printSchedule(deps.io.out, format, asSyncSchedule((await session.request('GET', '/v1/sync/schedule')).body), deps.runtime.now());
    return 0;
  }
  let body: unknown;
  if (opts.action === 'set') {
    try {
      body = (await session.request('PUT', '/v1/sync/schedule', { body: opts.body })).body;
    } catch (err) {
      // The server's minimum interval is its own setting: its 422 says what it is.
      if (err instanceof UsageError) throw new UsageError(`--every ${opts.every} refused: ${err.message}`);
      throw err;
    }
  } else {
    body = (await session.request('GET', '/v1/sync/schedule')).body;
  }
  const schedule = asSyncSchedule(body);
  printSchedule(deps.io.out, await deps.output(), schedule, deps.runtime.now());
  if (opts.action === 'set') deps.io.info(`Syncing ${schedule.sync_type} every ${formatDuration(schedule.every_s ?? opts.body.every_s)}.`);
  else if (!schedule.enabled) deps.io.info('Automatic sync is off. Turn it on with `fitsync sync schedule set --every 6h`.');
  return 0;
}
