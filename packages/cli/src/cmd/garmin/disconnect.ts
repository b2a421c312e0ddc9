import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';

export const definition: CommandDefinition = {
  group: 'garmin',
  name: 'disconnect',
  summary: 'Unlink Garmin Connect: the server erases the Garmin tokens',
  description: 'Synced data stays on the server. Disconnecting when nothing is linked is not an error.',
  usage: 'fitsync garmin disconnect',
  flags: [],
  examples: ['fitsync garmin disconnect'],
};

export type GarminDisconnectOptions = Record<string, never>;

export function parse(_input: CommandInput): GarminDisconnectOptions {
  return {};
}

export async function run(_opts: GarminDisconnectOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  await session.request('DELETE', '/v1/garmin/connection');
  deps.io.info('Garmin account disconnected; the server erased its Garmin tokens.');
  return 0;
}
