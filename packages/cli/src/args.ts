import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** One command-line flag. Values are strings or booleans; commands convert further. */
export interface FlagSpec {
  name: string;
  short?: string;
  type: 'boolean' | 'string';
  /** Placeholder shown in help, e.g. "CODE". */
  value?: string;
  env?: string;
  description: string;
  /** The fixed set of values a string flag takes, when there is one (shell completion offers them). */
  values?: readonly string[];
}

export type FlagValues = Record<string, string | boolean | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
}

type ParseArgsOptions = Record<string, { type: 'boolean' | 'string'; short?: string }>;

/** `specs` as node:util.parseArgs options. */
function parseArgsOptions(specs: readonly FlagSpec[]): ParseArgsOptions {
  const options: ParseArgsOptions = {};
  for (const s of specs) options[s.name] = s.short ? { type: s.type, short: s.short } : { type: s.type };
  return options;
}

/** The tokens node:util.parseArgs sees in `args` (non-strict: the rules and messages are ours). */
export function flagTokens(args: readonly string[], specs: readonly FlagSpec[]) {
  return parseArgs({ args: [...args], options: parseArgsOptions(specs), strict: false, allowPositionals: true, tokens: true }).tokens;
}

/**
 * Parses `tokens` against `specs` with node:util.parseArgs: `--name value`, `--name=value`,
 * `-x value`, `-xvalue`, `--` ends flags; a negative number (`-5`) is an argument. On top of
 * parseArgs: an unknown flag is a UsageError with a did-you-mean hint; a string flag needs a
 * value (`--out --force` is a missing value, not the value "--force"); a boolean takes none; a
 * string flag may be given once.
 */
export function parseFlags(tokens: readonly string[], specs: readonly FlagSpec[], context: string): ParsedArgs {
  const flags: FlagValues = {};
  const positionals: string[] = [];
  let negative = -1;
  for (const t of flagTokens(tokens, specs)) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const raw = tokens[t.index] as string;
    if (/^-\d/.test(raw)) {
      // parseArgs reads "-12" as the short flags 1 and 2 (one token each): one argument.
      if (negative !== t.index) positionals.push(raw);
      negative = t.index;
      continue;
    }
    const spec = specs.find((s) => s.name === t.name && (t.rawName === `--${s.name}` || t.rawName === `-${s.short}`));
    if (!spec) throw unknownFlag(t.rawName, specs, context);
    if (spec.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`flag --${spec.name} does not take a value`);
      flags[spec.name] = true;
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--') && t.value.length > 2)) {
      throw new UsageError(`flag --${spec.name} needs a value (${spec.value ?? 'VALUE'})`);
    }
    if (flags[spec.name] !== undefined) throw new UsageError(`flag --${spec.name} given more than once`);
    flags[spec.name] = t.value;
  }
  return { flags, positionals };
}

function unknownFlag(flag: string, specs: readonly FlagSpec[], context: string): UsageError {
  const name = flag.replace(/^-+/, '');
  const near = specs.map((s) => s.name).find((n) => distance(n, name) <= 2);
  return new UsageError(
    `unknown flag ${flag} for "${context}"`,
    near ? `did you mean --${near}? See \`${context} --help\`.` : `see \`${context} --help\``,
  );
}

/** Levenshtein distance, for "did you mean" hints. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** A string flag's value, or undefined. */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}
