import { after } from 'node:test';
import { removeDir, tempConfigDir } from './run-main.js';
import { creds, seed } from './seed.js';
import { type PlannedCall, StubServer } from './stub-server.js';
import { RawStubServer } from './sync-stub-server.js';

export interface StubFixture {
  /** A fresh config dir and a StubServer answering `plan`; with `signedIn`, credentials for the stub are stored. */
  setup(plan?: PlannedCall[], o?: { signedIn?: boolean }): Promise<{ dir: string; stub: StubServer }>;
  /** A fresh config dir and a RawStubServer (routes are planned by the test); `signedIn` as for `setup`. */
  setupRaw(o?: { signedIn?: boolean }): Promise<{ dir: string; stub: RawStubServer }>;
  /** Runs `fn` when the suite ends (after the servers and dirs set up before it). */
  defer(fn: () => unknown): void;
}

/**
 * Per-suite scaffolding for command tests against a stub server: call it inside
 * `describe`, so every server and temp dir it makes is closed/removed in that
 * suite's `after` (no leaked ports or files).
 */
export function stubFixture(): StubFixture {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });
  const defer = (fn: () => unknown) => {
    cleanups.push(fn);
  };
  return {
    defer,
    async setup(plan = [], o = {}) {
      const dir = tempConfigDir();
      const stub = await StubServer.start(plan);
      cleanups.push(() => stub.close(), () => removeDir(dir));
      if (o.signedIn) await seed(dir, creds(stub.url, Date.now()));
      return { dir, stub };
    },
    async setupRaw(o = {}) {
      const dir = tempConfigDir();
      const stub = await RawStubServer.start();
      cleanups.push(() => stub.close(), () => removeDir(dir));
      if (o.signedIn) await seed(dir, creds(stub.url, Date.now()));
      return { dir, stub };
    },
  };
}
