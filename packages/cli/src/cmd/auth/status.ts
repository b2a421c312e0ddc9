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
    'Checks the session with the server (GET /v1/me, refreshing the token if needed), and shows the state of the Garmin link: when Garmin wants you to sign in again, a warning says so (the exit code stays 0).\nExit 0 when signed in, 3 when not (or the session was revoked), 6 when the server cannot be reached (the locally stored details are still shown). Never shows a token.',
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
  garmin_status: 'Garmin',
  garmin_reauth_required_at: 'Garmin sign-in needed since',
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
    const shown = record('signed in', await session.credentials(), me.mfa_enabled);
    shown.garmin_status = me.garmin_status;
    // Scripts get both fields always; the table shows the time only when there is one.
    if (format !== 'table' || me.garmin_reauth_required_at !== null) shown.garmin_reauth_required_at = me.garmin_reauth_required_at;
    if (me.garmin_status === 'reauth_required') await warnReauth(deps, shown, me.garmin_reauth_required_at);
    printRecord(deps.io.out, format, shown, LABELS);
    return 0;
  } catch (err) {
    if (err instanceof UnavailableError) printRecord(deps.io.out, format, record('server unreachable', local), LABELS);
    else if (err instanceof AuthError) printRecord(deps.io.out, format, { status: 'not signed in', server, profile: deps.globals.profile }, LABELS);
    throw err;
  }
}

/**
 * Being signed in to FitSync is what this command reports (so the exit code stays 0), but a
 * Garmin link that needs a new sign-in stops every sync: say so, with the time and the fix.
 * The time formatter is loaded only here, off the common path of a benchmarked command.
 */
async function warnReauth(deps: Deps, shown: Record<string, Scalar>, since: string | null): Promise<void> {
  const { localTime } = await import('../../health/health-format.js');
  if (since !== null && (await deps.output()) === 'table') shown.garmin_reauth_required_at = localTime(since);
  deps.io.warn(`Garmin needs you to sign in again${since === null ? '' : ` (since ${localTime(since)})`}: run \`fitsync garmin connect\``);
}
