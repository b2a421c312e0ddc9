import { asGarminConnection } from '../../client/answers.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';

export const definition: CommandDefinition = {
  group: 'garmin',
  name: 'disconnect',
  summary: 'Unlink Garmin Connect: the server erases the Garmin tokens',
  description: 'Synced data stays on the server. Disconnecting when nothing is linked is not an error.',
  usage: 'fitsync garmin disconnect',
  flags: [],
  examples: ['fitsync garmin disconnect', 'fitsync garmin disconnect -o json   # the link afterwards, as `garmin status -o json`'],
};

export type GarminDisconnectOptions = Record<string, never>;

export function parse(_input: CommandInput): GarminDisconnectOptions {
  return {};
}

export async function run(_opts: GarminDisconnectOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  await session.request('DELETE', '/v1/garmin/connection');
  deps.io.info('Garmin account disconnected; the server erased its Garmin tokens.');
  // DELETE answers 204: -o json|csv read the link back, so stdout holds one document (product.md,
  // CLI contract), the one `garmin status` prints.
  const format = await deps.output();
  if (format !== 'table') printRecord(deps.io.out, format, asGarminConnection((await session.request('GET', '/v1/garmin/connection')).body));
  return 0;
}
