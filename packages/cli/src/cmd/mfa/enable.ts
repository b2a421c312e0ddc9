import type { TotpSetup } from '@fitsync/api';
import { stringFlag } from '../../args.js';
import { asRecoveryCodes, asTotpSetup } from '../../client/answers.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { AuthError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';
import { Secret } from '../../secret.js';
import type { Session } from '../../session.js';
import { printRecoveryCodes } from './print-codes.js';

export const definition: CommandDefinition = {
  group: 'mfa',
  name: 'enable',
  summary: 'Enable TOTP MFA and get recovery codes',
  description:
    'On a terminal: shows the secret, its otpauth:// URI and a QR code, asks for a code from your app and prints 10 recovery codes once.\nIn scripts, two calls: without --code it creates the pending secret and prints it; with --code it confirms and prints the recovery codes.',
  usage: 'fitsync mfa enable [--code CODE]',
  flags: [{ name: 'code', type: 'string', value: 'CODE', description: 'confirm the pending secret with a code from your app' }],
  examples: ['fitsync mfa enable', 'fitsync mfa enable -o json   # {secret, otpauth_uri}', 'fitsync mfa enable --code 123456'],
};

export interface MfaEnableOptions {
  code?: Secret;
}

export function parse({ flags }: CommandInput): MfaEnableOptions {
  const code = stringFlag(flags, 'code');
  if (code === undefined) return {};
  if (code.trim() === '' || code.length > 64) throw new UsageError('invalid --code');
  return { code: new Secret(code.trim()) };
}

export async function run(opts: MfaEnableOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  if (opts.code) {
    await confirm(session, deps, opts.code.reveal());
    return 0;
  }
  const setup = asTotpSetup((await session.request('POST', '/v1/mfa/totp')).body);
  if (!deps.io.canPrompt()) {
    printRecord(deps.io.out, await deps.output(), { secret: setup.secret, otpauth_uri: setup.otpauth_uri }, { secret: 'Secret', otpauth_uri: 'URI' });
    deps.io.info('Add the secret to your authenticator app, then run `fitsync mfa enable --code CODE` to turn MFA on.');
    return 0;
  }
  await showSetup(deps, setup);
  for (let left = 3; ; ) {
    const code = (await deps.prompter().text('Code from your app to confirm: ')).trim();
    try {
      await confirm(session, deps, code);
      return 0;
    } catch (err) {
      left--;
      if (!(err instanceof AuthError && err.api?.code === 'invalid_mfa_code') || left === 0) throw err;
      deps.io.info(`Invalid code, ${left} attempt${left === 1 ? '' : 's'} left`);
    }
  }
}

async function showSetup(deps: Deps, setup: TotpSetup): Promise<void> {
  const { io } = deps;
  // qrcode is only needed here: load it on demand (start-up time).
  const QRCode = (await import('qrcode')).default;
  const qr = await QRCode.toString(setup.otpauth_uri, { type: 'terminal', small: true });
  io.err.write(`Scan this QR code with your authenticator app:\n\n${qr}\n`);
  io.info(`Or enter the secret by hand: ${setup.secret}\nURI: ${setup.otpauth_uri}\n`);
}

async function confirm(session: Session, deps: Deps, code: string): Promise<void> {
  const res = await session.request('POST', '/v1/mfa/totp/confirm', { body: { code } });
  deps.io.info('MFA is now enabled.');
  await printRecoveryCodes(deps, asRecoveryCodes(res.body).recovery_codes);
}
