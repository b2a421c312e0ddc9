import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { job, problemBody, sendJson, sseEvent, startEvents } from '../helpers/sync-stub-server.js';
import { TestInterrupts } from '../helpers/test-interrupts.js';

const STOPPED = /Stopped following sync job job-1; the sync goes on on the server\.\nFollow it again with `fitsync sync status job-1 --watch`, or cancel it with `fitsync sync cancel job-1`\.\n$/;

// Ctrl-C while following stops following, never the job: the stubs answer 500 to anything
// unplanned (a cancel included), and verify() fails on it.
describe('Ctrl-C while following a job', () => {
  const fixture = stubFixture();
  async function setup() {
    return { ...(await fixture.setupRaw({ signedIn: true })), runtime: new DrivenRuntime(Date.now()), interrupts: new TestInterrupts() };
  }

  test('sync start --wait on a terminal: the stream is closed, the bar ended, the way back told, exit 130', async () => {
    const { dir, stub, runtime, interrupts } = await setup();
    stub.json('POST', '/v1/sync/jobs', 202, job());
    let streamClosed: Promise<void> | undefined;
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res, req) => {
      streamClosed = new Promise((resolve) => req.on('close', () => resolve()));
      startEvents(res);
      res.write(sseEvent(job({ status: 'running', progress: 40, processed_items: 4, total_items: 10 }), '1'));
      // The press comes once the snapshot is on the screen.
      setTimeout(() => interrupts.fire(), 50);
    });
    const r = await runMain(['sync', 'start', '--wait'], { configDir: dir, runtime, interrupts, tty: true });
    assert.equal(r.code, 130, r.err);
    assert.equal(r.out, '', 'no final job on stdout: it has not ended');
    assert.match(r.err, /running .*40% {2}4\/10 items/);
    // The bar's line is ended before the message, which starts on a fresh line.
    assert.match(r.err, /4\/10 items[^\n]*\nStopped following/);
    assert.match(r.err, STOPPED);
    await streamClosed;
    assert.equal(interrupts.waiting, 0, 'Ctrl-C has its default back: a second press ends the process at once');
    stub.verify();
  });

  test('sync status --watch while polling (no event stream): the poll wait is left at once', async () => {
    const { dir, stub, interrupts } = await setup();
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'running' }));
    stub.json('GET', '/v1/sync/jobs/job-1/events', 404, problemBody(404, 'not_found'));
    stub.on('GET', '/v1/sync/jobs/job-1', (_c, res) => {
      sendJson(res, 200, job({ status: 'running', progress: 10 }));
      // Pressed during the 1 s wait before the next poll (the real clock: the press has to land
      // inside that wait); a further poll would be unplanned, answered 500 and fail verify().
      setTimeout(() => interrupts.fire(), 20);
    });
    const r = await runMain(['sync', 'status', 'job-1', '--watch'], { configDir: dir, interrupts });
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /job job-1 {2}running {2}10%/);
    assert.match(r.err, STOPPED);
    stub.verify();
  });

  test('a job that ends before any Ctrl-C: the handler is given back', async () => {
    const { dir, stub, runtime, interrupts } = await setup();
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'running' }));
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      startEvents(res);
      res.end(sseEvent(job({ status: 'completed', progress: 100 })));
    });
    const r = await runMain(['sync', 'status', 'job-1', '--watch'], { configDir: dir, runtime, interrupts });
    assert.equal(r.code, 0, r.err);
    assert.equal(interrupts.waiting, 0);
    stub.verify();
  });
});
