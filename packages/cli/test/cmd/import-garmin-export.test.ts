import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { zipBuffer } from '@fitsync/garmin-sim';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain, tempConfigDir, removeDir } from '../helpers/run-main.js';
import type { RawCall } from '../helpers/sync-stub-server.js';
import { job, problemBody, sendJson, sseEvent, startEvents } from '../helpers/sync-stub-server.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { TestInterrupts } from '../helpers/test-interrupts.js';

/** An Import as the server answers it. */
function imp(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    import_id: 'imp-1',
    format: 'garmin-export',
    status: 'uploading',
    size_bytes: 0,
    received_bytes: 0,
    sha256: 'a'.repeat(64),
    job_id: null,
    created_at: '2026-06-01T12:00:00.000Z',
    updated_at: '2026-06-01T12:00:00.000Z',
    ...over,
  };
}

const importJob = (over: Record<string, unknown> = {}) => job({ job_id: 'job-imp', sync_type: 'import', trigger: 'import', ...over });

describe('import garmin-export against a stub server', () => {
  const fixture = stubFixture();
  const files = tempConfigDir();
  fixture.defer(() => removeDir(files));

  async function setup() {
    return { ...(await fixture.setupRaw({ signedIn: true })), runtime: new DrivenRuntime(Date.now()) };
  }
  let n = 0;
  /** A real zip of about `size` bytes in a temp dir. */
  async function archive(size = 200_000) {
    const bytes = await zipBuffer([{ name: 'DI_CONNECT/DI-Connect-Fitness/a.json', data: randomBytes(size) }]);
    const path = join(files, `export-${++n}.zip`);
    writeFileSync(path, bytes);
    return { path, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  /** The upload as the server would hold it: PATCH bodies appended at their offset. */
  function holder(a: { bytes: Buffer; sha256: string }) {
    const state = { received: 0, body: Buffer.alloc(0) };
    const base = () => imp({ size_bytes: a.bytes.length, sha256: a.sha256, received_bytes: state.received });
    const take = (call: RawCall) => {
      assert.equal(call.headers['content-type'], 'application/offset+octet-stream');
      assert.equal(Number(call.headers['upload-offset']), state.received, 'Upload-Offset is where the upload stands');
      assert.equal(Number(call.headers['content-length']), call.raw.length);
      state.body = Buffer.concat([state.body, call.raw]);
      state.received += call.raw.length;
    };
    return { state, base, take };
  }

  test('local checks: a missing file, a directory, a non-zip → exit 2 before any request', async () => {
    const { dir, stub, runtime } = await setup();
    const notZip = join(files, 'notes.txt');
    writeFileSync(notZip, 'hello, not a zip');
    mkdirSync(join(files, 'a-dir.zip'), { recursive: true });
    for (const [file, msg] of [
      [join(files, 'missing.zip'), /missing\.zip does not exist/],
      [join(files, 'a-dir.zip'), /is not a regular file/],
      [notZip, /notes\.txt is not a zip archive/],
    ] as const) {
      const r = await runMain(['import', 'garmin-export', file], { configDir: dir, runtime });
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, msg);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    }
    const r = await runMain(['import', 'garmin-export'], { configDir: dir, runtime });
    assert.equal(r.code, 2);
    // An empty archive is still a zip: it gets as far as the server.
    const empty = join(files, 'empty.zip');
    const emptyBytes = await zipBuffer([]);
    writeFileSync(empty, emptyBytes);
    stub.json('POST', '/v1/imports', 413, problemBody(413, 'payload_too_large', { detail: 'The archive (22 bytes) is larger than this server accepts (10 bytes, FITSYNC_IMPORT_MAX_BYTES).' }));
    const r2 = await runMain(['import', 'garmin-export', empty], { configDir: dir, runtime });
    assert.equal(r2.code, 2);
    assert.match(r2.err, /The server refused the archive: The archive \(22 bytes\) is larger than this server accepts \(10 bytes/);
    assert.equal(stub.calls[0]?.body && (stub.calls[0].body as { size_bytes: number }).size_bytes, emptyBytes.length);
    stub.verify();
  });

  test('uploads the file, announces it with its sha256, prints the job and how to follow it', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive();
    const h = holder(a);
    stub.on('POST', '/v1/imports', (call, res) => {
      assert.deepEqual(call.body, { format: 'garmin-export', size_bytes: a.bytes.length, sha256: a.sha256 });
      sendJson(res, 201, h.base());
    });
    stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
      h.take(call);
      sendJson(res, 200, { ...h.base(), status: 'started', job_id: 'job-imp' });
    });
    stub.json('GET', '/v1/sync/jobs/job-imp', 200, importJob());
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(h.state.body, a.bytes);
    assert.match(r.err, new RegExp(`Uploaded export-\\d+\\.zip \\(${(a.bytes.length / 1000).toFixed(0)} KB\\)\\. Import job job-imp started\\.`));
    assert.match(r.err, /fitsync sync status job-imp --watch/);
    assert.match(r.out, /Job: +job-imp/);
    assert.ok(!r.err.includes('\r'), 'no progress redraws without a terminal');
    stub.verify();
  });

  test('a connection dropped mid-upload: asks where the upload stands and sends only the rest', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive(300_000);
    const h = holder(a);
    stub.json('POST', '/v1/imports', 201, h.base());
    // The first PATCH: the server keeps 30 % of it, then the connection drops without an answer.
    stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
      const kept = Math.floor(call.raw.length * 0.3);
      h.take({ ...call, raw: call.raw.subarray(0, kept), headers: { ...call.headers, 'content-length': String(kept) } });
      res.socket?.destroy();
    });
    stub.on('GET', '/v1/imports/imp-1', (_c, res) => sendJson(res, 200, h.base()));
    stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
      h.take(call);
      sendJson(res, 200, { ...h.base(), status: 'started', job_id: 'job-imp' });
    });
    stub.json('GET', '/v1/sync/jobs/job-imp', 200, importJob());
    const r = await runMain(['import', 'garmin-export', a.path, '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(h.state.body, a.bytes, 'the server ends up with exactly the file');
    assert.equal(JSON.parse(r.out).job_id, 'job-imp');
    stub.verify();
  });

  test('running it again after the CLI died: POST answers 200 with received_bytes, only the rest is sent', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive();
    const h = holder(a);
    h.state.received = 123_456;
    h.state.body = Buffer.from(a.bytes.subarray(0, 123_456));
    stub.json('POST', '/v1/imports', 200, h.base());
    stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
      h.take(call);
      sendJson(res, 200, { ...h.base(), status: 'started', job_id: 'job-imp' });
    });
    stub.json('GET', '/v1/sync/jobs/job-imp', 200, importJob());
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.equal(stub.calls[1]?.raw.length, a.bytes.length - 123_456);
    assert.deepEqual(h.state.body, a.bytes);
    stub.verify();
  });

  test('409 upload_offset_mismatch: goes on from the received_bytes the server names', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive();
    const h = holder(a);
    stub.json('POST', '/v1/imports', 201, h.base());
    // Meanwhile the server got 1000 bytes (another run of the command).
    stub.on('PATCH', '/v1/imports/imp-1', (_c, res) => {
      h.state.received = 1000;
      h.state.body = Buffer.from(a.bytes.subarray(0, 1000));
      sendJson(res, 409, problemBody(409, 'upload_offset_mismatch', { received_bytes: 1000 }));
    });
    stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
      h.take(call);
      sendJson(res, 200, { ...h.base(), status: 'started', job_id: 'job-imp' });
    });
    stub.json('GET', '/v1/sync/jobs/job-imp', 200, importJob());
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(h.state.body, a.bytes);
    stub.verify();
  });

  test('422 checksum_mismatch → exit 2 saying the file and the upload differ; 401 → exit 3', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive(5000);
    const h = holder(a);
    stub.json('POST', '/v1/imports', 201, h.base());
    stub.json('PATCH', '/v1/imports/imp-1', 422, problemBody(422, 'checksum_mismatch'));
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /do not match .*export-\d+\.zip/);
    assert.match(r.err, /run the command again/);
    // A session the server no longer accepts: the refresh fails too.
    stub.json('POST', '/v1/imports', 401, problemBody(401, 'invalid_token'));
    stub.json('POST', '/v1/auth/refresh', 401, problemBody(401, 'invalid_grant'));
    const r2 = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime });
    assert.equal(r2.code, 3, r2.err);
    stub.verify();
  });

  test('a server that keeps failing: bounded retries, exit 6 saying how to resume', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive(5000);
    const h = holder(a);
    stub.json('POST', '/v1/imports', 201, h.base());
    stub.json('PATCH', '/v1/imports/imp-1', 503, problemBody(503, 'internal_error'), 6);
    stub.on('GET', '/v1/imports/imp-1', (_c, res) => sendJson(res, 200, h.base()), 6);
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime });
    assert.equal(r.code, 6, r.err);
    assert.match(r.err, /stopped making progress at 0 bytes/);
    assert.match(r.err, /run the same command again to resume/);
    stub.verify();
  });

  test('--wait follows the import job: exit 0 completed, 7 failed', async () => {
    for (const [status, code] of [
      ['completed', 0],
      ['failed', 7],
    ] as const) {
      const { dir, stub, runtime } = await setup();
      const a = await archive(3000);
      const h = holder(a);
      stub.json('POST', '/v1/imports', 201, h.base());
      stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
        h.take(call);
        sendJson(res, 200, { ...h.base(), status: 'started', job_id: 'job-imp' });
      });
      stub.json('GET', '/v1/sync/jobs/job-imp', 200, importJob({ status: 'running' }));
      stub.on('GET', '/v1/sync/jobs/job-imp/events', (_c, res) => {
        startEvents(res);
        res.end(sseEvent(importJob({ status, progress: 100, ...(status === 'failed' ? { error_message: 'the archive is truncated' } : {}) })));
      });
      const r = await runMain(['import', 'garmin-export', a.path, '--wait'], { configDir: dir, runtime });
      assert.equal(r.code, code, r.err);
      if (status === 'failed') assert.match(r.err, /Sync job job-imp failed: the archive is truncated/);
      stub.verify();
    }
  });

  test('another job is running: the import waits (uploaded), polls that job quietly, then starts', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive(3000);
    const h = holder(a);
    stub.json('POST', '/v1/imports', 201, h.base());
    stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
      h.take(call);
      sendJson(res, 200, { ...h.base(), status: 'uploaded' });
    });
    stub.json('POST', '/v1/imports/imp-1/start', 409, problemBody(409, 'sync_in_progress', { job_id: 'job-other' }));
    stub.json('GET', '/v1/sync/jobs/job-other', 200, job({ job_id: 'job-other', status: 'running' }));
    stub.json('GET', '/v1/sync/jobs/job-other', 200, job({ job_id: 'job-other', status: 'completed' }));
    stub.json('POST', '/v1/imports/imp-1/start', 201, importJob());
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Another sync job \(job-other\) is running; the import starts when it ends\./);
    assert.match(r.err, /Import job job-imp started/);
    stub.verify();
  });

  test('Ctrl-C during the upload: the request is dropped, exit 130 saying that running it again resumes', async () => {
    const { dir, stub, runtime } = await setup();
    const interrupts = new TestInterrupts();
    const a = await archive(50_000);
    const h = holder(a);
    stub.json('POST', '/v1/imports', 201, h.base());
    let dropped: Promise<void> | undefined;
    // The server takes the bytes but has not answered yet when Ctrl-C is pressed.
    stub.on('PATCH', '/v1/imports/imp-1', (_c, res, req) => {
      dropped = new Promise((resolve) => req.socket.on('close', () => resolve()));
      interrupts.fire();
      void res;
    });
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime, interrupts });
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /Stopped uploading export-\d+\.zip; the server keeps what it received\.\nRun the same command again to resume where it stopped\./);
    await dropped;
    assert.equal(interrupts.waiting, 0, 'Ctrl-C has its default back');
    stub.verify();
  });

  test('on a terminal: "Checking FILE…", then a progress bar in bytes', async () => {
    const { dir, stub, runtime } = await setup();
    const a = await archive(400_000);
    const h = holder(a);
    stub.json('POST', '/v1/imports', 201, h.base());
    stub.on('PATCH', '/v1/imports/imp-1', (call, res) => {
      h.take(call);
      sendJson(res, 200, { ...h.base(), status: 'started', job_id: 'job-imp' });
    });
    stub.json('GET', '/v1/sync/jobs/job-imp', 200, importJob());
    const r = await runMain(['import', 'garmin-export', a.path], { configDir: dir, runtime, tty: true });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Checking export-\d+\.zip…/);
    assert.match(r.err, /uploading +\S+ +100% +400 KB\/400 KB/);
    stub.verify();
  });
});
