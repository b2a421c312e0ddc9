import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { RunningSim } from '@fitsync/garmin-sim';
import { PtySession } from '../helpers/pty.js';
import { simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: the built CLI and the real fitsync-server binary (embedded SQLite,
// its own sync workers), with garmin-sim as Garmin Connect.
describe('sync and activities against the real server and garmin-sim', () => {
  let sim: RunningSim;
  const { ptys, linkedUser } = simServerFixture(
    'cli-sync-e2e',
    // The sim needs no politeness; tests slow it down with faults where they need a long job.
    { FITSYNC_GARMIN_RPS: '0', FITSYNC_GARMIN_DEPLOYMENT_RPS: '0' },
    (s) => {
      sim = s;
    },
  );

  test('conflicts, idempotency, other users, cancel', async () => {
    const a = await linkedUser('synca', { activities: 20, days: 10, workouts: 2 });
    const b = await linkedUser('syncb', { activities: 1, days: 1, workouts: 0 });
    // Slow FIT downloads keep the first job running while the next calls arrive.
    sim.setFaults([{ path_prefix: '/download-service', kind: 'slow', rate: 1, delay_ms: 2_000 }]);
    try {
      const first = await a.cli(['sync', 'start', '--idempotency-key', 'e2e-key-1', '-o', 'json']);
      assert.equal(first.code, 0, first.err);
      const job = JSON.parse(first.out) as { job_id: string; status: string };
      assert.ok(['pending', 'running'].includes(job.status));

      const again = await a.cli(['sync', 'start', '--idempotency-key', 'e2e-key-1', '-o', 'json']);
      assert.equal(again.code, 0, again.err);
      assert.equal(JSON.parse(again.out).job_id, job.job_id, 'same key, same body → the same job');

      const second = await a.cli(['sync', 'start']);
      assert.equal(second.code, 5, second.err);
      assert.match(second.err, new RegExp(`A sync is already running: ${job.job_id}\\. Follow it with \`fitsync sync status ${job.job_id} --watch\``));

      const list = await a.cli(['sync', 'list', '-o', 'json']);
      assert.deepEqual(
        JSON.parse(list.out).jobs.map((j: { job_id: string }) => j.job_id),
        [job.job_id],
        'one job only',
      );

      // Another user cannot see or cancel it.
      const other = await b.cli(['sync', 'status', job.job_id]);
      assert.equal(other.code, 4, other.err);
      assert.equal((await b.cli(['sync', 'cancel', job.job_id])).code, 4);
      const none = await b.cli(['sync', 'status']);
      assert.equal(none.code, 4);
      assert.match(none.err, /No sync jobs yet/);

      const cancel = await a.cli(['sync', 'cancel', job.job_id]);
      assert.equal(cancel.code, 0, cancel.err);
      const watch = await a.cli(['sync', 'status', job.job_id, '--watch', '-o', 'json']);
      assert.equal(watch.code, 7, watch.err);
      assert.equal(JSON.parse(watch.out).status, 'cancelled');
      assert.match(watch.err, new RegExp(`Sync job ${job.job_id} cancelled`));
      const late = await a.cli(['sync', 'cancel', job.job_id]);
      assert.equal(late.code, 5);
      assert.match(late.err, /already finished/);
    } finally {
      sim.setFaults([]);
    }
  });

  test('start --wait ends 0 with the truth counts; activities list and download match the sim', async () => {
    const u = await linkedUser('syncc', { activities: 12, days: 8, workouts: 3 });
    const truth = sim.truth(u.email);
    const r = await u.cli(['sync', 'start', '--wait', '-o', 'json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.err);
    const job = JSON.parse(r.out);
    assert.equal(job.status, 'completed');
    assert.equal(job.counts.activities.new, truth.activities.length);
    assert.equal(job.counts.workouts.new, truth.workouts.length);
    assert.match(r.err, /completed {2}100%/, 'one line per change on a non-TTY stderr');

    const list = await u.cli(['activities', 'list', '--limit', '1000', '-o', 'json']);
    assert.equal(list.code, 0, list.err);
    const acts = JSON.parse(list.out).activities as { activity_id: string; fit_sha256: string }[];
    const byId = (x: { activity_id: string; fit_sha256: string }[]) => x.map((y) => `${y.activity_id}:${y.fit_sha256}`).sort();
    assert.deepEqual(byId(acts), byId(truth.activities));

    const pick = truth.activities[0]!;
    const out = join(u.dir, 'one.fit');
    const dl = await u.cli(['activities', 'download', pick.activity_id, '--out', out, '-o', 'json']);
    assert.equal(dl.code, 0, dl.err);
    assert.equal(createHash('sha256').update(readFileSync(out)).digest('hex'), pick.fit_sha256);
    assert.equal(JSON.parse(dl.out).sha256, pick.fit_sha256);
    const again = await u.cli(['activities', 'download', pick.activity_id, '--out', out]);
    assert.equal(again.code, 2, 'no overwrite without --force');

    // A second incremental sync finds nothing new.
    const inc = await u.cli(['sync', 'start', '--wait', '--type', 'activities', '-o', 'json'], { timeoutMs: 60_000 });
    assert.equal(inc.code, 0, inc.err);
    assert.equal(JSON.parse(inc.out).counts.activities.new, 0);
  });

  test('Ctrl-C during sync start --wait in a pseudo-terminal: exit 130, the way back told, the job goes on', async () => {
    const u = await linkedUser('synce', { activities: 8, days: 2, workouts: 0 });
    // Slow downloads keep the job running while the key is pressed.
    sim.setFaults([{ path_prefix: '/download-service', kind: 'slow', rate: 1, delay_ms: 1_500 }]);
    try {
      const p = new PtySession(['sync', 'start', '--type', 'activities', '--wait'], { HOME: u.dir, FITSYNC_CONFIG_DIR: u.dir });
      ptys.push(p);
      await p.waitFor('items');
      p.type('\u0003');
      assert.equal(await p.exitCode(30_000), 130, p.output);
      const id = /Sync job (\S+) started/.exec(p.output)?.[1] as string;
      assert.ok(id, p.output);
      assert.match(p.output, new RegExp(`Stopped following sync job ${id}; the sync goes on on the server\\.`));
      assert.ok(p.output.includes(`fitsync sync status ${id} --watch`) && p.output.includes(`fitsync sync cancel ${id}`), p.output);
      const after = await u.cli(['sync', 'status', id, '-o', 'json']);
      assert.equal(after.code, 0, after.err);
      assert.notEqual(JSON.parse(after.out).status, 'cancelled', 'Ctrl-C stopped following, not the job');
      // `sync start` left the id where completion finds it, without asking the server.
      const ids = await u.cli(['__complete', 'jobs', '--server', 'http://127.0.0.1:9']);
      assert.equal(ids.code, 0, ids.err);
      assert.equal(ids.out.split('\t')[0], id);
      sim.setFaults([]);
      const watch = await u.cli(['sync', 'status', id, '--watch', '-o', 'json'], { timeoutMs: 60_000 });
      assert.equal(watch.code, 0, watch.err);
      assert.equal(JSON.parse(watch.out).status, 'completed');
    } finally {
      sim.setFaults([]);
    }
  });

  test('sync status --watch in a pseudo-terminal draws a progress bar and ends 0', async () => {
    const u = await linkedUser('syncd', { activities: 8, days: 4, workouts: 1 });
    sim.setFaults([{ path_prefix: '/download-service', kind: 'slow', rate: 1, delay_ms: 400 }]);
    try {
      const start = await u.cli(['sync', 'start', '--type', 'activities', '-o', 'json']);
      assert.equal(start.code, 0, start.err);
      const p = new PtySession(['sync', 'status', '--watch'], { HOME: u.dir, FITSYNC_CONFIG_DIR: u.dir });
      ptys.push(p);
      await p.waitFor('items');
      assert.equal(await p.exitCode(60_000), 0, p.output);
      assert.ok(p.output.includes('\r\u001b[2K'), 'redrawn in place');
      assert.match(p.output, /completed .*100% {2}\d+\/\d+ items/);
      assert.match(p.output, /█{24}/);
      assert.match(p.output, /Status: +completed/);
    } finally {
      sim.setFaults([]);
    }
  });
});
