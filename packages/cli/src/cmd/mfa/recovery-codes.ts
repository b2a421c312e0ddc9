import { asRecoveryCodes } from '../../client/answers.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { CODE_FLAG, type CodeInput, parseCodeInput, resolveCode } from './code-input.js';
import { printRecoveryCodes } from './print-codes.js';

export const definition: CommandDefinition = {
  group: 'mfa',
  name: 'recovery-codes',
  summary: 'Replace your recovery codes (the old ones stop working)',
  usage: 'fitsync mfa recovery-codes --code CODE',
  flags: [CODE_FLAG],
  examples: ['fitsync mfa recovery-codes --code 123456', 'fitsync mfa recovery-codes --code 123456 -o json'],
};

export interface RecoveryCodesOptions {
  code: CodeInput;
}

export function parse({ flags, env }: CommandInput): RecoveryCodesOptions {
  return { code: parseCodeInput(flags, env, false) };
}

export async function run(opts: RecoveryCodesOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const code = await resolveCode(opts.code, deps, 'code required: pass --code or set FITSYNC_MFA_CODE');
  const res = await session.request('POST', '/v1/mfa/recovery-codes', { body: { code: code.value.reveal() } });
  await printRecoveryCodes(deps, asRecoveryCodes(res.body).recovery_codes);
  return 0;
}
