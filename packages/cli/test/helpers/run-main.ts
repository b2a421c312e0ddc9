import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.js';
import { main } from '../../src/main.js';
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

/** A clock under the test's control: sleeps advance it instantly. */
export function fakeClock(start = Date.parse('2026-06-01T12:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Runs `main` in-process with fake streams, a clean environment and the given config dir. */
export async function runMain(
  argv: string[],
  o: { env?: NodeJS.ProcessEnv; configDir: string; tty?: boolean; clock?: Clock; io?: FakeIO; stdin?: string },
): Promise<RunResult> {
  const f = o.io ?? fakeIO({ tty: o.tty ?? false });
  if (o.stdin !== undefined) f.stdin.end(o.stdin);
  const env: NodeJS.ProcessEnv = { HOME: o.configDir, FITSYNC_CONFIG_DIR: o.configDir, ...o.env };
  const code = await main(argv, { io: f.io, env, ...(o.clock ? { clock: o.clock } : {}), random: () => 0.5 });
  return { code, out: f.out(), err: f.err() };
}
