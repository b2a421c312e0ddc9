import type { FlagSpec } from '../args.js';
import { type CompletionSpec, spellings } from './completion-spec.js';

/** `'a b c'`: the words are plain (completion-spec.ts checks), so one single-quoted list is safe. */
export function wordList(words: readonly string[]): string {
  return `'${words.join(' ')}'`;
}

function flagWords(flags: readonly FlagSpec[]): string[] {
  return flags.flatMap(spellings);
}

/** `  'a b'|'a c') echo 'x y' ;;` case arms; `pattern` spells the subject, e.g. "group cmd". */
function arm(patterns: readonly string[], body: string): string {
  return `    ${patterns.map((p) => `'${p}'`).join('|')}) ${body} ;;`;
}

/**
 * Shell functions that answer "what may come here" from the command table, in the
 * syntax bash and zsh share (functions, case, echo), so both scripts carry the same data:
 * `_fitsync_groups`, `_fitsync_subcommands GROUP`, `_fitsync_flags GROUP CMD`,
 * `_fitsync_values GROUP CMD FLAG`, `_fitsync_args GROUP CMD`, and `_fitsync_value_flags`.
 */
export function posixFunctions(spec: CompletionSpec): string {
  const groups = spec.groups;
  const commands = groups.flatMap((g) => g.commands.map((c) => ({ g, c })));
  const globalValues = spec.globals.filter((f) => f.values).map((f) => arm(spellings(f), `echo ${wordList(f.values ?? [])}; return`));
  const values = commands.flatMap(({ g, c }) =>
    c.flags.filter((f) => f.values).map((f) => arm(spellings(f).map((s) => `${g.name} ${c.name} ${s}`), `echo ${wordList(f.values ?? [])}`)),
  );
  const jobs = commands.filter(({ c }) => c.argValues === 'recent-jobs').map(({ g, c }) => `${g.name} ${c.name}`);
  const fixed = commands.flatMap(({ g, c }) => (Array.isArray(c.argValues) ? [arm([`${g.name} ${c.name}`], `echo ${wordList(c.argValues)}`)] : []));
  return [
    `_fitsync_value_flags=' ${spec.valueFlags.join(' ')} '`,
    `_fitsync_groups() { echo ${wordList(groups.map((g) => g.name))}; }`,
    '_fitsync_subcommands() {',
    '  case "$1" in',
    ...groups.map((g) => arm([g.name], `echo ${wordList(g.commands.map((c) => c.name))}`)),
    '  esac',
    '}',
    '_fitsync_flags() {',
    '  case "$1 $2" in',
    ...commands.filter(({ c }) => c.flags.length > 0).map(({ g, c }) => arm([`${g.name} ${c.name}`], `echo ${wordList(flagWords(c.flags))}`)),
    '  esac',
    `  echo ${wordList(flagWords(spec.globals))}`,
    '}',
    '_fitsync_values() {',
    '  case "$3" in',
    ...globalValues,
    '  esac',
    '  case "$1 $2 $3" in',
    ...values,
    '  esac',
    '}',
    '_fitsync_args() {',
    '  case "$1 $2" in',
    // The ids come from a local cache the sync commands keep: no network call on Tab.
    ...(jobs.length > 0 ? [arm(jobs, 'command fitsync __complete jobs 2>/dev/null | cut -f1')] : []),
    ...fixed,
    '  esac',
    '}',
  ].join('\n');
}
