import type { CommandDefinition, CommandInput } from '../../command.js';
import { asMe } from '../../client/answers.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';

export const definition: CommandDefinition = {
  group: 'mfa',
  name: 'status',
  summary: 'Show whether MFA is enabled on your account',
  usage: 'fitsync mfa status',
  flags: [],
  examples: ['fitsync mfa status', 'fitsync mfa status -o json'],
};

export type MfaStatusOptions = Record<string, never>;

export function parse(_input: CommandInput): MfaStatusOptions {
  return {};
}

export async function run(_opts: MfaStatusOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const me = asMe((await session.request('GET', '/v1/me')).body);
  printRecord(deps.io.out, await deps.output(), { username: me.username, mfa_enabled: me.mfa_enabled }, { username: 'User', mfa_enabled: 'MFA enabled' });
  return 0;
}
