import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startSim } from '@fitsync/garmin-sim';
import { DECODER_DIED, FitDecodePool } from '../src/activities/decode-pool.js';
import { decodeFit } from '../src/activities/fit-decode.js';
import { SyncWorkerPool } from '../src/jobs/sync-worker-pool.js';
import { dialects } from './helpers/dialects.js';
import { cleanEnv, runBin, spawnServer } from './helpers/spawn-server.js';
import { authed, signInAndLink, waitForEnd } from './sync/black-box.js';
import { linkedUser, startSync, startWorld } from './sync/harness.js';

/** A decode thread that throws on files of even length and exits on files starting with 0xAD. */
const MISBEHAVING = new URL('./helpers/misbehaving-decode-worker.ts', import.meta.url);

/** Some of the sim's FIT files, each in a buffer of its own (so it can be transferred). */
async function simFits(n: number): Promise<Uint8Array[]> {
  const sim = await startSim({ seed: 'decode-pool' });
  try {
    sim.createUser({ email: 'p@example.com', password: 'pw', activities: n, days: 0 });
    const user = sim.state.users.get('p@example.com')!;
    return sim.truth('p@example.com').activities.map((a) => new Uint8Array(user.fit(user.find(a.activity_id)!)));
  } finally {
    await sim.close();
  }
}

describe('FIT decode pool', () => {
  test('decodes as decodeFit does on the main thread, taking the bytes without a copy', async () => {
    const fits = await simFits(6);
    const want = fits.map((f) => decodeFit(f));
    const pool = new FitDecodePool(2);
    try {
      const got = await Promise.all([...fits, new Uint8Array([1, 2, 3]), new Uint8Array(0)].map((f) => pool.decode(f)));
      for (let i = 0; i < fits.length; i++) {
        assert.ok(Buffer.isBuffer(got[i]!.records), 'records come back as a Buffer');
        assert.deepEqual(got[i], want[i], `file ${i}`);
        assert.equal(fits[i]!.byteLength, 0, `file ${i} was transferred, not copied`);
      }
      assert.equal(got[6]!.error, 'not a FIT file');
      assert.equal(got[7]!.error, 'not a FIT file');
    } finally {
      await pool.close();
    }
  });

  test('a thread that dies on a file gives that file a decode_error; the other files decode, new threads take over', async () => {
    const fits = (await simFits(8)).filter((f) => f.byteLength % 2 === 1);
    assert.ok(fits.length >= 2, 'the sim gives files of odd length');
    const want = fits.map((f) => decodeFit(f));
    const deaths: string[] = [];
    const pool = new FitDecodePool(2, (err) => deaths.push(String(err)), MISBEHAVING);
    try {
      const throws = () => new Uint8Array(64);
      const exits = () => new Uint8Array([0xad, 1, 2]);
      const batch = [throws(), fits[0]!, exits(), throws(), fits[1]!, exits()];
      const got = await Promise.all(batch.map((b) => pool.decode(b)));
      assert.deepEqual(
        got.map((d) => d.error),
        [DECODER_DIED, null, DECODER_DIED, DECODER_DIED, null, DECODER_DIED],
      );
      assert.deepEqual([got[1], got[4]], want.slice(0, 2));
      assert.deepEqual(deaths.sort(), [
        'Error: simulated decoder crash',
        'Error: simulated decoder crash',
        'Error: the decode thread exited with code 3',
        'Error: the decode thread exited with code 3',
      ]);
      assert.deepEqual(got[0], { ...got[0], recordCount: null, records: null, laps: [], device: null });
      // Still serving after the crashes.
      assert.equal((await pool.decode(new Uint8Array([1, 2, 3]))).error, 'not a FIT file');
    } finally {
      await pool.close();
    }
  });

  test('close ends the threads and rejects the files in flight and waiting; a decode after close is refused', async () => {
    const pool = new FitDecodePool(1);
    assert.equal((await pool.decode(new Uint8Array([1]))).error, 'not a FIT file');
    const pending = [1, 2, 3].map(() => assert.rejects(pool.decode(new Uint8Array(1000)), /the FIT decoder is closed/));
    await pool.close();
    await Promise.all(pending);
    await assert.rejects(pool.decode(new Uint8Array(1)), /the FIT decoder is closed/);
    await pool.close(); // twice is harmless
  });

  test('a pool size below one is refused', () => {
    assert.throws(() => new FitDecodePool(0), /at least one thread/);
  });
});

