// Entry point, kept to (almost) no imports: `fitsync --version` must start about
// as fast as `node -e 0` (spec: start-up time is a feature), so the dispatcher
// and everything behind it is one import() away.
import type { MainOptions } from './run-cli.js';
import { VERSION } from './version.js';

export type { MainOptions } from './run-cli.js';

/** Runs the CLI; returns the exit code (only the bin sets process.exitCode). */
export async function main(argv: string[], o: MainOptions = {}): Promise<number> {
  // The bare `fitsync --version` answers without loading the dispatcher; any
  // other use of --version goes through it and prints the same line.
  if (argv.length === 1 && argv[0] === '--version') {
    (o.io?.out ?? process.stdout).write(`fitsync ${VERSION}\n`);
    return 0;
  }
  const { runCli } = await import('./run-cli.js');
  // The version is handed over so that version.ts stays inside this file's bundle.
  return runCli(argv, o, VERSION);
}
