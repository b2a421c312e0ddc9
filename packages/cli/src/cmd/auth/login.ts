import type { TokenPair } from '@fitsync/api';
import { type FlagSpec, stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { CancelledError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';
import { readStdinSecret } from '../../prompter.js';
import { Secret } from '../../secret.js';
import { credentialsFromPair } from '../../session.js';
import { type MfaInput, signIn } from '../../auth/sign-in.js';

const flags: FlagSpec[] = [
  { name: 'username', type: 'string', value: 'U', env: 'FITSYNC_USERNAME', description: 'your FitSync username' },
  { name: 'password-stdin', type: 'boolean', description: 'read the password from stdin (else FITSYNC_PASSWORD or a hidden prompt)' },
  { name: 'mfa-code', type: 'string', value: 'CODE', env: 'FITSYNC_MFA_CODE', description: 'authentication code, when MFA is on' },
  { name: 'recovery-code', type: 'string', value: 'CODE', description: 'a recovery code instead of an authentication code' },
  { name: 'web', type: 'boolean', description: 'sign in with the browser: approve a one-time code on the web app (no password here)' },
  { name: 'no-browser', type: 'boolean', description: 'with --web: only print the address, do not open a browser' },
];

/** Flags of the password sign-in, which --web replaces. */
const PASSWORD_FLAGS = ['username', 'password-stdin', 'mfa-code', 'recovery-code'] as const;

export const definition: CommandDefinition = {
  group: 'auth',
  name: 'login',
  summary: 'Sign in to a FitSync server',
  description:
    'The password comes from a hidden prompt, stdin (--password-stdin) or FITSYNC_PASSWORD, never from an argument.\n' +
    'When the account has MFA on, the code comes from --mfa-code, FITSYNC_MFA_CODE or --recovery-code, or is asked for.\n' +
    'With --web, no password is typed here: the CLI shows a one-time code and an address (RFC 8628 device login),\n' +
    'opens the browser there ($BROWSER, else the system opener when a display is available; not with --no-browser),\n' +
    'and waits until you approve the code on the web app, signed in there (MFA included). Denied or expired: exit 3.',
  usage: 'fitsync auth login [--username U] [--password-stdin] [--mfa-code CODE] [--recovery-code CODE]\n  fitsync auth login --web [--no-browser]',
  flags,
  examples: [
    'fitsync auth login --server https://fitsync.example.com',
    'printf %s "$PASSWORD" | fitsync auth login --username ada --password-stdin --mfa-code 123456',
    'FITSYNC_PASSWORD=… fitsync auth login --username ada --recovery-code abcd-efgh',
    'fitsync auth login --web',
    'fitsync auth login --web --no-browser   # over SSH: open the printed address on any device',
  ],
};

export interface LoginOptions {
  /** --web: the device login; the password fields below are then unused. */
  web?: { noBrowser: boolean };
  username?: string;
  password: { from: 'stdin' } | { from: 'env'; value: Secret } | { from: 'prompt' };
  mfa: { from: 'code'; value: Secret } | { from: 'recovery'; value: Secret } | { from: 'prompt' };
}

const USERNAME_RE = /^[A-Za-z0-9._@-]{1,64}$/;

export function parse({ flags: f, env }: CommandInput): LoginOptions {
  if (f.web === true) {
    const clash = PASSWORD_FLAGS.find((name) => f[name] !== undefined);
    if (clash) throw new UsageError(`--web cannot be used with --${clash}`, 'the browser sign-in asks for no password or code here');
    return { web: { noBrowser: f['no-browser'] === true }, password: { from: 'prompt' }, mfa: { from: 'prompt' } };
  }
  if (f['no-browser'] !== undefined) throw new UsageError('--no-browser goes with --web');
  const username = stringFlag(f, 'username') ?? (env.FITSYNC_USERNAME || undefined);
  if (username !== undefined && !USERNAME_RE.test(username)) {
    throw new UsageError('invalid username', 'use 1-64 letters, digits, ".", "_", "@" or "-"');
  }
  const code = stringFlag(f, 'mfa-code') ?? (env.FITSYNC_MFA_CODE || undefined);
  const recovery = stringFlag(f, 'recovery-code');
  if (stringFlag(f, 'mfa-code') !== undefined && recovery !== undefined) {
    throw new UsageError('--mfa-code and --recovery-code cannot be used together');
  }
  const opts: LoginOptions = {
    password: f['password-stdin'] === true ? { from: 'stdin' } : env.FITSYNC_PASSWORD ? { from: 'env', value: new Secret(env.FITSYNC_PASSWORD) } : { from: 'prompt' },
    mfa: recovery !== undefined ? { from: 'recovery', value: new Secret(recovery) } : code !== undefined ? { from: 'code', value: new Secret(code) } : { from: 'prompt' },
  };
  if (username !== undefined) opts.username = username;
  return opts;
}

export async function run(opts: LoginOptions, deps: Deps): Promise<number> {
  const server = await deps.server();
  if (opts.web) {
    // Loaded only for --web: the password sign-in does not pay for it.
    const { deviceLogin } = await import('../../auth/device-login.js');
    const { io, runtime, interrupts, env } = deps;
    const pair = await deviceLogin({ api: await deps.api(), io, runtime, interrupts, env, platform: process.platform }, opts.web);
    return finish(pair, server, deps);
  }
  const { io } = deps;
  const interactive = io.canPrompt();
  let username = opts.username;
  if (username === undefined) {
    if (!interactive) throw new UsageError('username required: pass --username or set FITSYNC_USERNAME');
    username = (await deps.prompter().text('Username: ')).trim();
    if (!USERNAME_RE.test(username)) throw new UsageError('invalid username');
  }
  let password: Secret;
  if (opts.password.from === 'stdin') password = await readStdinSecret(io, 'password');
  else if (opts.password.from === 'env') password = opts.password.value;
  else {
    if (!interactive) throw new UsageError('password required: use --password-stdin or set FITSYNC_PASSWORD');
    password = await deps.prompter().password('Password: ');
    if (password.length === 0) throw new CancelledError('no password entered');
  }
  // With --password-stdin, stdin is used up: the code cannot be asked for.
  const canAskCode = interactive && opts.password.from !== 'stdin';
  const mfa: MfaInput =
    opts.mfa.from === 'code'
      ? { kind: 'code', code: opts.mfa.value }
      : opts.mfa.from === 'recovery'
        ? { kind: 'recovery', code: opts.mfa.value }
        : canAskCode
          ? { kind: 'prompt', prompter: deps.prompter(), io }
          : { kind: 'none', missingHint: 'pass --mfa-code or set FITSYNC_MFA_CODE (or use --recovery-code)' };
  const api = await deps.api();
  const pair = await signIn(api, username, password, mfa);
  return finish(pair, server, deps);
}

/** Stores the new session as the profile's credentials and says so; the same for every way of signing in. */
async function finish(pair: TokenPair, server: string, deps: Deps): Promise<number> {
  const { io } = deps;
  const creds = credentialsFromPair(pair, server, deps.runtime.now());
  const { replacedCorrupt } = await deps.credentials().write(deps.globals.profile, creds, { replaceCorrupt: true });
  if (replacedCorrupt) io.warn(`replaced the corrupt credentials file ${deps.credentials().path}`);
  io.info(`Signed in as ${pair.user.username} to ${server}`);
  const format = await deps.output();
  if (format !== 'table') {
    printRecord(io.out, format, {
      server,
      profile: deps.globals.profile,
      username: pair.user.username,
      user_id: pair.user.user_id,
      session_id: pair.session_id,
      mfa_enabled: pair.user.mfa_enabled,
      mfa_verified: pair.mfa_verified,
      access_expires_at: new Date(creds.accessExpiresAt).toISOString(),
      refresh_expires_at: new Date(creds.refreshExpiresAt).toISOString(),
    });
  }
  return 0;
}
