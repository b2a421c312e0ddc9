import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { ApiClient } from './client/client.js';
import { type ProfileConfig, readProfileConfig } from './config.js';
import { CorruptCredentialsError, CredentialStore } from './credentials/store.js';
import { DEFAULT_SERVER, type GlobalOptions, type OutputFormat } from './globals.js';
import { type Interrupts, processInterrupts } from './interrupts.js';
import type { IOStreams } from './iostreams.js';
import { type Prompter, TerminalPrompter } from './prompter.js';
import { validateServerUrl } from './server-url.js';
import { Session } from './session.js';
import { sanitizeForTerminal } from './terminal-text.js';

/**
 * The one dependency object (GitHub CLI's Factory): built once per run, each
 * part created on first use so a command pays only for what it touches.
 */
export interface Deps {
  readonly io: IOStreams;
  readonly env: NodeJS.ProcessEnv;
  readonly runtime: Runtime;
  readonly globals: GlobalOptions;
  readonly version: string;
  /** Ctrl-C, for commands that end cleanly on it (following a job). */
  readonly interrupts: Interrupts;
  /** config.toml settings of the selected profile. */
  config(): Promise<ProfileConfig>;
  /** The validated server URL: --server/FITSYNC_SERVER, the profile's, the stored login's, else the default. */
  server(): Promise<string>;
  output(): Promise<OutputFormat>;
  credentials(): CredentialStore;
  api(): Promise<ApiClient>;
  session(): Promise<Session>;
  prompter(): Prompter;
  /** Verbose log line to stderr (no-op without -v). */
  debug(line: string): void;
}

export interface FactoryOptions {
  io: IOStreams;
  env: NodeJS.ProcessEnv;
  globals: GlobalOptions;
  version: string;
  runtime?: Runtime;
  prompter?: Prompter;
  interrupts?: Interrupts;
}

function once<T>(make: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value;
  };
}

export function createDeps(o: FactoryOptions): Deps {
  const runtime = o.runtime ?? systemRuntime;
  const { globals, io } = o;
  const debug = (line: string) => {
    if (globals.verbose) io.err.write(`${io.style('dim', sanitizeForTerminal(line))}\n`);
  };
  const config = once(() => readProfileConfig(globals.configDir, globals.profile));
  const credentials = once(() => new CredentialStore(globals.configDir, runtime, debug));
  const server = once(async () => {
    let raw = globals.server;
    raw ??= (await config()).server;
    if (raw === undefined) {
      try {
        raw = (await credentials().readCached(globals.profile))?.server;
      } catch (err) {
        // `auth login` replaces a corrupt file; other commands report it when they read tokens.
        if (!(err instanceof CorruptCredentialsError)) throw err;
      }
    }
    return validateServerUrl(raw ?? DEFAULT_SERVER);
  });
  const output = once(async () => globals.output ?? (await config()).output ?? 'table');
  const api = once(
    async () => new ApiClient({ baseUrl: await server(), runtime, userAgent: `fitsync-cli/${o.version}`, ...(globals.verbose ? { log: debug } : {}) }),
  );
  const session = once(async () => new Session(await api(), credentials(), globals.profile, runtime));
  const prompter = once(() => o.prompter ?? new TerminalPrompter(io));
  const interrupts = o.interrupts ?? processInterrupts;
  return { io, env: o.env, runtime, globals, version: o.version, interrupts, config, server, output, credentials, api, session, prompter, debug };
}
