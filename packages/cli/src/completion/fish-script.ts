import type { FlagSpec } from '../args.js';
import type { CompletionSpec } from './completion-spec.js';
import { wordList } from './posix-functions.js';

/** A fish single-quoted string (inside one, only \\ and ' are special). */
function quote(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(/\s+/g, ' ')}'`;
}

function flagLine(f: FlagSpec, condition: string | undefined): string {
  const parts = ['complete -c fitsync'];
  if (condition) parts.push(`-n ${quote(condition)}`);
  parts.push(`-l ${f.name}`);
  if (f.short) parts.push(`-s ${f.short}`);
  // -x: a value from the list only; -r -F: a value, with file names offered (e.g. --out).
  if (f.values) parts.push(`-x -a ${wordList(f.values)}`);
  else if (f.type === 'string') parts.push('-r -F');
  parts.push(`-d ${quote(f.description)}`);
  return parts.join(' ');
}

/**
 * The fish completion script: `__fitsync_path` reads the group and command from the
 * line (skipping flags and their values), and one `complete` line per group,
 * subcommand and flag says where it applies.
 */
export function fishScript(spec: CompletionSpec): string {
  const lines = [
    '# fitsync completion for fish. Install it with',
    '#   fitsync completion fish > ~/.config/fish/completions/fitsync.fish',
    'function __fitsync_path --description "the fitsync group, command and arguments on the line"',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    // `contains --` and `string match --`: a word like --server is never read as an option of fish's own.
    `    set -l -- value_flags ${spec.valueFlags.join(' ')}`,
    '    set -l skip 0',
    '    for w in $words',
    '        if test $skip -eq 1',
    '            set skip 0',
    '        else if contains -- $w $value_flags',
    '            set skip 1',
    "        else if not string match -q -- '-*' $w",
    '            echo $w',
    '        end',
    '    end',
    'end',
    'function __fitsync_at --description "the line is at exactly this path"',
    '    set -l path (__fitsync_path)',
    '    test "$path" = "$argv"',
    'end',
    'function __fitsync_in --description "the line is inside this group and command"',
    '    set -l path (__fitsync_path)',
    '    set -l n (count $argv)',
    '    test (count $path) -ge $n; and test "$path[1..$n]" = "$argv"',
    'end',
    'complete -c fitsync -f',
    ...spec.globals.map((f) => flagLine(f, undefined)),
  ];
  for (const g of spec.groups) {
    lines.push(`complete -c fitsync -n '__fitsync_at' -a ${g.name} -d ${quote(g.summary)}`);
    for (const c of g.commands) {
      lines.push(`complete -c fitsync -n '__fitsync_at ${g.name}' -a ${c.name} -d ${quote(c.summary)}`);
      for (const f of c.flags) lines.push(flagLine(f, `__fitsync_in ${g.name} ${c.name}`));
      if (c.argValues === 'recent-jobs') {
        // `__complete jobs` prints "id<TAB>description", which fish shows as is; no network call.
        lines.push(`complete -c fitsync -n '__fitsync_at ${g.name} ${c.name}' -a '(command fitsync __complete jobs 2>/dev/null)'`);
      } else if (c.argValues) {
        lines.push(`complete -c fitsync -n '__fitsync_at ${g.name} ${c.name}' -a ${quote(c.argValues.join(' '))}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
