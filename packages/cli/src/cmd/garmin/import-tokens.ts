import type { GarminConnected } from '@fitsync/api';
import { asGarminConnected } from '../../client/answers.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { AuthError, CliError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { tokensFromFiles } from '../../garmin/token-body.js';
import { expandTokenPath, readTokenFiles } from '../../garmin/token-path.js';
import { printRecord } from '../../output.js';
import { garminError } from './garmin-errors.js';

export const definition: CommandDefinition = {
  group: 'garmin',
  name: 'import-tokens',
  summary: 'Link Garmin with the tokens python-garminconnect or garth saved (no sign-in)',
  description: [
    'PATH is python-garminconnect’s token file or folder (garmin_tokens.json, usually in ~/.garminconnect),',
    'garth’s token folder (oauth1_token.json + oauth2_token.json, usually ~/.garth), or a file holding garth’s',
    'base64 token string. The tokens are checked here first (nothing is sent when they are malformed, expired or',
    'not for garmin.com), then the server checks them with one Garmin profile call and links the account.',
    'No Garmin sign-in happens, so no MFA code is asked for. Symbolic links and files over 64 KiB are refused.',
    'Exit 2: malformed or unsupported tokens; 3: expired, or Garmin refused them; 6: Garmin unavailable.',
  ].join('\n'),
  usage: 'fitsync garmin import-tokens PATH',
  flags: [],
  maxArgs: 1,
  examples: [
    'fitsync garmin import-tokens ~/.garminconnect',
    'fitsync garmin import-tokens ~/.garminconnect/garmin_tokens.json',
    'fitsync garmin import-tokens ~/.garth -o json',
  ],
};

export interface GarminImportTokensOptions {
  /** Absolute, `~` expanded. */
  path: string;
}

export function parse({ positionals, env }: CommandInput): GarminImportTokensOptions {
  const raw = positionals[0];
  if (raw === undefined || raw.trim() === '') throw new UsageError('PATH required', `usage: ${definition.usage}`);
  return { path: expandTokenPath(raw, env.HOME || env.USERPROFILE || '/', process.cwd()) };
}

export async function run(opts: GarminImportTokensOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  // Not signed in to FitSync: say so before reading Garmin secrets.
  await session.credentials();
  const { body, source } = tokensFromFiles(readTokenFiles(opts.path), Math.floor(deps.runtime.now() / 1000));
  deps.io.info(`Read a ${source}; checking the tokens with Garmin…`);
  let linked: GarminConnected;
  try {
    linked = asGarminConnected((await session.request('PUT', '/v1/garmin/connection/tokens', { body })).body);
  } catch (err) {
    throw importError(err);
  }
  deps.io.info(`Garmin account connected (${linked.display_name}) with the imported tokens.`);
  const format = await deps.output();
  if (format !== 'table') printRecord(deps.io.out, format, { status: linked.status, display_name: linked.display_name });
  return 0;
}

/** The server's refusals of imported tokens, worded for this command (its detail says what was wrong). */
function importError(err: unknown): unknown {
  if (!(err instanceof CliError) || !err.api) return err;
  const f = err.api;
  let out: CliError;
  if (f.code === 'garmin_auth_failed') out = new AuthError(f.detail ?? 'Garmin refused the imported tokens');
  else if (f.code === 'validation_error') out = new UsageError(f.detail ?? 'the server refused the token file as malformed');
  else return garminError(err);
  out.api = f;
  return out;
}
