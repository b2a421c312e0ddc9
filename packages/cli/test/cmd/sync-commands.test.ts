import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { job, problemBody, sendJson, sseEvent, startEvents } from '../helpers/sync-stub-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sync commands against a stub server', () => {
  const fixture = stubFixture();
  async function setup() {
    return { ...(await fixture.setupRaw({ signedIn: true })), runtime: new DrivenRuntime(Date.now()) };
  }

  test('start: prints the job at once, sends a generated Idempotency-Key and the body', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 202, job());
    const r = await runMain(['sync', 'start'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Job: +job-1/);
    assert.match(r.out, /Status: +pending/);
    assert.match(r.err, /fitsync sync status job-1 --watch/);
    const [call] = stub.calls;
    assert.deepEqual(call?.body, { sync_type: 'all' });
    assert.match(String(call?.headers['idempotency-key']), UUID);
    assert.equal(call?.headers.authorization, 'Bearer acc-old');
    stub.verify();
  });

  test('start with a reused key answered by a job that has ended: says so, no hint to follow it', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 202, job({ status: 'completed', progress: 100 }));
    const r = await runMain(['sync', 'start', '--idempotency-key', 'again'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Status: +completed/);
    assert.match(r.err, /Sync job job-1 already completed \(started before with this Idempotency-Key\)\./);
    assert.doesNotMatch(r.err, /--watch/);
    stub.verify();
  });

  test('start -o json: exactly one JSON document, the SyncJob; flags go into the body', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 202, job({ sync_type: 'activities', since: '2026-01-01', until: '2026-01-31' }));
    const r = await runMain(['sync', 'start', '--type', 'activities', '--since', '2026-01-01', '--until', '2026-01-31', '-o', 'json', '--idempotency-key', 'mine-1'], {
      configDir: dir,
      runtime,
    });
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.job_id, 'job-1');
    assert.deepEqual(doc.counts.activities, { new: 0, updated: 0, unchanged: 0 });
    assert.deepEqual(stub.calls[0]?.body, { sync_type: 'activities', since: '2026-01-01', until: '2026-01-31' });
    assert.equal(stub.calls[0]?.headers['idempotency-key'], 'mine-1');
    stub.verify();
  });

  test('start: a dropped connection and a 503 are retried with the SAME Idempotency-Key → one job', async () => {
    const { dir, stub, runtime } = await setup();
    // The first POST reaches the server but the answer is lost (connection reset).
    stub.on('POST', '/v1/sync/jobs', (_c, res) => res.socket?.destroy());
    stub.json('POST', '/v1/sync/jobs', 503, problemBody(503, 'upstream_unavailable'));
    stub.json('POST', '/v1/sync/jobs', 202, job());
    const t0 = runtime.now();
    const r = await runMain(['sync', 'start', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).job_id, 'job-1');
    const keys = stub.calls.map((c) => c.headers['idempotency-key']);
    assert.equal(keys.length, 3);
    assert.equal(new Set(keys).size, 1, 'one key for every attempt');
    assert.ok(runtime.now() > t0, 'backed off between attempts (on the injected runtime)');
    stub.verify();
  });

  test('start: a 400 is not retried (exit 2); a server down for good ends with exit 6 after the retries', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 400, problemBody(400, 'validation_error', { detail: 'since is in the future' }));
    const r = await runMain(['sync', 'start'], { configDir: dir, runtime });
    assert.equal(r.code, 2);
    assert.match(r.err, /since is in the future/);
    stub.json('POST', '/v1/sync/jobs', 502, problemBody(502, 'internal_error'), 4);
    const r2 = await runMain(['sync', 'start'], { configDir: dir, runtime });
    assert.equal(r2.code, 6);
    assert.equal(stub.calls.length, 5);
    stub.verify();
  });

  test('start while a sync runs: exit 5 naming the active job and how to follow it', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 409, problemBody(409, 'sync_in_progress', { job_id: 'job-active', detail: 'A sync is already running' }));
    const r = await runMain(['sync', 'start', '--wait'], { configDir: dir, runtime });
    assert.equal(r.code, 5);
    assert.match(r.err, /A sync is already running: job-active\. Follow it with `fitsync sync status job-active --watch`/);
    assert.equal(r.out, '');
    stub.verify();
  });

  test('start without a Garmin connection: exit 5 telling to run `fitsync garmin connect`', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 409, problemBody(409, 'garmin_not_connected'));
    const r = await runMain(['sync', 'start'], { configDir: dir, runtime });
    assert.equal(r.code, 5);
    assert.match(r.err, /fitsync garmin connect/);
    stub.verify();
  });

  test('start beyond the hourly job budget: exit 6 with the server\'s reason and wait, not retried', async () => {
    const { dir, stub, runtime } = await setup();
    stub.on('POST', '/v1/sync/jobs', (_c, res) =>
      sendJson(res, 429, problemBody(429, 'rate_limited', { detail: 'At most 60 sync jobs per hour; try again in 420 s.', retry_after: 420 }), {
        'retry-after': '420',
      }),
    );
    const r = await runMain(['sync', 'start'], { configDir: dir, runtime });
    assert.equal(r.code, 6);
    assert.match(r.err, /At most 60 sync jobs per hour; try again in 420 s\./);
    assert.equal(stub.calls.length, 1, 'a 429 is not retried');
    stub.verify();
  });

  test('start when not signed in: exit 3, no request', async () => {
    const { dir, stub } = await fixture.setupRaw();
    const r = await runMain(['sync', 'start', '--server', stub.url], { configDir: dir });
    assert.equal(r.code, 3);
    stub.verify();
  });

  test('start --wait: follows the event stream (one line per change without a TTY), exit 0 when completed', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 202, job());
    stub.on('GET', '/v1/sync/jobs/job-1/events', (call, res) => {
      assert.equal(call.headers.accept, 'text/event-stream');
      startEvents(res);
      const running = sseEvent(job({ status: 'running', progress: 50, total_items: 10, processed_items: 5 }), '2');
      // Cut events across writes, mid-line and mid-JSON.
      res.write(`${sseEvent(job(), '1')}${running.slice(0, 17)}`);
      setTimeout(() => res.write(running.slice(17)), 20);
      setTimeout(() => res.write(sseEvent(job({ status: 'running', progress: 50, total_items: 10, processed_items: 5 }), '3')), 30);
      const done = job({ status: 'completed', progress: 100, total_items: 10, processed_items: 10, counts: { activities: { new: 7, updated: 0, unchanged: 3 }, health: { new: 0, updated: 0, unchanged: 0 }, workouts: { new: 0, updated: 0, unchanged: 0 } } });
      setTimeout(() => res.end(sseEvent(done, '4')), 40);
    });
    const r = await runMain(['sync', 'start', '--wait', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.status, 'completed');
    assert.equal(doc.counts.activities.new, 7);
    const lines = r.err.split('\n').filter((l) => l.startsWith('job job-1'));
    assert.deepEqual(
      lines.map((l) => l.split('  ').slice(1, 4).join(' ')),
      ['pending 0% 0 items', 'running 50% 5/10 items', 'completed 100% 10/10 items'],
      'one line per change, the repeated snapshot not repeated',
    );
    assert.match(r.err, /activities 7 new, 0 updated, 3 unchanged/);
    assert.ok(!r.err.includes('\r'), 'no redraws without a TTY');
    stub.verify();
  });

  test('start --wait: a failed job exits 7 with its error message', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 202, job({ status: 'running' }));
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      startEvents(res);
      res.end(sseEvent(job({ status: 'failed', error_message: 'Garmin kept answering 503 after 40 of 60 activities' })));
    });
    const r = await runMain(['sync', 'start', '--wait'], { configDir: dir, runtime });
    assert.equal(r.code, 7);
    assert.match(r.err, /Sync job job-1 failed: Garmin kept answering 503 after 40 of 60 activities/);
    assert.match(r.out, /Status: +failed/);
    stub.verify();
  });

  test('start --wait answered with an already finished job (an idempotent replay): no stream, exit by its status', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs', 202, job({ status: 'completed', progress: 100 }));
    const r = await runMain(['sync', 'start', '--wait', '--idempotency-key', 'k', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).status, 'completed');
    stub.verify();
  });

  test('status --watch: reconnects after a dropped stream with Last-Event-ID; cancelled → exit 7', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/sync/jobs/latest', 200, job({ status: 'running' }));
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      startEvents(res);
      res.write(`retry: 100\n${sseEvent(job({ status: 'running', progress: 10 }), 'e5')}`);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    stub.on('GET', '/v1/sync/jobs/job-1/events', (call, res) => {
      assert.equal(call.headers['last-event-id'], 'e5');
      startEvents(res);
      res.end(sseEvent(job({ status: 'cancelled', progress: 10 }), 'e6'));
    });
    const r = await runMain(['sync', 'status', '--watch'], { configDir: dir, runtime });
    assert.equal(r.code, 7, r.err);
    assert.match(r.err, /Sync job job-1 cancelled/);
    stub.verify();
  });

  test('status --watch: no event stream (404) → polls GET every second on the injected runtime', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'running', progress: 5 }));
    stub.json('GET', '/v1/sync/jobs/job-1/events', 404, problemBody(404, 'not_found'));
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'running', progress: 60 }));
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'completed', progress: 100 }));
    const t0 = runtime.now();
    const r = await runMain(['sync', 'status', 'job-1', '--watch'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.equal(runtime.now() - t0, 2_000, 'two polls, one second apart');
    assert.match(r.err, /running {2}60%/);
    stub.verify();
  });

  test('status --watch on a TTY: a progress bar redrawn on stderr, stdout stays clean', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'running', total_items: 4, processed_items: 1, progress: 25 }));
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      startEvents(res);
      res.write(sseEvent(job({ status: 'running', total_items: 4, processed_items: 2, progress: 50 })));
      setTimeout(() => res.end(sseEvent(job({ status: 'completed', total_items: 4, processed_items: 4, progress: 100 }))), 20);
    });
    const r = await runMain(['sync', 'status', 'job-1', '--watch', '--no-color'], { configDir: dir, runtime, tty: true });
    assert.equal(r.code, 0, r.err);
    assert.ok(r.err.split('\r\u001b[2K').length >= 4, r.err);
    assert.match(r.err, /completed +█{24} 100% {2}4\/4 items\n/);
    assert.ok(!r.out.includes('\u001b') && !r.out.includes('█'), 'the bar never goes to stdout');
    assert.match(r.out, /Status: +completed/);
    stub.verify();
  });

  test('status --watch: the server dies mid-watch → exit 6, no hang', async () => {
    const { dir, stub, runtime } = await setup();
    stub.on('GET', '/v1/sync/jobs/job-1', (_c, res) => {
      sendJson(res, 200, job({ status: 'running' }));
      res.on('finish', () => void stub.close());
    });
    const r = await runMain(['sync', 'status', 'job-1', '--watch'], { configDir: dir, runtime });
    assert.equal(r.code, 6, r.err);
    assert.match(r.err, /cannot reach/);
    stub.verify();
  });

  test('status: latest without any job → exit 4 "No sync jobs yet"; unknown id → exit 4', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/sync/jobs/latest', 404, problemBody(404, 'not_found'));
    stub.json('GET', '/v1/sync/jobs/nope', 404, problemBody(404, 'not_found'));
    const r = await runMain(['sync', 'status'], { configDir: dir, runtime });
    assert.equal(r.code, 4);
    assert.match(r.err, /No sync jobs yet/);
    const r2 = await runMain(['sync', 'status', 'nope'], { configDir: dir, runtime });
    assert.equal(r2.code, 4);
    assert.match(r2.err, /Sync job nope not found/);
    stub.verify();
  });

  test('status of a finished job without --watch: exit 0 (only a followed job maps to 7)', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'failed', error_message: 'x' }));
    const r = await runMain(['sync', 'status', 'job-1', '-o', 'csv'], { configDir: dir, runtime });
    assert.equal(r.code, 0);
    assert.match(r.out, /^job_id,status,sync_type,/);
    assert.match(r.out, /\njob-1,failed,all,/);
    stub.verify();
  });

  test('list: table and json with --status and --limit in the query', async () => {
    const { dir, stub, runtime } = await setup();
    const jobs = [job({ job_id: 'j2', status: 'failed', error_message: 'boom' }), job({ job_id: 'j1', status: 'failed' })];
    stub.json('GET', '/v1/sync/jobs?limit=5&status=failed', 200, { jobs, next_cursor: null }, 2);
    const r = await runMain(['sync', 'list', '--limit', '5', '--status', 'failed'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ID +STATUS +TYPE/);
    assert.match(r.out, /\nj2 +failed +all .* boom\n/);
    const j = await runMain(['sync', 'list', '--limit', '5', '--status', 'failed', '-o', 'json'], { configDir: dir, runtime });
    assert.deepEqual(JSON.parse(j.out).jobs.map((x: { job_id: string }) => x.job_id), ['j2', 'j1']);
    stub.verify();
  });

  test('cancel: 202 → 0; unknown → 4; already finished → 5', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('POST', '/v1/sync/jobs/job-1/cancel', 202, job({ status: 'cancelled' }));
    stub.json('POST', '/v1/sync/jobs/nope/cancel', 404, problemBody(404, 'not_found'));
    stub.json('POST', '/v1/sync/jobs/done/cancel', 409, problemBody(409, 'job_finished'));
    const r = await runMain(['sync', 'cancel', 'job-1'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /cancelled/);
    assert.equal((await runMain(['sync', 'cancel', 'nope'], { configDir: dir, runtime })).code, 4);
    const r3 = await runMain(['sync', 'cancel', 'done'], { configDir: dir, runtime });
    assert.equal(r3.code, 5);
    assert.match(r3.err, /Sync job done has already finished/);
    stub.verify();
  });
});
