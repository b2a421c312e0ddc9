import type { FlagSpec, FlagValues } from './args.js';
import { UsageError } from './errors.js';

export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];
export const DEFAULT_SERVER = 'http://127.0.0.1:8787';

/** Flags accepted on every command (spec: "Global flags"). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'server', type: 'string', value: 'URL', env: 'FITSYNC_SERVER', description: `API base URL (default: the profile's, else ${DEFAULT_SERVER})` },
  { name: 'profile', type: 'string', value: 'NAME', env: 'FITSYNC_PROFILE', description: 'named profile (default "default")' },
  { name: 'output', short: 'o', type: 'string', value: 'FMT', env: 'FITSYNC_OUTPUT', description: "output format: table, json or csv (default: the profile's, else table)", values: OUTPUT_FORMATS },
  { name: 'no-color', type: 'boolean', env: 'NO_COLOR', description: 'disable colour' },
  { name: 'verbose', short: 'v', type: 'boolean', env: 'FITSYNC_DEBUG', description: 'log requests on stderr (secrets redacted)' },
  { name: 'config-dir', type: 'string', value: 'DIR', env: 'FITSYNC_CONFIG_DIR', description: 'config directory (default $XDG_CONFIG_HOME/fitsync, else ~/.config/fitsync)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show help' },
  { name: 'version', type: 'boolean', description: 'print the version' },
];

/** Global options after flags, environment and defaults are merged; profile config comes later. */
export interface GlobalOptions {
  /** From --server / FITSYNC_SERVER only; undefined means "profile's, else default". */
  server?: string;
  profile: string;
  /** From -o / FITSYNC_OUTPUT only; undefined means "profile's, else table". */
  output?: OutputFormat;
  color: boolean;
  verbose: boolean;
  configDir: string;
}

const PROFILE_RE = /^[A-Za-z0-9_-]{1,64}$/;

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function parseOutputFormat(v: string, source: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(v)) return v as OutputFormat;
  throw new UsageError(`invalid output format "${v}" from ${source}`, 'use table, json or csv');
}

/** Flags win over environment variables, which win over defaults. */
export function resolveGlobals(flags: FlagValues, env: NodeJS.ProcessEnv, homeDir: string): GlobalOptions {
  const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const profile = str('profile') ?? (env.FITSYNC_PROFILE || 'default');
  if (!PROFILE_RE.test(profile)) {
    throw new UsageError(`invalid profile name "${profile}"`, 'use letters, digits, "-" and "_" (at most 64)');
  }
  const outFlag = str('output');
  const outEnv = env.FITSYNC_OUTPUT || undefined;
  const output =
    outFlag !== undefined
      ? parseOutputFormat(outFlag, '--output')
      : outEnv !== undefined
        ? parseOutputFormat(outEnv, 'FITSYNC_OUTPUT')
        : undefined;
  const server = str('server') ?? (env.FITSYNC_SERVER || undefined);
  // NO_COLOR: any non-empty value disables colour (https://no-color.org).
  const color = flags['no-color'] !== true && !env.NO_COLOR;
  const verbose = flags.verbose === true || truthy(env.FITSYNC_DEBUG);
  const xdg = env.XDG_CONFIG_HOME || `${homeDir}/.config`;
  const configDir = str('config-dir') ?? (env.FITSYNC_CONFIG_DIR || `${xdg}/fitsync`);
  const g: GlobalOptions = { profile, color, verbose, configDir };
  if (server !== undefined) g.server = server;
  if (output !== undefined) g.output = output;
  return g;
}
