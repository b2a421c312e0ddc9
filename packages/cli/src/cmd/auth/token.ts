import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { sanitizeForTerminal } from '../../terminal-text.js';

export const definition: CommandDefinition = {
  group: 'auth',
  name: 'token',
  summary: 'Print a valid access token, for scripts',
  description: 'Refreshes the token first when it is about to expire. The token is printed on stdout only; treat it as a password.',
  usage: 'fitsync auth token',
  flags: [],
  examples: ['curl -H "Authorization: Bearer $(fitsync auth token)" https://fitsync.example.com/v1/me', 'fitsync auth token -o json'],
};

export type TokenOptions = Record<string, never>;

export function parse(_input: CommandInput): TokenOptions {
  return {};
}

export async function run(_opts: TokenOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const token = await session.accessToken();
  const creds = await session.credentials();
  const format = await deps.output();
  if (format === 'json') {
    deps.io.out.write(
      `${JSON.stringify({ access_token: token.reveal(), token_type: 'Bearer', expires_at: new Date(creds.accessExpiresAt).toISOString() })}\n`,
    );
  } else {
    // A real token is printable; one carrying control codes must not reach the terminal raw.
    deps.io.out.write(`${sanitizeForTerminal(token.reveal())}\n`);
  }
  return 0;
}
