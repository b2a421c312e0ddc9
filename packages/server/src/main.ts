import { parseArgs } from 'node:util';
import { BACKUP_HELP, MAIN_HELP, MIGRATE_HELP, REBUILD_HELP, START_HELP, USER_HELP } from './cli/help.js';
import { type CliIo, processIo, UsageError } from './cli/io.js';
import { type Config, ConfigError, loadConfig } from './config.js';

// Commands load their modules (fastify, database drivers, argon2) only when they run, so
// `--help` and usage errors answer fast.
function isUserAdminError(err: unknown): err is Error & { exitCode: number } {
  return err instanceof Error && err.name === 'UserAdminError' && typeof (err as { exitCode?: unknown }).exitCode === 'number';
}

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  user: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const START_ONLY = ['host', 'port', 'tls-cert', 'tls-key'] as const;

/** The admin CLI. Returns the exit code; errors become one line on stderr, never a stack trace. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr.write(`fitsync-server: ${err.message}\n`);
      return 2;
    }
    if (isUserAdminError(err)) {
      io.stderr.write(`fitsync-server: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`fitsync-server: ${describe(err)}\n`);
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (!command) {
    io.stdout.write(MAIN_HELP);
    return values.help ? 0 : 2;
  }
  if (command !== 'start') {
    const wrong = START_ONLY.filter((k) => values[k] !== undefined);
    if (wrong.length > 0) throw new UsageError(`--${wrong[0]} only applies to start`);
  }
  if (command !== 'user' && values['password-stdin']) throw new UsageError('--password-stdin only applies to user add');
  if (command !== 'rebuild' && values.user !== undefined) throw new UsageError('--user only applies to rebuild');
  if (command !== 'backup' && values.force) throw new UsageError('--force only applies to backup');

  const help = values.help === true;
  const config = () =>
    loadConfig(
      {
        host: values.host,
        port: values.port,
        dataDir: values['data-dir'],
        tlsCert: values['tls-cert'],
        tlsKey: values['tls-key'],
      },
      io.env,
    );

  switch (command) {
    case 'start':
      if (help) return printed(io, START_HELP);
      if (rest.length > 0) throw new UsageError(`start takes no arguments, got "${rest[0]}"`);
      return startWith(config(), io);
    case 'migrate': {
      if (help) return printed(io, MIGRATE_HELP);
      if (rest.length > 0) throw new UsageError(`migrate takes no arguments, got "${rest[0]}"`);
      const c = config();
      const { openStores } = await import('./cli/open-stores.js');
      const db = await openStores(c);
      try {
        const { moveIntoConfiguredStore } = await import('./blobs/blob-move.js');
        await moveIntoConfiguredStore(c.blobs.store, db, c.dataDir, (line) => io.stderr.write(`${line}\n`));
      } finally {
        await db.close();
      }
      io.stdout.write('Database is up to date.\n');
      return 0;
    }
    case 'user':
      if (help) return printed(io, USER_HELP);
      return userWith(config(), io, rest[0], rest.slice(1), values['password-stdin'] === true);
    case 'rebuild': {
      if (help) return printed(io, REBUILD_HELP);
      if (rest.length > 0) throw new UsageError(`rebuild takes no arguments, got "${rest[0]}" (one user: --user NAME)`);
      const c = config();
      return (await import('./cli/rebuild-command.js')).runRebuild(c, io, values.user);
    }
    case 'backup': {
      if (help) return printed(io, BACKUP_HELP);
      if (rest.length !== 1) throw new UsageError(rest.length === 0 ? 'backup needs a FILE to write (see --help)' : `backup takes one FILE, got "${rest[1]}" too`);
      const c = config();
      return (await import('./cli/backup-command.js')).runBackup(c, io, rest[0]!, values.force === true);
    }
    case 'help':
      return printed(io, MAIN_HELP);
    default:
      throw new UsageError(`unknown command "${command}" (start, migrate, user, rebuild, backup; see --help)`);
  }
}

// Config is validated before the heavy modules load, so bad input answers fast.
async function startWith(c: Config, io: CliIo): Promise<number> {
  return (await import('./cli/start-command.js')).runStart(c, io);
}

async function userWith(c: Config, io: CliIo, sub: string | undefined, args: string[], passwordStdin: boolean): Promise<number> {
  return (await import('./cli/user-command.js')).runUser(c, io, sub, args, passwordStdin);
}

function printed(io: CliIo, text: string): number {
  io.stdout.write(text);
  return 0;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') return 'the port is already in use';
  if (e?.code === 'EACCES') return `permission denied${e.path ? `: ${e.path}` : ''}`;
  if (e?.code === 'ECONNREFUSED') return 'cannot reach the database (connection refused)';
  if (e?.code === 'ENOENT' && e.path) return `no such file: ${e.path}`;
  // Driver messages are safe to show here (no request data is involved in admin commands).
  return e instanceof Error ? e.message : String(err);
}
