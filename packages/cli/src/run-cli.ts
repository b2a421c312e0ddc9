// The dispatcher: global flags, help, the command path, the chosen command
// (loaded with import()), and the one mapping from errors to exit codes.
// Commands, the factory, TOML and HTTP load only once a command needs them.
import { distance, type FlagValues, flagTokens, parseFlags } from './args.js';
import type { Runtime } from '@fitsync/runtime';
import { findGroup, GROUPS } from './commands.js';
import { CliError, exitCodeFor, UsageError } from './errors.js';
import { GLOBAL_FLAGS, resolveGlobals } from './globals.js';
import { IOStreams } from './iostreams.js';
import { sanitizeForTerminal } from './terminal-text.js';
import type { Interrupts } from './interrupts.js';
import type { Prompter } from './prompter.js';

/** Test seams; by default the real process streams, environment and runtime (clock, timers, randomness). */
export interface MainOptions {
  io?: IOStreams;
  env?: NodeJS.ProcessEnv;
  runtime?: Runtime;
  homeDir?: string;
  prompter?: Prompter;
  interrupts?: Interrupts;
}

/** Runs the CLI; returns the exit code (only the bin sets process.exitCode). */
export async function runCli(argv: string[], o: MainOptions, VERSION: string): Promise<number> {
  const io = o.io ?? IOStreams.system();
  const env = o.env ?? process.env;
  const homeDir = o.homeDir ?? env.HOME ?? env.USERPROFILE ?? '.';
  let verbose = env.FITSYNC_DEBUG !== undefined && env.FITSYNC_DEBUG !== '' && env.FITSYNC_DEBUG !== '0';
  try {
    const { pre, path, rest } = splitCommandPath(argv);
    const preParsed = parseFlags(pre, GLOBAL_FLAGS, 'fitsync');
    let globals = resolveGlobals(preParsed.flags, env, homeDir);
    verbose = globals.verbose;
    if (!globals.color) io.disableColor();
    if (preParsed.flags.version === true) {
      io.out.write(`fitsync ${VERSION}\n`);
      return 0;
    }
    const helpWanted = preParsed.flags.help === true || path[0] === 'help';
    const cmdPath = path[0] === 'help' ? path.slice(1) : path;
    // Help text is loaded only when shown.
    const help = () => import('./help.js');
    if (cmdPath.length === 0) {
      io.out.write((await help()).rootHelp());
      return 0;
    }
    const group = findGroup(cmdPath[0]);
    if (!group) throw unknownCommand(cmdPath[0] as string, GROUPS.filter((g) => !g.hidden).map((g) => g.name), 'fitsync');
    if (cmdPath.length === 1) {
      io.out.write((await help()).groupHelp(group));
      return 0;
    }
    const entry = group.commands.find((c) => c.name === cmdPath[1]);
    if (!entry) throw unknownCommand(cmdPath[1] as string, group.commands.map((c) => c.name), `fitsync ${group.name}`);
    if (cmdPath.length > 2 && path[0] === 'help') throw new UsageError(`unknown help topic "${cmdPath.join(' ')}"`);
    const mod = await entry.load();
    const def = mod.definition;
    const context = `fitsync ${def.group} ${def.name}`;
    const parsed = parseFlags(rest, [...GLOBAL_FLAGS, ...def.flags], context);
    if (helpWanted || parsed.flags.help === true) {
      io.out.write((await help()).commandHelp(def));
      return 0;
    }
    if (parsed.positionals.length > (def.maxArgs ?? 0)) {
      throw new UsageError(`unexpected argument "${parsed.positionals[def.maxArgs ?? 0]}" for "${context}"`, `see \`${context} --help\``);
    }
    const globalFlags: FlagValues = { ...preParsed.flags };
    const cmdFlags: FlagValues = {};
    for (const [k, v] of Object.entries(parsed.flags)) {
      if (GLOBAL_FLAGS.some((g) => g.name === k)) {
        if (globalFlags[k] !== undefined && typeof v === 'string') throw new UsageError(`flag --${k} given more than once`);
        globalFlags[k] = v;
      } else cmdFlags[k] = v;
    }
    globals = resolveGlobals(globalFlags, env, homeDir);
    verbose = globals.verbose;
    if (!globals.color) io.disableColor();
    const opts = mod.parse({ flags: cmdFlags, positionals: parsed.positionals, env });
    const { createDeps } = await import('./factory.js');
    const deps = createDeps({
      io,
      env,
      globals,
      version: VERSION,
      ...(o.runtime ? { runtime: o.runtime } : {}),
      ...(o.prompter ? { prompter: o.prompter } : {}),
      ...(o.interrupts ? { interrupts: o.interrupts } : {}),
    });
    return (await mod.run(opts as never, deps)) ?? 0;
  } catch (err) {
    return reportError(io, err, verbose);
  }
}

/**
 * Splits argv into global-flag tokens seen before the command path, the path
 * itself (`auth login`, or `help auth login`), and the rest for the command's parser.
 */
export function splitCommandPath(argv: readonly string[]): { pre: string[]; path: string[]; rest: string[] } {
  const pre: string[] = [];
  const path: string[] = [];
  const tokens = flagTokens(argv, GLOBAL_FLAGS);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as (typeof tokens)[number];
    const complete = path.length === 2 || (path.length === 1 && !findGroup(path[0]) && path[0] !== 'help');
    const helpComplete = path[0] === 'help' && path.length === 3;
    if ((complete && path[0] !== 'help') || helpComplete) return { pre, path, rest: argv.slice(t.index) };
    if (t.kind === 'positional') {
      path.push(t.value);
      continue;
    }
    const global = t.kind === 'option' && GLOBAL_FLAGS.some((f) => t.rawName === `--${f.name}` || t.rawName === `-${f.short}`);
    if (!global) {
      // A command flag (or `--`) before the command is complete: the command parser will judge it.
      if (path.length > 0 && path[0] !== 'help') return { pre, path, rest: argv.slice(t.index) };
      throw new UsageError(`unknown flag ${t.kind === 'option' ? t.rawName : '--'}`, 'see `fitsync --help`');
    }
    // The flag's own argv entries (with a value it took from the next one); a group like -vo
    // yields a token per letter at the same index, so the entries are taken once, at its last.
    const next = tokens[i + 1]?.index ?? argv.length;
    if (next > t.index) pre.push(...argv.slice(t.index, next));
  }
  return { pre, path, rest: [] };
}

function unknownCommand(name: string, known: string[], context: string): UsageError {
  const near = known.find((k) => distance(k, name) <= 2);
  return new UsageError(
    `unknown command "${name}" for "${context}"`,
    near ? `did you mean "${context} ${near}"?` : `see \`${context} --help\``,
  );
}

/** The one place where errors become messages on stderr and exit codes. */
function reportError(io: IOStreams, err: unknown, verbose: boolean): number {
  const code = exitCodeFor(err);
  // Error messages may quote the server (problem details, job errors, ids): no control codes reach the terminal.
  const clean = (s: string) => sanitizeForTerminal(s, { multiline: true });
  if (err instanceof CliError) {
    io.err.write(`${code === 2 ? 'error: ' : ''}${clean(err.message)}\n`);
    if (err.hint) io.err.write(`${clean(err.hint)}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    io.err.write(`unexpected error: ${clean(msg)}\n${verbose ? '' : 're-run with -v for details; this is a bug, please report it\n'}`);
  }
  if (verbose && err instanceof Error && err.stack) io.err.write(`${clean(err.stack)}\n`);
  return code;
}
