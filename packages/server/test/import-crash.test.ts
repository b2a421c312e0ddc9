import { setTimeout as delay } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import type { Db } from '../src/db/db.js';
import { openDatabase } from '../src/db/open-database.js';
import { defaultBlobStore, uploadExists } from './helpers/blobs.js';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';
import { buildExport, simExportActivities } from './helpers/export-archive.js';
import { insertImportJob } from './helpers/import-jobs.js';
import { cleanEnv, postJson, runBin, type SpawnedServer, spawnServer } from './helpers/spawn-server.js';
import { authed, waitForEnd } from './sync/black-box.js';

// kill -9 the real server binary while it imports an export, at three points of progress; restart
// it on the same data dir and database: the job is claimed again, resumes from the resume state
// committed with its batches, and ends with exactly the expected rows (each counted once as new).
const ACTIVITIES = 240;
const KILL_AT = [0.2, 0.45, 0.7];

for (const { dialect, skip } of await dialects()) {
  describe(`import survives kill -9 on ${dialect}`, { skip }, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fitsync-import-crash-'));
    let schema: PgSchema | undefined;
    let sim: RunningSim | undefined;
    let server: SpawnedServer | undefined;
    let db: Db | undefined;
    after(async () => {
      await server?.stop();
      await db?.close();
      await sim?.close();
      await schema?.drop();
      rmSync(tmp, { recursive: true, force: true });
    });

    test(`${KILL_AT.length} kills mid-import, then the job completes with exactly the export`, async () => {
      sim = await startSim({ seed: `import-crash-${dialect}` });
      const email = `import-crash-${dialect}@example.com`;
      sim.createUser({ email, password: 'garmin-pw', mfa: null, activities: ACTIVITIES, days: 0, workouts: 0 });
      const acts = simExportActivities(sim, email);
      const archive = await buildExport(acts, { parts: 3, partMethod: 'mixed' });
      if (dialect === 'postgres') schema = await createPgSchema();
      const dataDir = join(tmp, 'data');
      mkdirSync(dataDir, { recursive: true });
      const env = cleanEnv({
        // Small batches: the kills land between and inside several commits.
        FITSYNC_IMPORT_BATCH_FILES: '20',
        ...(schema ? { FITSYNC_DATABASE_URL: schema.url } : {}),
        FITSYNC_DATA_DIR: dataDir,
        FITSYNC_WORKERS: '1',
        FITSYNC_JOB_LEASE_MS: '1000',
        FITSYNC_JOB_MAX_ATTEMPTS: String(KILL_AT.length + 3),
      });
      const add = await runBin(['user', 'add', 'importer', '--password-stdin'], env, 'import pass phrase');
      assert.equal(add.code, 0, add.stderr);
      server = await spawnServer(['--port', '0'], env, 60_000);
      const login = await postJson(`${server.url}/v1/auth/login`, { username: 'importer', password: 'import pass phrase' });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const token = login.body.access_token as string;
      const userId = (await authed('GET', `${server.url}/v1/me`, token)).body.user_id as string;
      // The upload routes' end state, written beside the running server (its worker picks the job up).
      db = await openDatabase(schema?.url, dataDir);
      const { importId, jobId } = await insertImportJob(db, defaultBlobStore(db, dataDir), userId, archive);

      const log: string[] = [];
      for (const at of KILL_AT) {
        const until = Date.now() + 60_000;
        let job: { status: string; processed_items: number; total_items: number | null } | undefined;
        for (;;) {
          job = (await authed('GET', `${server.url}/v1/sync/jobs/${jobId}`, token)).body;
          if (job!.status !== 'pending' && job!.status !== 'running') break;
          if (job!.total_items && job!.processed_items >= at * job!.total_items) break;
          if (Date.now() > until) throw new Error(`no progress: ${JSON.stringify(job)}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        log.push(`kill at ${at}: ${job!.status} ${job!.processed_items}/${job!.total_items}`);
        if (job!.status !== 'running') break;
        server.proc.kill('SIGKILL');
        await server.stop();
        server = await spawnServer(['--port', '0'], env, 60_000);
      }
      assert.ok(log.filter((l) => / running /.test(l)).length >= 2, log.join('\n'));
      const url = server.url;
      const end = await waitForEnd(() => url, token, jobId, 120_000);
      assert.equal(end.status, 'completed', `${end.error_message}\n${log.join('\n')}`);
      // Every activity once, as new: a batch cut short was redone, a committed one never again.
      assert.deepEqual(end.counts.activities, { new: ACTIVITIES, updated: 0, unchanged: 0 }, log.join('\n'));
      const rows = await db.all<{ activity_id: string; fit_sha256: string | null }>(
        'SELECT activity_id, fit_sha256 FROM activities WHERE user_id = ? ORDER BY activity_id',
        [userId],
      );
      const want = acts
        .map((a) => ({ activity_id: a.id, fit_sha256: createHash('sha256').update(a.fit).digest('hex') }))
        .sort((a, b) => (a.activity_id < b.activity_id ? -1 : 1));
      assert.deepEqual(rows, want);
      // The import stores files undecoded; the server's decode backlog decodes every one after the job.
      let decoded = 0;
      for (const until = Date.now() + 60_000; decoded < ACTIVITIES && Date.now() < until; await delay(100)) {
        const r = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM activity_decoded WHERE user_id = ?', [userId]);
        decoded = Number(r!.n);
      }
      assert.equal(decoded, ACTIVITIES, 'the decode backlog decodes every imported FIT file');
      assert.equal(await uploadExists(defaultBlobStore(db, dataDir), importId), false, 'the upload is deleted once the job ended');
    });
  });
}
