import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';
import { asGarminConnection } from '../../client/answers.js';

export const definition: CommandDefinition = {
  group: 'garmin',
  name: 'status',
  summary: 'Show whether a Garmin Connect account is linked',
  description:
    'Status is connected, not_connected or reauth_required (Garmin stopped accepting the stored sign-in: run `fitsync garmin connect`).\nExits 0 whatever the status; scripts read it with -o json.',
  usage: 'fitsync garmin status',
  flags: [],
  examples: ['fitsync garmin status', 'fitsync garmin status -o json   # {status, display_name, connected_at}'],
};

export type GarminStatusOptions = Record<string, never>;

export function parse(_input: CommandInput): GarminStatusOptions {
  return {};
}

export async function run(_opts: GarminStatusOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const c = asGarminConnection((await session.request('GET', '/v1/garmin/connection')).body);
  printRecord(
    deps.io.out,
    await deps.output(),
    c,
    {
      status: 'Status',
      display_name: 'Garmin account',
      connected_at: 'Connected at',
      reauth_required_at: 'Reauth required at',
      time_zone: 'Time zone',
      signin_blocked_until: 'Sign-ins paused until',
    },
  );
  if (c.status === 'reauth_required') deps.io.info('Garmin no longer accepts the stored sign-in; run `fitsync garmin connect`.');
  return 0;
}
