import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiClient } from '../../src/client/client.js';
import { CredentialStore } from '../../src/credentials/store.js';
import { Session } from '../../src/session.js';
import { followJob } from '../../src/sync/follow-job.js';
import { asSyncJob } from '../../src/client/answers.js';
import { type Flood, flood } from '../helpers/flood.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { activity, job } from '../helpers/sync-stub-server.js';

const MiB = 1024 * 1024;
const ACTIVITY = JSON.stringify(activity('1'));

// Each stub answer is made on the fly (never allocated whole) and stops when
// the client hangs up; its safety limit lets the old, unbounded client finish
// (and fail the `closedEarly` assertion) instead of running the test for ever.
describe('size limits on what the CLI reads from the server', () => {
  const fixture = stubFixture();

  test('a JSON answer over 16 MiB (valid JSON, no Content-Length): exit 6 naming the limit, connection dropped, not retried', async () => {
    const { dir, stub } = await fixture.setupRaw({ signedIn: true });
    let f: Flood | undefined;
    stub.on('GET', '/v1/activities?limit=50', (_c, res) => {
      f = flood(res, { head: '{"activities":[', unit: `${ACTIVITY},`, tail: `${ACTIVITY}],"next_cursor":null}`, limit: 40 * MiB });
    });
    const r = await runMain(['activities', 'list'], { configDir: dir, runtime: new DrivenRuntime(Date.now()) });
    assert.equal(r.code, 6, r.err);
    assert.match(r.err, /sent an answer larger than 16 MiB \(GET \/v1\/activities\); not reading it/);
    assert.equal(r.out, '');
    const seen = await (f as Flood).done;
    assert.equal(seen.closedEarly, true, 'the CLI hung up instead of reading the whole answer');
    assert.ok(seen.bytes < 40 * MiB);
    stub.verify(); // one call: a too-large answer is not asked for again
  });

  test('a Content-Length over the limit is refused before reading the body', async () => {
    const { dir, stub } = await fixture.setupRaw({ signedIn: true });
    let f: Flood | undefined;
    stub.on('GET', '/v1/garmin/connection', (_c, res) => {
      f = flood(res, { headers: { 'content-type': 'application/json', 'content-length': String(220 * 1000 * 1000) }, unit: ' '.repeat(1024), limit: 32 * MiB });
    });
    const r = await runMain(['garmin', 'status'], { configDir: dir });
    assert.equal(r.code, 6, r.err);
    assert.match(r.err, /sent an answer larger than 16 MiB/);
    const seen = await (f as Flood).done;
    assert.equal(seen.closedEarly, true);
    stub.verify();
  });

  test('an endless error body on a download: the typed error from the status, connection dropped', async () => {
    const { dir, stub } = await fixture.setupRaw({ signedIn: true });
    let f: Flood | undefined;
    stub.on('GET', '/v1/activities/7/fit', (_c, res) => {
      f = flood(res, { status: 404, headers: { 'content-type': 'application/problem+json' }, head: '{"code":"not_found","detail":"', unit: 'x'.repeat(1024), tail: '"}', limit: 8 * MiB });
    });
    const r = await runMain(['activities', 'download', '7', '--out', `${dir}/7.fit`], { configDir: dir });
    assert.equal(r.code, 4, r.err);
    const seen = await (f as Flood).done;
    assert.equal(seen.closedEarly, true, 'the CLI stopped reading the problem body');
    stub.verify();
  });

  test('an SSE event over 1 MiB (a line that never ends): the stream is dropped, the follow goes on by polling', async () => {
    const { dir, stub } = await fixture.setupRaw({ signedIn: true });
    const runtime = new DrivenRuntime(Date.now());
    const session = new Session(new ApiClient({ baseUrl: stub.url, runtime }), new CredentialStore(dir, runtime), 'default', runtime);
    let f: Flood | undefined;
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      f = flood(res, { headers: { 'content-type': 'text/event-stream' }, head: 'event: job\ndata: ', unit: 'x'.repeat(1024), limit: 8 * MiB });
    });
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'completed', progress: 100 }));
    const logs: string[] = [];
    const end = await runtime.drive(followJob(asSyncJob(job({ status: 'running' })), { baseUrl: stub.url, session, runtime, log: (l) => logs.push(l) }, () => undefined, {
      maxStreamFailures: 1,
    }));
    assert.equal(end.status, 'completed');
    assert.ok(logs.some((l) => /sent an event larger than 1 MiB on the event stream/.test(l)), logs.join('\n'));
    const seen = await (f as Flood).done;
    assert.equal(seen.closedEarly, true, 'the CLI hung up on the stream');
    assert.ok(seen.bytes < 8 * MiB);
    stub.verify();
  });
});
