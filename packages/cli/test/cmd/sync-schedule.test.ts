import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { job, problemBody } from '../helpers/sync-stub-server.js';

const MIN = 60_000;

function schedule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { every_s: 21_600, sync_type: 'all', enabled: true, next_run_at: null, last_run_at: null, last_job_id: null, ...over };
}

describe('sync schedule against a stub server', () => {
  const fixture = stubFixture();
  async function setup() {
    return { ...(await fixture.setupRaw({ signedIn: true })), runtime: new DrivenRuntime(Date.parse('2026-06-01T12:00:00Z')) };
  }

  test('set --every 6h: PUT every_s (type only when given), prints the schedule', async () => {
    const { dir, stub, runtime } = await setup();
    const next = new Date(runtime.now() + 6 * 60 * MIN + 3 * MIN).toISOString();
    stub.json('PUT', '/v1/sync/schedule', 200, schedule({ next_run_at: next }));
    stub.json('PUT', '/v1/sync/schedule', 200, schedule({ every_s: 86_400, sync_type: 'health', next_run_at: next }));
    const r = await runMain(['sync', 'schedule', 'set', '--every', '6h'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(stub.calls[0]?.body, { every_s: 21_600 });
    assert.match(r.out, /Every: +6h/);
    assert.match(r.out, /Enabled: +yes/);
    assert.match(r.out, /Next run: +\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(in 6 h 3 min\)/);
    assert.match(r.err, /Syncing all every 6h\./);
    const r2 = await runMain(['sync', 'schedule', 'set', '--every', '1d', '--type', 'health', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r2.code, 0, r2.err);
    assert.deepEqual(stub.calls[1]?.body, { every_s: 86_400, sync_type: 'health' });
    assert.equal(JSON.parse(r2.out).every_s, 86_400);
    stub.verify();
  });

  test('bad DURATION, bad type, missing or misplaced flags: exit 2 without a request', async () => {
    const { dir, stub, runtime } = await setup();
    for (const [args, msg] of [
      [['set', '--every', '90'], /invalid --every "90"/],
      [['set', '--every', '1.5h'], /invalid --every/],
      [['set', '--every', '0m'], /invalid --every/],
      [['set', '--every', '6h', '--type', 'everything'], /invalid --type "everything"/],
      [['set'], /--every is required/],
      [['show', '--every', '6h'], /go with "set", not "show"/],
      [['sometimes'], /unknown action "sometimes"/],
      [[], /set, show or off is required/],
    ] as const) {
      const r = await runMain(['sync', 'schedule', ...args], { configDir: dir, runtime });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, msg);
    }
    assert.equal(stub.calls.length, 0);
    stub.verify();
  });

  test("below the server's minimum: its 422 becomes exit 2 with the minimum in the message", async () => {
    const { dir, stub, runtime } = await setup();
    const detail = "The interval must be at least 15m (every_s 900), the server's minimum (FITSYNC_SCHEDULE_MIN_INTERVAL).";
    stub.json('PUT', '/v1/sync/schedule', 422, problemBody(422, 'validation_error', { detail }));
    const r = await runMain(['sync', 'schedule', 'set', '--every', '5m'], { configDir: dir, runtime });
    assert.equal(r.code, 2);
    assert.match(r.err, /--every 5m refused: The interval must be at least 15m/);
    assert.equal(r.out, '');
    stub.verify();
  });

  test('show: every, type, next run (local and relative), last run and job; never set → off with a hint', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json(
      'GET',
      '/v1/sync/schedule',
      200,
      schedule({
        every_s: 900,
        next_run_at: new Date(runtime.now() + 12 * MIN).toISOString(),
        last_run_at: new Date(runtime.now() - 3 * MIN).toISOString(),
        last_job_id: 'job-42',
      }),
    );
    stub.json('GET', '/v1/sync/schedule', 200, schedule({ every_s: null, enabled: false }));
    stub.json('GET', '/v1/sync/schedule', 200, schedule({ every_s: 900 }));
    const r = await runMain(['sync', 'schedule', 'show'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Every: +15m\n/);
    assert.match(r.out, /Type: +all\n/);
    assert.match(r.out, /Next run: +.+\(in 12 min\)\n/);
    assert.match(r.out, /Last run: +.+\(3 min ago\)\n/);
    assert.match(r.out, /Last job: +job-42\n/);
    const never = await runMain(['sync', 'schedule', 'show'], { configDir: dir, runtime });
    assert.equal(never.code, 0);
    assert.match(never.out, /Every: +-\n/);
    assert.match(never.out, /Enabled: +no\n/);
    assert.match(never.err, /Automatic sync is off\. Turn it on with `fitsync sync schedule set --every 6h`/);
    const csv = await runMain(['sync', 'schedule', 'show', '-o', 'csv'], { configDir: dir, runtime });
    assert.equal(csv.out, 'every_s,sync_type,enabled,next_run_at,last_run_at,last_job_id\n900,all,true,,,\n');
    stub.verify();
  });

  test('off: DELETE, exit 0; a malformed answer to show is exit 6, not a crash', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('DELETE', '/v1/sync/schedule', 204, null);
    stub.json('GET', '/v1/sync/schedule', 200, { every_s: 'often' });
    const r = await runMain(['sync', 'schedule', 'off'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Automatic sync is off\./);
    const bad = await runMain(['sync', 'schedule', 'show'], { configDir: dir, runtime });
    assert.equal(bad.code, 6, bad.err);
    stub.verify();
  });

  test('off -o json|csv: one document on stdout, the schedule the DELETE left (read back)', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('DELETE', '/v1/sync/schedule', 204, null);
    stub.json('GET', '/v1/sync/schedule', 200, schedule({ enabled: false }));
    stub.json('DELETE', '/v1/sync/schedule', 204, null);
    stub.json('GET', '/v1/sync/schedule', 200, schedule({ enabled: false }));
    const r = await runMain(['sync', 'schedule', 'off', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), schedule({ enabled: false }));
    assert.match(r.err, /Automatic sync is off\./);
    const c = await runMain(['sync', 'schedule', 'off', '-o', 'csv'], { configDir: dir, runtime });
    assert.equal(c.code, 0, c.err);
    assert.deepEqual(c.out.trim().split('\n'), ['every_s,sync_type,enabled,next_run_at,last_run_at,last_job_id', '21600,all,false,,,']);
    assert.deepEqual(
      stub.calls.map((x) => x.method),
      ['DELETE', 'GET', 'DELETE', 'GET'],
    );
    stub.verify();
  });

  test('status and list show what started a job', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/sync/jobs/latest', 200, job({ trigger: 'schedule' }));
    stub.json('GET', '/v1/sync/jobs?limit=20', 200, { jobs: [job({ trigger: 'schedule' }), job({ job_id: 'job-2' })], next_cursor: null });
    const r = await runMain(['sync', 'status'], { configDir: dir, runtime });
    assert.match(r.out, /Started by: +schedule/);
    const l = await runMain(['sync', 'list'], { configDir: dir, runtime });
    assert.equal(l.code, 0, l.err);
    assert.match(l.out, /^ID +STATUS +TYPE +TRIGGER/);
    assert.match(l.out, /job-1 +\S+ +\S+ +schedule/);
    assert.match(l.out, /job-2 +\S+ +\S+ +manual/);
    stub.verify();
  });
});
