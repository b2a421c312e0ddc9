import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Queryable } from '../src/db/db.js';
import { JobReporter } from '../src/jobs/job-reporter.js';
import type { SyncJobQueue } from '../src/jobs/sync-job-queue.js';
import { parseJobState } from '../src/sync/job-state.js';
import { KIND_NAMES } from '../src/sync/kinds/index.js';
import { ProgressTracker } from '../src/sync/progress-tracker.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { assertTruth, drain, linkedUser, routeCounts, startSync, startWorld, type SyncWorld } from './sync/harness.js';

const SUMMARY = '/usersummary-service/usersummary/daily/{displayName}';
const DOWNLOAD = '/download-service/files/activity/{id}';

// The kinds of one job fetch side by side within the job's limiter (src/sync/run-kinds.ts).
for (const { dialect, skip } of await dialects()) {
  describe(`a sync's kinds overlap on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `sync-overlap-${dialect}`);
    });
    after(async () => {
      w?.sim.setFaults([]);
      await w?.close();
    });

    test('health calls use the slots FIT downloads leave free, and the result is the truth', async () => {
      const u = await linkedUser(w, { activities: 2, days: 20, workouts: 2 });
      w.sim.resetStats();
      // Two downloads held 1.5 s: they take two of the job's four slots.
      w.sim.setFaults([{ path_prefix: '/download-service/', kind: 'slow', rate: 1, delay_ms: 1500 }]);
      let summariesBeforeFirstFit = -1;
      try {
        await startSync(w, u, { sync_type: 'all' });
        const running = drain(w);
        while (summariesBeforeFirstFit < 0) {
          const counts = routeCounts(w.sim.stats());
          if ((counts[DOWNLOAD] ?? 0) > 0) summariesBeforeFirstFit = counts[SUMMARY] ?? 0;
          else await new Promise((r) => setTimeout(r, 5));
        }
        await running;
      } finally {
        w.sim.setFaults([]);
      }
      // One kind after the other, no summary is read before the downloads end.
      assert.ok(summariesBeforeFirstFit > 0, `no daily summary was read while the FIT downloads were held (${summariesBeforeFirstFit})`);
      await assertTruth(w, u);
    });

    test('a kind that fails stops the others: the job fails with its error and nothing reaches Garmin after it ended', async () => {
      const u = await linkedUser(w, { activities: 4, days: 200, workouts: 1 });
      w.sim.resetStats();
      w.sim.setFaults([
        { path_prefix: '/download-service/', kind: '500', rate: 1 },
        // Health alone takes well over a second: 200 days, four at a time.
        { path_prefix: '/usersummary-service/', kind: 'slow', rate: 1, delay_ms: 40 },
      ]);
      let done: { status: string; error_message: string };
      try {
        const job = await startSync(w, u, { sync_type: 'all' });
        await drain(w);
        done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        // Calls that left before the end may reach the sim a moment later; then nothing more comes.
        await new Promise((r) => setTimeout(r, 300));
        const seen = w.sim.stats().total;
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(w.sim.stats().total, seen, 'Garmin calls after the job ended');
      } finally {
        w.sim.setFaults([]);
      }
      assert.equal(done.status, 'failed');
      assert.match(done.error_message, /^Garmin unavailable while downloading the FIT file of activity \d+/);
      const summaries = routeCounts(w.sim.stats())[SUMMARY] ?? 0;
      assert.ok(summaries < 200, `health went on after activities failed: ${summaries} daily summaries read`);
    });
  });
}

describe('the resume state of overlapping kinds', () => {
  test("a finished kind's state holds its items and counts, not those of kinds still running", async () => {
    const saved: string[] = [];
    const queue = {
      saveState: async (_tx: Queryable, _job: string, _owner: string, json: string) => {
        saved.push(json);
      },
    } as unknown as SyncJobQueue;
    // A resumed job: workouts (3 items) were finished by an earlier attempt.
    const tracker = new ProgressTracker(KIND_NAMES, { processed: 3, counts: { workouts: { new: 3, updated: 0, unchanged: 0 } } });
    const reporter = new JobReporter(tracker, queue, 'job-1', 'owner-1', ['workouts']);
    reporter.advance('health', 10);
    reporter.count('health', 'new', 10);
    reporter.done('activities', 'new', 4);
    reporter.done('activities', 'unchanged', 2);
    await reporter.finished({} as Queryable, 'activities');
    const state = parseJobState(saved.at(-1)!);
    assert.deepEqual(state.done.sort(), ['activities', 'workouts']);
    // Health's 10 days are redone by the next attempt: counted once, there.
    assert.equal(state.processed, 3 + 6);
    assert.deepEqual(state.counts.activities, { new: 4, updated: 0, unchanged: 2 });
    assert.deepEqual(state.counts.workouts, { new: 3, updated: 0, unchanged: 0 });
    assert.deepEqual(state.counts.health, { new: 0, updated: 0, unchanged: 0 });
    // The job's own progress still shows everything done so far.
    assert.equal(tracker.processedItems, 3 + 10 + 6);
  });
});
