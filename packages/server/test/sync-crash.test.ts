import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';
import { cleanEnv, runBin, type SpawnedServer, spawnServer } from './helpers/spawn-server.js';
import { assertTruthOverApi, authed, signInAndLink, waitForEnd } from './sync/black-box.js';

// kill -9 the real server binary at random moments of a sync, restart it on the same data dir and
// database: the job is claimed again once its lease expires, resumes, and ends with exactly the
// truth — nothing missing, nothing duplicated, stored FIT files not fetched again.
// Two scenarios: everything (kills land mostly among FIT downloads), and health alone (kills land
// between a day's answers and the chunk's commit).
const SCENARIOS = [
  { name: 'all', size: { activities: 240, days: 60, workouts: 5 }, slow: '/download-service/', kills: { sqlite: 6, postgres: 4 } },
  { name: 'health', size: { activities: 0, days: 150, workouts: 0 }, slow: '/wellness-service/', kills: { sqlite: 3, postgres: 3 } },
] as const;

for (const { dialect, skip } of await dialects()) {
  for (const scenario of SCENARIOS) {
    const kills = scenario.kills[dialect];
    const size = scenario.size;
    describe(`sync (${scenario.name}) survives kill -9 on ${dialect}`, { skip }, () => {
      const tmp = mkdtempSync(join(tmpdir(), 'fitsync-sync-crash-'));
      let schema: PgSchema | undefined;
      let sim: RunningSim | undefined;
      let server: SpawnedServer | undefined;
      after(async () => {
        await server?.stop();
        await sim?.close();
        await schema?.drop();
        rmSync(tmp, { recursive: true, force: true });
      });

      test(`${kills} kills at random times, then the job completes with the truth`, async () => {
        sim = await startSim({ seed: `sync-crash-${scenario.name}-${dialect}` });
        const email = `crash-${scenario.name}-${dialect}@example.com`;
        sim.createUser({ email, password: 'garmin-pw', mfa: null, ...size });
        if (dialect === 'postgres') schema = await createPgSchema();
        const dataDir = join(tmp, 'data');
        const env = cleanEnv({
          ...(schema ? { FITSYNC_DATABASE_URL: schema.url } : {}),
          FITSYNC_DATA_DIR: dataDir,
          FITSYNC_GARMIN_SSO_URL: sim.url,
          FITSYNC_GARMIN_API_URL: sim.url,
          FITSYNC_GARMIN_DIAUTH_URL: sim.url,
          FITSYNC_WORKERS: '2',
          FITSYNC_JOB_LEASE_MS: '1000',
          // Every kill costs the job a claim; the cap (tested on its own in sync-queue) must not end it here.
          FITSYNC_JOB_MAX_ATTEMPTS: String(kills + 3),
          FITSYNC_GARMIN_RPS: '0',
          FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
          FITSYNC_GARMIN_RETRY_BASE_MS: '10',
        });
        const add = await runBin(['user', 'add', 'crasher', '--password-stdin'], env, 'crash pass phrase');
        assert.equal(add.code, 0, add.stderr);
        server = await spawnServer(['--port', '0'], env, 60_000);
        const token = await signInAndLink(server.url, 'crasher', 'crash pass phrase', email);
        const start = await authed('POST', `${server.url}/v1/sync/jobs`, token, { sync_type: scenario.name });
        assert.equal(start.status, 202, JSON.stringify(start.body));
        const jobId = start.body.job_id as string;
        sim.resetStats();
        // Paced calls (as Garmin's are) keep the sync running long enough for the kills to land
        // mid-way, however fast the machine is.
        sim.setFaults([{ path_prefix: scenario.slow, kind: 'slow', rate: 1, delay_ms: 40 }]);

        const log: string[] = [];
        for (let k = 0; k < kills; k++) {
          // Let the resumed job make some progress, then kill at a random moment.
          const waitMs = 300 + Math.floor(Math.random() * 1200);
          await new Promise((r) => setTimeout(r, waitMs));
          const job = (await authed('GET', `${server.url}/v1/sync/jobs/${jobId}`, token)).body;
          log.push(`kill ${k + 1} after ${waitMs} ms: ${job.status} ${job.processed_items}/${job.total_items}`);
          if (job.status !== 'running' && job.status !== 'pending') break;
          server.proc.kill('SIGKILL');
          await server.stop();
          server = await spawnServer(['--port', '0'], env, 60_000);
        }
        // The account is big enough that most kills land mid-sync; the test proves nothing otherwise.
        assert.ok(log.filter((l) => / running /.test(l)).length >= 2, log.join('\n'));
        const url = server.url;
        const end = await waitForEnd(() => url, token, jobId, 120_000);
        assert.equal(end.status, 'completed', `${end.error_message}\n${log.join('\n')}`);
        assert.equal(end.progress, 100);
        await assertTruthOverApi(server.url, token, sim, email);
        // Stored files are not fetched again: re-downloads are bounded by what was in flight (or
        // downloaded but not yet committed) at each kill, not by the history.
        const downloads = Object.values(sim.stats().by_route['/download-service/files/activity/{id}'] ?? {}).reduce((a, b) => a + b, 0);
        assert.ok(downloads <= size.activities + kills * 60, `${downloads} downloads for ${size.activities} activities\n${log.join('\n')}`);
      });
    });
  }
}
