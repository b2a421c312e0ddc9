import { join } from 'node:path';
import { UsageError } from './errors.js';
import { type OutputFormat, parseOutputFormat } from './globals.js';
import { readSmallFile } from './read-small-file.js';
import { loadToml } from './toml.js';

/** Settings of one profile from `config.toml` (`[profiles.NAME]`). */
export interface ProfileConfig {
  server?: string;
  output?: OutputFormat;
}

/**
 * Reads `[profiles.<profile>]` from config.toml. A missing file is an empty
 * config; an unreadable or invalid one is a UsageError naming the file.
 */
export async function readProfileConfig(configDir: string, profile: string): Promise<ProfileConfig> {
  const path = join(configDir, 'config.toml');
  let text: string;
  try {
    // Sync reads: one small file, and no thread-pool round trips at start-up.
    text = readSmallFile(path);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const { parse } = await loadToml();
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch {
    throw new UsageError(`${path} is not valid TOML`, 'fix or delete the file');
  }
  const profiles = doc.profiles;
  const p = isTable(profiles) ? profiles[profile] : undefined;
  if (p === undefined) return {};
  if (!isTable(p)) throw new UsageError(`${path}: [profiles.${profile}] must be a table`);
  const out: ProfileConfig = {};
  if (p.server !== undefined) {
    if (typeof p.server !== 'string') throw new UsageError(`${path}: profiles.${profile}.server must be a string`);
    out.server = p.server;
  }
  if (p.output !== undefined) {
    if (typeof p.output !== 'string') throw new UsageError(`${path}: profiles.${profile}.output must be a string`);
    out.output = parseOutputFormat(p.output, path);
  }
  return out;
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}
