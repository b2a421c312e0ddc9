import assert from 'node:assert/strict';
import type { SyncJob } from '@fitsync/api';
import { describe, test } from 'node:test';
import { ApiClient } from '../../src/client/client.js';
import { CredentialStore } from '../../src/credentials/store.js';
import { UnavailableError } from '../../src/errors.js';
import { Session } from '../../src/session.js';
import { type FollowDeps, type FollowOptions, followJob } from '../../src/sync/follow-job.js';
import { asSyncJob } from '../../src/client/answers.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { job, sseEvent, startEvents } from '../helpers/sync-stub-server.js';

/** followJob with its waits (reconnect backoff, polling) on the test's clock. */
function follow(first: SyncJob, d: FollowDeps & { runtime: DrivenRuntime }, onUpdate: (j: SyncJob) => void, o?: FollowOptions): Promise<SyncJob> {
  return d.runtime.drive(followJob(first, d, onUpdate, o));
}

describe('followJob', () => {
  const fixture = stubFixture();
  async function setup() {
    const { dir, stub } = await fixture.setupRaw({ signedIn: true });
    const runtime = new DrivenRuntime(Date.now());
    const session = new Session(new ApiClient({ baseUrl: stub.url, runtime, requestTimeoutMs: 300 }), new CredentialStore(dir, runtime), 'default', runtime);
    return { stub, runtime, deps: { baseUrl: stub.url, session, runtime } };
  }
  const first = asSyncJob(job({ status: 'running' }));

  test('a silent stream is dropped after the idle timeout and reopened', async () => {
    const { stub, deps } = await setup();
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => startEvents(res)); // headers, then nothing
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      startEvents(res);
      res.end(sseEvent(job({ status: 'completed', progress: 100 })));
    });
    const seen: string[] = [];
    const t0 = Date.now();
    const end = await follow(first, deps, (j) => seen.push(j.status), { idleTimeoutMs: 200 });
    assert.equal(end.status, 'completed');
    assert.deepEqual(seen, ['completed']);
    assert.ok(Date.now() - t0 < 5_000);
    stub.verify();
  });

  test('a stream that keeps failing (5xx) falls back to polling', async () => {
    const { stub, deps, runtime } = await setup();
    stub.json('GET', '/v1/sync/jobs/job-1/events', 500, { code: 'internal_error' }, 3);
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'completed' }));
    const t0 = runtime.now();
    const end = await follow(first, deps, () => undefined, { maxStreamFailures: 3 });
    assert.equal(end.status, 'completed');
    assert.ok(runtime.now() - t0 >= 1_000, 'backoff and the poll interval ran on the injected runtime');
    stub.verify();
  });

  // The stub records a call once it has read the request; a headers timeout well above the
  // event-loop delays of a loaded CI machine keeps that from racing the client's abort.
  test('a server that accepts but never answers: bounded by the timeouts, then an exit-6 error', async () => {
    const { stub, deps } = await setup();
    stub.on('GET', '/v1/sync/jobs/job-1/events', () => undefined, 2);
    stub.on('GET', '/v1/sync/jobs/job-1', () => undefined, 4);
    await assert.rejects(
      follow(first, deps, () => undefined, { headersTimeoutMs: 1000, maxStreamFailures: 2 }),
      (e: unknown) => e instanceof UnavailableError,
    );
    stub.verify();
  });

  test('a non-event-stream answer (e.g. a proxy page) → polling', async () => {
    const { stub, deps } = await setup();
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'failed', error_message: 'boom' }));
    const end = await follow(first, deps, () => undefined);
    assert.equal(end.status, 'failed');
    stub.verify();
  });

  test('snapshots of another job on the stream are ignored', async () => {
    const { stub, deps } = await setup();
    stub.on('GET', '/v1/sync/jobs/job-1/events', (_c, res) => {
      startEvents(res);
      res.write(sseEvent(job({ job_id: 'other', status: 'completed' })));
      res.write('event: ping\ndata: {}\n\n');
      res.end(sseEvent(job({ status: 'completed' })));
    });
    const seen: string[] = [];
    const end = await follow(first, deps, (j) => seen.push(`${j.job_id}:${j.status}`));
    assert.equal(end.job_id, 'job-1');
    assert.deepEqual(seen, ['job-1:completed']);
    stub.verify();
  });
});
