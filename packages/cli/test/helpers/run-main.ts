import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/main.js';
import type { Interrupts } from '../../src/interrupts.js';
import type { DrivenRuntime } from './driven-runtime.js';
import { type FakeIO, fakeIO } from './fake-io.js';

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** A fresh config dir for one test; remove with `rmSync(dir, {recursive:true})`. */
export function tempConfigDir(): string {
  return mkdtempSync(join(tmpdir(), 'fitsync-cli-test-'));
}
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs `main` in-process with fake streams, a clean environment and the given config dir. */
export async function runMain(
  argv: string[],
  o: { env?: NodeJS.ProcessEnv; configDir: string; tty?: boolean; runtime?: DrivenRuntime; io?: FakeIO; stdin?: string; interrupts?: Interrupts },
): Promise<RunResult> {
  const f = o.io ?? fakeIO({ tty: o.tty ?? false });
  if (o.stdin !== undefined) f.stdin.end(o.stdin);
  const env: NodeJS.ProcessEnv = { HOME: o.configDir, FITSYNC_CONFIG_DIR: o.configDir, ...o.env };
  const run = main(argv, { io: f.io, env, ...(o.runtime ? { runtime: o.runtime } : {}), ...(o.interrupts ? { interrupts: o.interrupts } : {}) });
  const code = await (o.runtime ? o.runtime.drive(run) : run);
  return { code, out: f.out(), err: f.err() };
}
