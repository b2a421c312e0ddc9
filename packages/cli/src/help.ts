import type { FlagSpec } from './args.js';
import type { CommandDefinition } from './command.js';
import { GROUPS, type GroupEntry } from './commands.js';
import { GLOBAL_FLAGS } from './globals.js';

const EXIT_CODES =
  'Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 not signed in / auth failed, 4 not found, 5 conflict, 6 server unavailable, 7 sync job failed, 130 interrupted (Ctrl-C).';

function flagLines(flags: readonly FlagSpec[]): string[] {
  const left = flags.map((f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.value ? ` ${f.value}` : ''}`);
  const w = Math.max(...left.map((l) => l.length));
  return flags.map((f, i) => `  ${(left[i] as string).padEnd(w)}   ${f.description}${f.env ? ` (env ${f.env})` : ''}`);
}

function section(title: string, lines: readonly string[]): string {
  return `${title}\n${lines.join('\n')}\n`;
}

export function rootHelp(): string {
  const groups = GROUPS.filter((g) => !g.hidden);
  const w = Math.max(...groups.map((g) => g.name.length));
  return [
    'fitsync: sync your Garmin Connect data into your own FitSync server, from the terminal.\n',
    section('USAGE', ['  fitsync <command> <subcommand> [flags]']),
    section('COMMANDS', groups.map((g) => `  ${`${g.name}:`.padEnd(w + 2)} ${g.summary}`)),
    section('GLOBAL FLAGS', flagLines(GLOBAL_FLAGS)),
    section('EXAMPLES', [
      '  $ fitsync auth login --server https://fitsync.example.com',
      '  $ fitsync auth status -o json',
      '  $ fitsync mfa enable',
    ]),
    section('LEARN MORE', ['  Use `fitsync <command> <subcommand> --help` for more about a command.', `  ${EXIT_CODES}`]),
  ].join('\n');
}

export function groupHelp(g: GroupEntry): string {
  const w = Math.max(...g.commands.map((c) => c.name.length));
  return [
    `${g.summary}.\n`,
    section('USAGE', [`  fitsync ${g.name} <subcommand> [flags]`]),
    section('SUBCOMMANDS', g.commands.map((c) => `  ${`${c.name}:`.padEnd(w + 2)} ${c.summary}`)),
    section('EXAMPLES', g.examples.map((e) => `  $ ${e}`)),
    section('LEARN MORE', [`  Use \`fitsync ${g.name} <subcommand> --help\` for more about a command.`]),
  ].join('\n');
}

export function commandHelp(d: CommandDefinition): string {
  const parts = [`${d.summary}.\n`];
  if (d.description) parts.push(`${d.description}\n`);
  parts.push(section('USAGE', [`  ${d.usage}`]));
  if (d.flags.length > 0) parts.push(section('FLAGS', flagLines(d.flags)));
  parts.push(section('GLOBAL FLAGS', flagLines(GLOBAL_FLAGS)));
  parts.push(section('EXAMPLES', d.examples.map((e) => `  $ ${e}`)));
  parts.push(section('LEARN MORE', [`  ${EXIT_CODES}`]));
  return parts.join('\n');
}
