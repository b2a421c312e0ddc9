import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: the built CLI and the real fitsync-server binary, whose scheduler loop runs on the
// real clock. A 1 s minimum lets a schedule come due within the test.
describe('sync schedule against the real server and garmin-sim', () => {
  const { linkedUser } = simServerFixture('cli-schedule-e2e', { FITSYNC_GARMIN_RPS: '0', FITSYNC_GARMIN_DEPLOYMENT_RPS: '0', FITSYNC_SCHEDULE_MIN_INTERVAL: '1s' }, () => {});

  test('a new link gets the default schedule; set --every 2s runs a scheduled job; off stops it', async () => {
    const u = await linkedUser('schede2e', { activities: 2, days: 2, workouts: 0 });
    const shown = await u.cli(['sync', 'schedule', 'show']);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /Every: +6h\n/);
    assert.match(shown.out, /Enabled: +yes\n/);
    assert.match(shown.out, /Next run: +.+\(in 6 h( \d+ min)?\)\n/);

    const bad = await u.cli(['sync', 'schedule', 'set', '--every', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /invalid --every "soon"/);

    const set = await u.cli(['sync', 'schedule', 'set', '--every', '2s', '--type', 'activities', '-o', 'json']);
    assert.equal(set.code, 0, set.err);
    assert.equal(JSON.parse(set.out).every_s, 2);

    // The server's own loop starts the run: wait (real time) for a completed scheduled job.
    const until = Date.now() + 30_000;
    let done: { job_id: string; trigger: string; sync_type: string } | undefined;
    while (!done && Date.now() < until) {
      const list = await u.cli(['sync', 'list', '-o', 'json']);
      done = JSON.parse(list.out).jobs.find((j: { trigger: string; status: string }) => j.trigger === 'schedule' && j.status === 'completed');
      if (!done) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(done, 'a scheduled job completed');
    assert.equal(done.sync_type, 'activities');
    const table = await u.cli(['sync', 'list']);
    assert.match(table.out, /TRIGGER/);
    assert.match(table.out, / schedule /);

    assert.equal((await u.cli(['sync', 'schedule', 'off'])).code, 0);
    const after = JSON.parse((await u.cli(['sync', 'schedule', 'show', '-o', 'json'])).out);
    assert.equal(after.enabled, false);
    assert.equal(after.next_run_at, null);
    assert.equal(after.every_s, 2);
    assert.ok(after.last_job_id, 'the last run is kept');
    // Off means off: no job starts after it (a run already pending may still finish).
    const count = async () => JSON.parse((await u.cli(['sync', 'list', '-o', 'json'])).out).jobs.filter((j: { trigger: string }) => j.trigger === 'schedule').length;
    const before = await count();
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(await count(), before);
  });
});