for (const { dialect, skip } of await dialects()) {
  describe(`a sync whose decode threads die on ${dialect}`, { skip }, () => {
    test('completes; the files the thread died on carry a decode_error, the others are decoded', async () => {
      const w = await startWorld(dialect, `decode-pool-${dialect}`);
      const decoder = new FitDecodePool(1, () => {}, MISBEHAVING);
      try {
        const u = await linkedUser(w, { activities: 12, days: 0, workouts: 0 }, 'pool');
        const job = await startSync(w, u, { sync_type: 'activities' });
        const pool = new SyncWorkerPool({
          db: w.s.db,
          runtime: w.s.app.deps.runtime,
          events: w.s.app.deps.events,
          config: w.s.config.sync,
          blobs: w.s.app.deps.blobs,
          dataDir: w.s.dataDir,
          decoder,
          garmin: w.s.app.deps.garmin,
        });
        assert.equal(await pool.runOnce(), job.job_id);
        const done = await w.s.db.get<{ status: string }>('SELECT status FROM sync_jobs WHERE job_id = ?', [job.job_id]);
        assert.equal(done?.status, 'completed');
        const rows = await w.s.db.all<{ fit_size: number; decode_error: string | null; record_count: number | null }>(
          `SELECT a.fit_size, d.decode_error, d.record_count FROM activities a
           JOIN activity_decoded d ON d.user_id = a.user_id AND d.activity_id = a.activity_id WHERE a.user_id = ?`,
          [u.userId],
        );
        assert.equal(rows.length, 12);
        const died = rows.filter((r) => Number(r.fit_size) % 2 === 0);
        assert.ok(died.length > 0 && died.length < rows.length, `both kinds of files: ${rows.map((r) => r.fit_size).join(' ')}`);
        for (const r of rows) {
          if (Number(r.fit_size) % 2 === 0) assert.deepEqual([r.decode_error, r.record_count], [DECODER_DIED, null]);
          else assert.ok(r.decode_error === null && Number(r.record_count) > 0, JSON.stringify(r));
        }
      } finally {
        await decoder.close();
        await w.close();
      }
    });
  });
}

describe('the built server decodes in its threads', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fitsync-decode-pool-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('stops with 0 on SIGTERM mid-sync, and a restart finishes the sync with every file decoded', async () => {
    const sim = await startSim({ seed: 'decode-pool-bin' });
    const email = 'bin@example.com';
    sim.createUser({ email, password: 'garmin-pw', mfa: null, activities: 40, days: 0, workouts: 0 });
    const env = cleanEnv({
      FITSYNC_DATA_DIR: join(tmp, 'data'),
      FITSYNC_GARMIN_SSO_URL: sim.url,
      FITSYNC_GARMIN_API_URL: sim.url,
      FITSYNC_GARMIN_DIAUTH_URL: sim.url,
      FITSYNC_GARMIN_RPS: '0',
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
      FITSYNC_DECODE_THREADS: '2',
    });
    let server = await spawnServer(['--port', '0'], env);
    try {
      assert.equal((await runBin(['user', 'add', 'bin', '--password-stdin'], env, 'bin pass phrase')).code, 0);
      const token = await signInAndLink(server.url, 'bin', 'bin pass phrase', email);
      // Paced downloads keep the sync (and its decode threads) busy when SIGTERM lands.
      sim.setFaults([{ path_prefix: '/download-service/', kind: 'slow', rate: 1, delay_ms: 30 }]);
      const start = await authed('POST', `${server.url}/v1/sync/jobs`, token, { sync_type: 'activities' });
      assert.equal(start.status, 202, JSON.stringify(start.body));
      const jobId = start.body.job_id as string;
      for (let i = 0; ; i++) {
        const job = (await authed('GET', `${server.url}/v1/sync/jobs/${jobId}`, token)).body;
        if (job.processed_items >= 5) break;
        assert.ok(i < 300, `the sync made no progress: ${JSON.stringify(job)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(await server.stop(), 0, server.stderr());
      sim.setFaults([]);
      server = await spawnServer(['--port', '0'], env);
      const end = await waitForEnd(() => server.url, token, jobId, 60_000);
      assert.equal(end.status, 'completed', JSON.stringify(end));
      const list = (await authed('GET', `${server.url}/v1/activities?limit=100`, token)).body.activities as { activity_id: string }[];
      assert.equal(list.length, 40);
      for (const a of list) {
        const detail = (await authed('GET', `${server.url}/v1/activities/${a.activity_id}`, token)).body;
        assert.ok(detail.decode_error === null && detail.record_count > 0, JSON.stringify(detail));
      }
    } finally {
      await server.stop();
      await sim.close();
    }
  });
});
