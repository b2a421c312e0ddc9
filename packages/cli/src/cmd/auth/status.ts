import type { CommandDefinition, CommandInput } from '../../command.js';
import { asMe } from '../../client/answers.js';
import type { StoredCredentials } from '../../credentials/store.js';
import { AuthError, UnavailableError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { printRecord, type Scalar } from '../../output.js';

export const definition: CommandDefinition = {
  group: 'auth',
  name: 'status',
  summary: 'Show whether you are signed in',
  description:
    'Checks the session with the server (GET /v1/me, refreshing the token if needed).\nExit 0 when signed in, 3 when not (or the session was revoked), 6 when the server cannot be reached (the locally stored details are still shown). Never shows a token.',
  usage: 'fitsync auth status',
  flags: [],
  examples: ['fitsync auth status', 'fitsync auth status -o json', 'fitsync auth status --profile work'],
};

export type StatusOptions = Record<string, never>;

export function parse(_input: CommandInput): StatusOptions {
  return {};
}

const LABELS: Record<string, string> = {
  status: 'Status',
  server: 'Server',
  profile: 'Profile',
  username: 'User',
  user_id: 'User ID',
  mfa_enabled: 'MFA enabled',
  mfa_verified: 'MFA verified',
  access_expires_at: 'Access token expires',
  refresh_expires_at: 'Session expires',
};

export async function run(_opts: StatusOptions, deps: Deps): Promise<number> {
  const server = await deps.server();
  const format = await deps.output();
  const session = await deps.session();
  let local: StoredCredentials;
  try {
    local = await session.credentials();
  } catch (err) {
    if (err instanceof AuthError) printRecord(deps.io.out, format, { status: 'not signed in', server, profile: deps.globals.profile }, LABELS);
    throw err;
  }
  const record = (status: string, creds: StoredCredentials, mfaEnabled?: boolean): Record<string, Scalar> => ({
    status,
    server,
    profile: deps.globals.profile,
    username: creds.username,
    user_id: creds.userId,
    mfa_enabled: mfaEnabled,
    mfa_verified: creds.mfaVerified,
    access_expires_at: new Date(creds.accessExpiresAt).toISOString(),
    refresh_expires_at: new Date(creds.refreshExpiresAt).toISOString(),
  });
  try {
    const me = asMe((await session.request('GET', '/v1/me')).body);
    // The session may have been refreshed during the request: show the current expiry.
    printRecord(deps.io.out, format, record('signed in', await session.credentials(), me.mfa_enabled), LABELS);
    return 0;
  } catch (err) {
    if (err instanceof UnavailableError) printRecord(deps.io.out, format, record('server unreachable', local), LABELS);
    else if (err instanceof AuthError) printRecord(deps.io.out, format, { status: 'not signed in', server, profile: deps.globals.profile }, LABELS);
    throw err;
  }
}
