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
}

export type FlagValues = Record<string, string | boolean | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
}

/**
 * Parses `tokens` against `specs`: `--name value`, `--name=value`, `-x value`,
 * `-xvalue`, `--no-NAME` only where a flag is literally named so, `--` ends flags.
 * Unknown flags are a UsageError with a hint.
 */
export function parseFlags(tokens: readonly string[], specs: readonly FlagSpec[], context: string): ParsedArgs {
  const flags: FlagValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    if (tok === '--') {
      positionals.push(...tokens.slice(i + 1));
      break;
    }
    if (tok.startsWith('--') || (tok.startsWith('-') && tok.length > 1 && !/^-\d/.test(tok))) {
      const long = tok.startsWith('--');
      const eq = long ? tok.indexOf('=') : -1;
      const key = long ? tok.slice(2, eq === -1 ? undefined : eq) : tok.slice(1, 2);
      const spec = specs.find((s) => (long ? s.name === key : s.short === key));
      if (!spec) throw unknownFlag(tok, specs, context);
      let inline: string | undefined;
      if (long && eq !== -1) inline = tok.slice(eq + 1);
      else if (!long && tok.length > 2) inline = tok.slice(2);
      if (spec.type === 'boolean') {
        if (inline !== undefined) throw new UsageError(`flag --${spec.name} does not take a value`);
        flags[spec.name] = true;
        continue;
      }
      if (inline === undefined) {
        const next = tokens[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new UsageError(`flag --${spec.name} needs a value (${spec.value ?? 'VALUE'})`);
        }
        inline = next;
        i++;
      }
      if (flags[spec.name] !== undefined) throw new UsageError(`flag --${spec.name} given more than once`);
      flags[spec.name] = inline;
      continue;
    }
    positionals.push(tok);
  }
  return { flags, positionals };
}

function unknownFlag(tok: string, specs: readonly FlagSpec[], context: string): UsageError {
  const name = tok.replace(/^-+/, '').split('=')[0] ?? '';
  const near = specs.map((s) => s.name).find((n) => distance(n, name) <= 2);
  return new UsageError(
    `unknown flag ${tok.split('=')[0]} for "${context}"`,
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
