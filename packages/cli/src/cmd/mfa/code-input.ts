import { stringFlag, type FlagSpec, type FlagValues } from '../../args.js';
import { UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { Secret } from '../../secret.js';

/** `--code` / `--recovery-code` shared by the mfa commands. */
export const CODE_FLAG: FlagSpec = { name: 'code', type: 'string', value: 'CODE', env: 'FITSYNC_MFA_CODE', description: 'current code from your authenticator app' };
export const RECOVERY_FLAG: FlagSpec = { name: 'recovery-code', type: 'string', value: 'CODE', description: 'one of your recovery codes' };

export type CodeInput = { kind: 'code'; value: Secret } | { kind: 'recovery'; value: Secret } | { kind: 'prompt' };

/** Reads --code (or FITSYNC_MFA_CODE) and, when allowed, --recovery-code. */
export function parseCodeInput(f: FlagValues, env: NodeJS.ProcessEnv, allowRecovery: boolean): CodeInput {
  const code = stringFlag(f, 'code');
  const recovery = allowRecovery ? stringFlag(f, 'recovery-code') : undefined;
  if (code !== undefined && recovery !== undefined) throw new UsageError('--code and --recovery-code cannot be used together');
  if (code !== undefined) return { kind: 'code', value: new Secret(checkCode(code, '--code')) };
  if (recovery !== undefined) return { kind: 'recovery', value: new Secret(checkCode(recovery, '--recovery-code')) };
  if (env.FITSYNC_MFA_CODE) return { kind: 'code', value: new Secret(checkCode(env.FITSYNC_MFA_CODE, 'FITSYNC_MFA_CODE')) };
  return { kind: 'prompt' };
}

function checkCode(v: string, source: string): string {
  const t = v.trim();
  if (t === '' || t.length > 64) throw new UsageError(`invalid code from ${source}`);
  return t;
}

/** The code to send: given, or asked for on a terminal; else a UsageError naming the flag. */
export async function resolveCode(input: CodeInput, deps: Deps, missing: string): Promise<{ kind: 'code' | 'recovery'; value: Secret }> {
  if (input.kind !== 'prompt') return input;
  if (!deps.io.canPrompt()) throw new UsageError(missing);
  const answer = (await deps.prompter().text('Authentication code from your app: ')).trim();
  if (answer === '') throw new UsageError('no code entered');
  return { kind: 'code', value: new Secret(answer) };
}
