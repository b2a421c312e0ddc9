import type { FlagSpec } from '../args.js';
import { GROUPS, type GroupEntry } from '../commands.js';
import { GLOBAL_FLAGS } from '../globals.js';

/** One command as completion sees it. */
export interface CompletionCommand {
  name: string;
  summary: string;
  flags: readonly FlagSpec[];
  argValues?: 'recent-jobs' | readonly string[];
}
export interface CompletionGroup {
  name: string;
  summary: string;
  commands: readonly CompletionCommand[];
}

/** Everything a completion script needs, taken from the command table (the one source of truth). */
export interface CompletionSpec {
  globals: readonly FlagSpec[];
  groups: readonly CompletionGroup[];
  /** Every spelling of a flag that takes a value (`--type`, `-o`): the word after it is that value. */
  valueFlags: readonly string[];
}

// Names and values are written into shell scripts unquoted: only plain words may pass.
const WORD = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function word(w: string, what: string): string {
  if (!WORD.test(w)) throw new Error(`completion: ${what} "${w}" is not a plain word`);
  return w;
}

/** `--name` and, when there is one, `-x`. */
export function spellings(f: FlagSpec): string[] {
  return f.short ? [`--${f.name}`, `-${f.short}`] : [`--${f.name}`];
}

/**
 * Builds the spec by loading every visible command module: this runs only for
 * `fitsync completion SHELL` (once, when the script is installed), never at start-up.
 * Throws when the table has something the scripts cannot carry: a name that is not a
 * plain word, or a flag spelling that takes a value in one command and none in another
 * (the scripts skip a flag's value by its spelling alone).
 */
export async function completionSpec(groups: readonly GroupEntry[] = GROUPS): Promise<CompletionSpec> {
  const visible = groups.filter((g) => !g.hidden);
  const out: CompletionGroup[] = [];
  for (const g of visible) {
    const commands: CompletionCommand[] = [];
    for (const c of g.commands) {
      const d = (await c.load()).definition;
      const cmd: CompletionCommand = { name: word(c.name, 'command'), summary: c.summary, flags: d.flags };
      if (Array.isArray(d.argValues)) for (const v of d.argValues) word(v, `argument of ${c.name}`);
      if (d.argValues) cmd.argValues = d.argValues;
      commands.push(cmd);
    }
    out.push({ name: word(g.name, 'command'), summary: g.summary, commands });
  }
  // `fitsync help GROUP`: the groups are its "commands".
  out.push({ name: 'help', summary: 'Help about any command', commands: visible.map((g) => ({ name: g.name, summary: g.summary, flags: [] })) });
  const takesValue = new Map<string, boolean>();
  for (const f of [...GLOBAL_FLAGS, ...out.flatMap((g) => g.commands.flatMap((c) => c.flags))]) {
    for (const v of f.values ?? []) word(v, `value of --${f.name}`);
    for (const s of spellings(f)) {
      word(s.replace(/^-+/, ''), 'flag');
      const value = f.type === 'string';
      if (takesValue.has(s) && takesValue.get(s) !== value) throw new Error(`completion: flag ${s} takes a value in one command and none in another`);
      takesValue.set(s, value);
    }
  }
  return { globals: GLOBAL_FLAGS, groups: out, valueFlags: [...takesValue].filter(([, v]) => v).map(([s]) => s) };
}
