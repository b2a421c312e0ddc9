import type { CommandDefinition, CommandInput } from '../../command.js';
import { AuthError, UnavailableError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';

export const definition: CommandDefinition = {
  group: 'auth',
  name: 'logout',
  summary: 'Revoke the session and remove the local credentials',
  description:
    'Revokes the session on the server (POST /v1/auth/logout). When the server cannot be reached the local credentials are still removed, with a warning.',
  usage: 'fitsync auth logout',
  flags: [],
  examples: ['fitsync auth logout', 'fitsync auth logout --profile work', 'fitsync auth logout -o json   # {status, server, profile, revoked}'],
};

export type LogoutOptions = Record<string, never>;

export function parse(_input: CommandInput): LogoutOptions {
  return {};
}

export async function run(_opts: LogoutOptions, deps: Deps): Promise<number> {
  const { io } = deps;
  // Validates --server/FITSYNC_SERVER even though the revocation goes to the stored server.
  await deps.server();
  const store = deps.credentials();
  const profile = deps.globals.profile;
  const creds = await store.read(profile);
  if (!creds) {
    io.info(`Not signed in (profile "${profile}"); nothing to do.`);
    await printOutcome(deps, { status: 'not signed in', server: await deps.server(), profile, revoked: false });
    return 0;
  }
  // Revoke where the tokens came from, whatever --server says now.
  const { validateServerUrl } = await import('../../server-url.js');
  const server = validateServerUrl(creds.server);
  const { ApiClient } = await import('../../client/client.js');
  const api = new ApiClient({
    baseUrl: server,
    runtime: deps.runtime,
    ...(deps.globals.verbose ? { log: (l: string) => deps.debug(l) } : {}),
  });
  let revoked = true;
  try {
    await api.request('POST', '/v1/auth/logout', { body: { refresh_token: creds.refreshToken.reveal() } });
  } catch (err) {
    if (err instanceof UnavailableError) {
      revoked = false;
      io.warn(`${err.message}; the session was not revoked on the server, only removed here`);
    } else if (!(err instanceof AuthError)) {
      // An AuthError means the session is already dead on the server: nothing to revoke.
      throw err;
    }
  }
  await store.write(profile, undefined);
  io.info(revoked ? `Signed out of ${server}` : `Removed the local credentials for ${server}`);
  await printOutcome(deps, { status: 'signed out', server, profile, revoked });
  return 0;
}

/**
 * -o json|csv: one document on stdout (product.md, CLI contract) for scripts: `revoked` says whether
 * the server revoked the session (false: it was unreachable, or nothing was stored). Tables stay quiet.
 */
async function printOutcome(deps: Deps, outcome: { status: string; server: string; profile: string; revoked: boolean }): Promise<void> {
  const format = await deps.output();
  if (format !== 'table') printRecord(deps.io.out, format, outcome);
}
