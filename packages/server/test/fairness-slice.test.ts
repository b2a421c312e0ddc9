import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import type { ServerEvents } from '../src/events/event-bus.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { assertTruth, linkedUser, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

const SLICE_MS = 1000;
const RPS = 10;
const CONCURRENCY = 4;

/**
 * Awaits `p`, moving the fake clock on by `stepMs` while it has not settled (the job's Garmin calls
 * are paced on it, so it only moves on as the clock does; the deadline bounds a broken test).
 */
async function whileAdvancing<T>(rt: FakeRuntime, stepMs: number, p: Promise<T>): Promise<T> {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  p.then(mark, mark);
  const deadline = Date.now() + 60_000;
  while (!settled) {
    if (Date.now() > deadline) throw new Error('never settled while the clock moved on');
    await rt.advance(stepMs);
    await new Promise((r) => setTimeout(r, 3));
  }
  return p;
}

interface JobRow {
  status: string;
  attempts: number;
  processed_items: number;
  lease_expires_at: number | null;
  created_at: number;
  queued_at: number;
  start_time: number | null;
  end_time: number | null;
}

// Time slices (FITSYNC_JOB_SLICE) on the fake clock: the jobs' Garmin calls are paced at RPS on it,
// so a job lasts several slices of fake time. No timer of the test or the server runs for real.
for (const { dialect, skip } of await dialects()) {
  describe(`time slices on ${dialect} (fake runtime)`, { skip }, () => {
    let w: SyncWorld;
    const rt = new FakeRuntime({ now: Date.UTC(2026, 2, 2, 12) });
    before(async () => {
      w = await startWorld(
        dialect,
        `fairness-slice-${dialect}`,
        {
          FITSYNC_JOB_SLICE: `${SLICE_MS / 1000}s`,
          FITSYNC_GARMIN_RPS: String(RPS),
          FITSYNC_GARMIN_CONCURRENCY: String(CONCURRENCY),
          FITSYNC_ACCESS_TOKEN_TTL: '86400',
        },
        { runtime: rt },
      );
    });
    beforeEach(async () => {
      await w.s.db.run("UPDATE sync_jobs SET status = 'cancelled', lease_owner = NULL WHERE status IN ('pending', 'running')");
    });
    after(() => w?.close());

    const pool = () => w.s.app.deps.syncWorkers;
    const row = async (jobId: string) => {
      const r = await w.s.db.get<JobRow>(
        'SELECT status, attempts, processed_items, lease_expires_at, created_at, queued_at, start_time, end_time FROM sync_jobs WHERE job_id = ?',
        [jobId],
      );
      return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, k === 'status' || v === null ? v : Number(v)])) as unknown as JobRow;
    };
    // Activities only: a health sync reads a year of days whatever the account holds (HEALTH_FULL_DAYS).
    const history = { activities: 24, days: 0, workouts: 0 };
    const body = { sync_type: 'activities' };
    const downloads = () =>
      Object.values(w.sim.stats().by_route['/download-service/files/activity/{id}'] ?? {}).reduce((a, b) => a + b, 0);

    test('a job alone runs past its slice to its end: nobody waits, so it keeps its worker', async () => {
      const u = await linkedUser(w, history);
      const job = await startSync(w, u, body);
      assert.equal(await whileAdvancing(rt, 50, pool().runOnce()), job.job_id);
      const r = await row(job.job_id);
      assert.equal(r.status, 'completed');
      assert.equal(r.attempts, 1);
      // It ran several slices long (paced), in one claim: it never gave its worker back.
      assert.ok(r.end_time! - r.start_time! > 3 * SLICE_MS, `ran ${r.end_time! - r.start_time!} ms`);
      await assertTruth(w, u);
    });

    test('with another user waiting, a job past its slice gives its worker back, goes to the back, and resumes where it stopped', async () => {
      const a = await linkedUser(w, history);
      const b = await linkedUser(w, history);
      const jobA = await startSync(w, a, body);
      await rt.advance(1);
      const jobB = await startSync(w, b, body);
      const seen = new Map<string, ServerEvents['sync-job'][]>([
        [jobA.job_id, []],
        [jobB.job_id, []],
      ]);
      const offs = [...seen.keys()].map((id) => w.s.app.deps.events.subscribe('sync-job', id, (e) => seen.get(id)!.push(e)));
      w.sim.resetStats();
      const claims: string[] = [];
      try {
        // The first turn: A (queued first) runs its slice and yields to B, still `running`.
        const sliceStart = rt.now();
        claims.push((await whileAdvancing(rt, 50, pool().runOnce()))!);
        assert.equal(claims[0], jobA.job_id);
        const yielded = await row(jobA.job_id);
        assert.equal(yielded.status, 'running');
        assert.equal(yielded.lease_expires_at, 0, 'handed back: claimable at once');
        assert.ok(yielded.processed_items > 0, 'it stored something in its slice');
        assert.ok(rt.now() - sliceStart >= SLICE_MS, 'not before its slice was over');
        // Behind B now, which was queued later.
        assert.ok(yielded.queued_at > (await row(jobB.job_id)).queued_at);
        const api = (await call(w.s.app, 'GET', `/v1/sync/jobs/${jobA.job_id}`, { token: a.token })).body;
        assert.equal(api.status, 'running');
        assert.equal(api.processed_items, yielded.processed_items);

        // Then they take turns until both are done.
        for (;;) {
          const id = await whileAdvancing(rt, 50, pool().runOnce());
          if (!id) break;
          claims.push(id);
          assert.ok(claims.length < 40, `no end in sight: ${claims.length} turns`);
        }
      } finally {
        for (const off of offs) off();
      }
      const [A, B] = [jobA.job_id, jobB.job_id];
      // Alternating while both were queued; the one left alone then ran to its end.
      const turns = claims.map((id) => (id === A ? 'A' : 'B')).join('');
      assert.match(turns, /^ABAB/, turns);
      assert.doesNotMatch(turns.replace(/(A+|B+)$/, ''), /AA|BB/, turns);
      for (const [u, id] of [
        [a, A],
        [b, B],
      ] as [SyncUser, string][]) {
        const r = await row(id);
        assert.equal(r.status, 'completed');
        // Yields are not failed attempts: each job was claimed many times, counted once.
        assert.equal(r.attempts, 1, `job ${id === A ? 'A' : 'B'} attempts`);
        // What a watcher saw: running until completed, progress never going back.
        const events = seen.get(id)!;
        assert.deepEqual([...new Set(events.map((e) => e.job.status))], ['running', 'completed']);
        for (let i = 1; i < events.length; i++) {
          assert.ok(events[i]!.job.processed_items >= events[i - 1]!.job.processed_items, `processed_items went back at event ${i}`);
          assert.ok(events[i]!.job.progress >= events[i - 1]!.job.progress, `progress went back at event ${i}`);
        }
        await assertTruth(w, u);
      }
      // Resuming costs little: what was stored is not downloaded again. Only the downloads in flight
      // when a job yielded (at most its concurrency) may be repeated.
      const yields = claims.length - 2;
      assert.ok(downloads() <= 2 * history.activities + CONCURRENCY * yields, `${downloads()} downloads, ${yields} yields`);
    });
  });
}
