import { asMe } from '../../client/answers.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';
import { CODE_FLAG, type CodeInput, RECOVERY_FLAG, parseCodeInput, resolveCode } from './code-input.js';

export const definition: CommandDefinition = {
  group: 'mfa',
  name: 'disable',
  summary: 'Disable TOTP MFA on your account',
  usage: 'fitsync mfa disable (--code CODE | --recovery-code CODE)',
  flags: [CODE_FLAG, RECOVERY_FLAG],
  examples: ['fitsync mfa disable --code 123456', 'fitsync mfa disable --recovery-code abcd-efgh'],
};

export interface MfaDisableOptions {
  code: CodeInput;
}

export function parse({ flags, env }: CommandInput): MfaDisableOptions {
  return { code: parseCodeInput(flags, env, true) };
}

export async function run(opts: MfaDisableOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const code = await resolveCode(opts.code, deps, 'code required: pass --code or --recovery-code, or set FITSYNC_MFA_CODE');
  const body = code.kind === 'code' ? { code: code.value.reveal() } : { recovery_code: code.value.reveal() };
  await session.request('DELETE', '/v1/mfa/totp', { body });
  deps.io.info('MFA is now disabled.');
  // DELETE answers 204: -o json|csv read the account back, so stdout holds one document (product.md,
  // CLI contract), the one `mfa status` prints.
  const format = await deps.output();
  if (format !== 'table') {
    const me = asMe((await session.request('GET', '/v1/me')).body);
    printRecord(deps.io.out, format, { username: me.username, mfa_enabled: me.mfa_enabled });
  }
  return 0;
}
