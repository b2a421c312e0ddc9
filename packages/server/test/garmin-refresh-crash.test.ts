import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';
import { cleanEnv, runBin, type SpawnedServer, spawnServer } from './helpers/spawn-server.js';
import { authed, signInAndLink, waitForEnd } from './sync/black-box.js';

// kill -9 at the worst moment of Garmin's token rotation: Garmin answered a refresh (and so spent
// the old refresh token) but the new pair is not stored yet. The built server kills itself there
// (FITSYNC_TEST_CRASH_AFTER_GARMIN_REFRESH=1); restarted without the seam, the stored pair is the
// old one. While its access token lives the resumed job still completes and the connection says
// reauth_required at once (with its time); once it has expired, the job fails saying so. Never a
// silent failure, never a hang.
const REFRESH = '/di-oauth2-service/oauth/token';
const ACCESS_TTL_S = 1000;

async function died(server: SpawnedServer, timeoutMs: number): Promise<string | number> {
  const until = Date.now() + timeoutMs;
  while (server.proc.exitCode === null && server.proc.signalCode === null) {
    if (Date.now() > until) throw new Error(`the server did not die within ${timeoutMs} ms:\n${server.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return server.proc.signalCode ?? server.proc.exitCode ?? -1;
}

for (const { dialect, skip } of await dialects()) {
  describe(`kill -9 between Garmin's refresh answer and the store, on ${dialect}`, { skip }, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fitsync-refresh-crash-'));
    let schema: PgSchema | undefined;
    let sim: RunningSim | undefined;
    let server: SpawnedServer | undefined;
    after(async () => {
      await server?.stop();
      await sim?.close();
      await schema?.drop();
      rmSync(tmp, { recursive: true, force: true });
    });

    test('restarted: the job finishes on the live access token and reauth_required shows at once; expired: the job fails saying so', async () => {
      sim = await startSim({ seed: `refresh-crash-${dialect}` });
      sim.configure({ access_token_ttl_s: ACCESS_TTL_S });
      if (dialect === 'postgres') schema = await createPgSchema();
      const base = cleanEnv({
        ...(schema ? { FITSYNC_DATABASE_URL: schema.url } : {}),
        FITSYNC_DATA_DIR: join(tmp, 'data'),
        FITSYNC_GARMIN_SSO_URL: sim.url,
        FITSYNC_GARMIN_API_URL: sim.url,
        FITSYNC_GARMIN_DIAUTH_URL: sim.url,
        FITSYNC_WORKERS: '1',
        FITSYNC_JOB_LEASE_MS: '1000',
        FITSYNC_GARMIN_RPS: '0',
        FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
      });
      const withSeam = { ...base, FITSYNC_TEST_CRASH_AFTER_GARMIN_REFRESH: '1' };

      /** Links a sim account whose access token expires ~100 s from now (due for a refresh), starts a sync and lets the seam kill the server. */
      const crashDuringSync = async (name: string) => {
        const email = `${name}-${dialect}@example.com`;
        sim!.createUser({ email, password: 'garmin-pw', mfa: null, activities: 2, days: 2 });
        const add = await runBin(['user', 'add', name, '--password-stdin'], base, 'crash pass phrase');
        assert.equal(add.code, 0, add.stderr);
        server = await spawnServer(['--port', '0'], withSeam, 60_000);
        // Tokens issued on a clock 900 s behind: they expire 100 s from now, a quarter of their life.
        sim!.setClock(Date.now() - (ACCESS_TTL_S - 100) * 1000);
        const token = await signInAndLink(server.url, name, 'crash pass phrase', email);
        sim!.setClock(Date.now());
        sim!.resetStats();
        const start = await authed('POST', `${server.url}/v1/sync/jobs`, token, { sync_type: 'all' });
        assert.equal(start.status, 202, JSON.stringify(start.body));
        assert.equal(await died(server, 30_000), 'SIGKILL', 'the seam killed the server');
        assert.deepEqual(sim!.stats().by_path[REFRESH], { '200': 1 }, 'Garmin answered the refresh (the old refresh token is spent)');
        return { token, jobId: start.body.job_id as string, email };
      };
      const restart = async () => {
        server = await spawnServer(['--port', '0'], base, 60_000);
        return server;
      };
      const sinceOf = async (token: string) => {
        const conn = (await authed('GET', `${server!.url}/v1/garmin/connection`, token)).body;
        assert.equal(conn.status, 'reauth_required');
        assert.ok(conn.reauth_required_at, 'with its time');
        const me = (await authed('GET', `${server!.url}/v1/me`, token)).body;
        assert.equal(me.garmin_status, 'reauth_required');
        assert.equal(me.garmin_reauth_required_at, conn.reauth_required_at);
        return `${String(conn.reauth_required_at).slice(0, 16).replace('T', ' ')} UTC`;
      };

      // 1. The old access token still works at Garmin.
      const a = await crashDuringSync('crashlive');
      await restart();
      const doneA = await waitForEnd(() => server!.url, a.token, a.jobId, 60_000);
      assert.equal(doneA.status, 'completed', doneA.error_message);
      assert.ok(doneA.processed_items > 0);
      assert.deepEqual(sim.stats().by_path[REFRESH], { '200': 1, '400': 1 }, 'the resumed job tried the spent refresh token once');
      const sinceA = await sinceOf(a.token);
      const next = await authed('POST', `${server!.url}/v1/sync/jobs`, a.token, { sync_type: 'all' });
      assert.equal(next.status, 409);
      assert.equal(next.body.code, 'garmin_not_connected');
      assert.ok(next.body.detail.includes(`(since ${sinceA}); run \`fitsync garmin connect\``), next.body.detail);
      await server!.stop();

      // 2. Garmin no longer takes the old access token either (the sim clock moves past its expiry).
      const b = await crashDuringSync('crashgone');
      sim.advanceClock(ACCESS_TTL_S);
      await restart();
      const doneB = await waitForEnd(() => server!.url, b.token, b.jobId, 60_000);
      assert.equal(doneB.status, 'failed');
      const sinceB = await sinceOf(b.token);
      assert.ok(doneB.error_message.endsWith(`Garmin no longer accepts the stored sign-in (since ${sinceB}); run \`fitsync garmin connect\`.`), doneB.error_message);
    });
  });
}
