import type { GarminConnected, GarminMfaRequired } from '@fitsync/api';
import { type FlagSpec, stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { CancelledError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';
import { readStdinSecret } from '../../prompter.js';
import { Secret } from '../../secret.js';
import { askGarminCode, linkGarmin, sendGarminCode } from './garmin-link.js';

const flags: FlagSpec[] = [
  { name: 'email', type: 'string', value: 'E', env: 'FITSYNC_GARMIN_EMAIL', description: 'your Garmin Connect e-mail' },
  {
    name: 'password-stdin',
    type: 'boolean',
    description: 'read the Garmin password from stdin (else FITSYNC_GARMIN_PASSWORD or a hidden prompt)',
  },
  { name: 'challenge', type: 'string', value: 'ID', description: 'finish a pending Garmin sign-in (printed by an earlier connect)' },
  {
    name: 'mfa-code',
    type: 'string',
    value: 'CODE',
    env: 'FITSYNC_GARMIN_MFA_CODE',
    description: 'the code Garmin sent, with --challenge',
  },
];

export const definition: CommandDefinition = {
  group: 'garmin',
  name: 'connect',
  summary: 'Link your Garmin Connect account (asks for Garmin’s code when needed)',
  description: [
    'The FitSync server signs in to Garmin and keeps the Garmin tokens; your Garmin password is not stored.',
    'The password comes from a hidden prompt, stdin (--password-stdin) or FITSYNC_GARMIN_PASSWORD, never from an argument.',
    'Garmin sends its code only after the password was accepted: on a terminal it is asked for in the same run.',
    'Without a terminal the pending challenge is printed and the command exits 2; finish it before it expires with',
    '`fitsync garmin connect --challenge ID --mfa-code CODE` (or FITSYNC_GARMIN_MFA_CODE instead of --mfa-code).',
    'When Garmin is limiting sign-ins the command says how long to wait and exits 6; it never retries by itself.',
  ].join('\n'),
  usage: 'fitsync garmin connect [--email E] [--password-stdin] | --challenge ID --mfa-code CODE',
  flags,
  examples: [
    'fitsync garmin connect',
    'printf %s "$GARMIN_PASSWORD" | fitsync garmin connect --email me@example.com --password-stdin -o json',
    'fitsync garmin connect --challenge 3f2a… --mfa-code 123456',
  ],
};

export type GarminConnectOptions =
  | {
      mode: 'sign-in';
      email?: string;
      password: { from: 'stdin' } | { from: 'env'; value: Secret } | { from: 'prompt' };
    }
  | { mode: 'resume'; challengeId: string; code?: Secret };

const EMAIL_RE = /^[^@\s]+@[^@\s]+$/;
const CHALLENGE_RE = /^[A-Za-z0-9_-]{1,128}$/;
const CODE_RE = /^[A-Za-z0-9-]{1,32}$/;

function checkEmail(email: string): string {
  const e = email.trim();
  if (!EMAIL_RE.test(e) || e.length > 320) throw new UsageError('invalid Garmin e-mail', 'give the address you sign in to Garmin Connect with');
  return e;
}

function checkCode(code: string, from: string): Secret {
  const c = code.trim();
  if (!CODE_RE.test(c)) throw new UsageError(`invalid ${from}`, 'the code Garmin sent is a few digits or letters');
  return new Secret(c);
}

export function parse({ flags: f, env }: CommandInput): GarminConnectOptions {
  const challenge = stringFlag(f, 'challenge');
  const codeFlag = stringFlag(f, 'mfa-code');
  if (challenge === undefined) {
    if (codeFlag !== undefined) {
      throw new UsageError('--mfa-code needs --challenge ID', 'Garmin sends its code only after the password was accepted; run `fitsync garmin connect` first');
    }
    const email = stringFlag(f, 'email') ?? (env.FITSYNC_GARMIN_EMAIL || undefined);
    const opts: GarminConnectOptions = {
      mode: 'sign-in',
      password:
        f['password-stdin'] === true
          ? { from: 'stdin' }
          : env.FITSYNC_GARMIN_PASSWORD
            ? { from: 'env', value: new Secret(env.FITSYNC_GARMIN_PASSWORD) }
            : { from: 'prompt' },
    };
    if (email !== undefined) opts.email = checkEmail(email);
    return opts;
  }
  if (stringFlag(f, 'email') !== undefined || f['password-stdin'] === true) {
    throw new UsageError('--challenge cannot be combined with --email or --password-stdin', 'the password was already accepted; give only the code');
  }
  if (!CHALLENGE_RE.test(challenge)) throw new UsageError('invalid --challenge', 'use the challenge id printed by `fitsync garmin connect`');
  const code = codeFlag ?? (env.FITSYNC_GARMIN_MFA_CODE || undefined);
  return { mode: 'resume', challengeId: challenge, ...(code !== undefined ? { code: checkCode(code, codeFlag !== undefined ? '--mfa-code' : 'FITSYNC_GARMIN_MFA_CODE') } : {}) };
}

export async function run(opts: GarminConnectOptions, deps: Deps): Promise<number> {
  const { io } = deps;
  const interactive = io.canPrompt();
  const session = await deps.session();
  // Not signed in to FitSync: say so before asking for Garmin secrets.
  await session.credentials();
  if (opts.mode === 'resume') {
    let done: GarminConnected;
    if (opts.code) done = await sendGarminCode(session, opts.challengeId, opts.code.reveal());
    else if (interactive) done = await askGarminCode(session, opts.challengeId, deps.prompter(), io);
    else throw new UsageError('Garmin code required: pass --mfa-code CODE or set FITSYNC_GARMIN_MFA_CODE');
    return connected(deps, done);
  }

  let email = opts.email;
  if (email === undefined) {
    if (!interactive) throw new UsageError('Garmin e-mail required: pass --email or set FITSYNC_GARMIN_EMAIL');
    email = checkEmail(await deps.prompter().text('Garmin email: '));
  }
  let password: Secret;
  if (opts.password.from === 'stdin') password = await readStdinSecret(io, 'Garmin password');
  else if (opts.password.from === 'env') password = opts.password.value;
  else {
    if (!interactive) throw new UsageError('Garmin password required: use --password-stdin or set FITSYNC_GARMIN_PASSWORD');
    password = await deps.prompter().password('Garmin password: ');
    if (password.length === 0) throw new CancelledError('no password entered');
  }
  // With --password-stdin, stdin is used up: the code cannot be asked for in this run.
  const canAsk = interactive && opts.password.from !== 'stdin';
  io.info('Signing in to Garmin Connect…');
  const result = await linkGarmin(session, email, password, canAsk ? { kind: 'prompt', prompter: deps.prompter(), io } : { kind: 'none' });
  if (result.status === 'connected') return connected(deps, result);
  return pending(deps, result);
}

async function connected(deps: Deps, r: GarminConnected): Promise<number> {
  deps.io.info(`Garmin account connected (${r.display_name}).`);
  const format = await deps.output();
  if (format !== 'table') printRecord(deps.io.out, format, { status: r.status, display_name: r.display_name });
  return 0;
}

/** The two-step flow's first half: print the challenge and how to finish it; exit 2 (input needed). */
async function pending(deps: Deps, ch: GarminMfaRequired): Promise<number> {
  const format = await deps.output();
  printRecord(
    deps.io.out,
    format,
    { status: ch.status, challenge_id: ch.challenge_id, expires_in: ch.expires_in },
    { status: 'Status', challenge_id: 'Challenge', expires_in: 'Expires in (s)' },
  );
  const minutes = Math.max(1, Math.floor(ch.expires_in / 60));
  deps.io.info(
    `Garmin sent a code. Within ${minutes} minute${minutes === 1 ? '' : 's'}, finish with:\n` +
      `  fitsync garmin connect --challenge ${ch.challenge_id} --mfa-code CODE\n` +
      '(or set FITSYNC_GARMIN_MFA_CODE instead of passing --mfa-code)',
  );
  return 2;
}
