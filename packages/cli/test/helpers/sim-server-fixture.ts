import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import type { PtySession } from './pty.js';
import { RealServer } from './real-server.js';

/**
 * Per-suite scaffolding for black-box tests with garmin-sim as Garmin: call it
 * inside `describe`. Before the suite it starts the sim (seeded) and the real
 * server pointed at it (plus `env`), and hands both to `ready`; after the suite
 * it kills the pseudo-terminals and removes the config dirs pushed to the
 * returned lists, and stops both servers.
 */
export function simServerFixture(
  seed: string,
  env: NodeJS.ProcessEnv,
  ready: (sim: RunningSim, server: RealServer) => void,
): { dirs: string[]; ptys: PtySession[] } {
  let sim: RunningSim | undefined;
  let server: RealServer | undefined;
  const dirs: string[] = [];
  const ptys: PtySession[] = [];
  before(async () => {
    sim = await startSim({ seed });
    server = new RealServer({
      FITSYNC_GARMIN_SSO_URL: sim.url,
      FITSYNC_GARMIN_API_URL: sim.url,
      FITSYNC_GARMIN_DIAUTH_URL: sim.url,
      ...env,
    });
    ready(sim, server);
    await server.start();
  });
  after(async () => {
    for (const p of ptys) p.kill();
    await server?.dispose();
    await sim?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return { dirs, ptys };
}
