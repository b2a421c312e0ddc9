import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import type { PtySession } from './pty.js';
import { type CliResult, RealServer, runCli, tempDir } from './real-server.js';

/** A FitSync user signed in through the CLI, with a Garmin account on the sim linked through the CLI. */
export interface LinkedUser {
  dir: string;
  email: string;
  cli: (args: string[], o?: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }) => Promise<CliResult>;
}

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
): { dirs: string[]; ptys: PtySession[]; linkedUser: (name: string, data: Record<string, unknown>) => Promise<LinkedUser> } {
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
  /** `data`: the sim account's options (activities, days, workouts, …). */
  async function linkedUser(name: string, data: Record<string, unknown>): Promise<LinkedUser> {
    if (!sim || !server) throw new Error('linkedUser is for tests, after the fixture started');
    await server.addUser(name, `fitsync-${name}-pw`);
    const dir = tempDir();
    dirs.push(dir);
    const cli: LinkedUser['cli'] = (args, o = {}) => runCli(args, { configDir: dir, ...o });
    const login = await cli(['auth', 'login', '--server', server.url, '--username', name, '--password-stdin'], { input: `fitsync-${name}-pw\n` });
    assert.equal(login.code, 0, login.err);
    const email = `${name}@example.com`;
    sim.createUser({ email, password: `garmin-${name}-pw`, mfa: null, ...data } as Parameters<RunningSim['createUser']>[0]);
    const connect = await cli(['garmin', 'connect', '--email', email, '--password-stdin'], { input: `garmin-${name}-pw\n` });
    assert.equal(connect.code, 0, connect.err);
    return { dir, email, cli };
  }
  return { dirs, ptys, linkedUser };
}
