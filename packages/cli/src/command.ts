import type { FlagSpec, ParsedArgs } from './args.js';
import type { Deps } from './factory.js';

/** What `fitsync help GROUP CMD` shows, and what the parser accepts. */
export interface CommandDefinition {
  group: string;
  name: string;
  summary: string;
  usage: string;
  description?: string;
  flags: readonly FlagSpec[];
  /** Maximum number of positional arguments (default 0). */
  maxArgs?: number;
  /** What the arguments are, for shell completion: ids of the sync jobs this CLI saw lately, or a fixed set of words. */
  argValues?: 'recent-jobs' | readonly string[];
  examples: readonly string[];
}

/** Input of a command's `parse`: flags and arguments as given, plus the environment. */
export interface CommandInput extends ParsedArgs {
  env: NodeJS.ProcessEnv;
}

/** The shape every `src/cmd/<group>/<cmd>.ts` module has. */
export interface CommandModule<O = unknown> {
  definition: CommandDefinition;
  parse(input: CommandInput): O;
  run(opts: O, deps: Deps): Promise<number | undefined>;
}

/** A command module as the dispatcher sees it (options type erased). */
export interface LoadedCommand {
  definition: CommandDefinition;
  parse(input: CommandInput): unknown;
  run(opts: never, deps: Deps): Promise<number | undefined>;
}
