import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { zipBuffer } from '@fitsync/garmin-sim';
import { buildApp } from '../src/app.js';
import type { ApiError } from '../src/http/api-error.js';
import { putUpload, readUpload, uploadExists } from './helpers/blobs.js';
import { ImportService } from '../src/imports/import-service.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, type Res, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';

/** An archive of `n` incompressible bytes (stored, so its size is about `n`). */
async function archive(n: number): Promise<{ bytes: Buffer; sha256: string }> {
  const bytes = await zipBuffer([{ name: 'DI_CONNECT/DI-Connect-Fitness/x@example.com_0_summarizedActivities.json', data: randomBytes(n) }]);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A PATCH over real HTTP (inject would buffer the body), the bytes streamed in pieces. */
function patch(base: string, token: string, id: string, offset: number, body: Buffer, extra: Record<string, string> = {}): Promise<Res> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/offset+octet-stream',
    'upload-offset': String(offset),
    'content-length': String(body.length),
    ...extra,
  };
  // An empty value leaves the header out (e.g. no Content-Length: a chunked body).
  for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/v1/imports/${id}`, { method: 'PATCH', headers });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
      });
    });
    // The server may answer (and close) before reading a refused body.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}

/**
 * Sends the PATCH headers and the first `send` bytes of the body on a raw socket, then destroys
 * the socket: a client whose connection dropped mid-body.
 */
async function patchThenDrop(base: string, token: string, id: string, offset: number, body: Buffer, send: number): Promise<void> {
  const socket = await rawPatch(base, token, id, offset, body.length);
  await new Promise<void>((resolve) => socket.write(body.subarray(0, send), () => resolve()));
  socket.destroy();
}

/** A PATCH whose headers are sent on a raw socket; the caller writes (part of) the body. */
async function rawPatch(base: string, token: string, id: string, offset: number, length: number): Promise<net.Socket> {
  const { port } = new URL(base);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `PATCH /v1/imports/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/offset+octet-stream\r\nUpload-Offset: ${offset}\r\nContent-Length: ${length}\r\n\r\n`,
  );
  return socket;
}

/** Polls until `ok` holds (bounded): the server works on a request the test cannot await. */
async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Until GET shows no PATCH writing (the server has seen the drop and fsynced). */
async function settled(s: TestServer, token: string, id: string, want: number): Promise<Res> {
  for (let i = 0; i < 500; i++) {
    const r = await call(s.app, 'GET', `/v1/imports/${id}`, { token });
    if (r.body.received_bytes === want) return r;
    await new Promise((r) => setTimeout(r, 10));
  }
  return call(s.app, 'GET', `/v1/imports/${id}`, { token });
}

/** Shared by the app and its restarted twin, so tokens stay valid across the restart. */
const SECRET_KEY = 'import-upload-test-key-0123456789abcdef';

for (const { dialect, skip } of await dialects()) {
  describe(`import uploads on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const logs = new PassThrough();
    let captured = '';
    logs.on('data', (c: Buffer) => {
      captured += c.toString('utf8');
    });
    const tokens: string[] = [];
    const user = async () => {
      const pair = await userWithSession(s.app, s.db, uniqueName('imp'));
      tokens.push(pair.access_token, pair.refresh_token);
      const me = await call(s.app, 'GET', '/v1/me', { token: pair.access_token });
      return { token: pair.access_token, userId: me.body.user_id as string };
    };
    const create = async (token: string, a: { bytes: Buffer; sha256: string }) =>
      call(s.app, 'POST', '/v1/imports', { token, body: { format: 'garmin-export', size_bytes: a.bytes.length, sha256: a.sha256 } });

    before(async () => {
      s = await startTestServer({
        dialect,
        env: { FITSYNC_WORKERS: '0', FITSYNC_IMPORT_MAX_BYTES: '5000000', FITSYNC_SECRET_KEY: SECRET_KEY },
        log: { stream: logs, level: 'trace' },
      });
    });
    after(() => s?.close());

    test('create, resume the same file, upload in two PATCHes → job (import/import) visible in /v1/sync/jobs', async () => {
      const u = await user();
      const a = await archive(300_000);
      const first = await create(u.token, a);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.status, 'uploading');
      assert.equal(first.body.received_bytes, 0);
      assert.equal(first.body.job_id, null);
      const id = first.body.import_id as string;
      const half = 100_000;
      const p1 = await patch(s.url, u.token, id, 0, a.bytes.subarray(0, half));
      assert.equal(p1.status, 200, JSON.stringify(p1.body));
      assert.equal(p1.body.received_bytes, half);
      const again = await create(u.token, a);
      assert.equal(again.status, 200);
      assert.equal(again.body.import_id, id);
      assert.equal(again.body.received_bytes, half);
      const p2 = await patch(s.url, u.token, id, half, a.bytes.subarray(half));
      assert.equal(p2.status, 200, JSON.stringify(p2.body));
      assert.equal(p2.body.status, 'started');
      assert.equal(p2.body.received_bytes, a.bytes.length);
      assert.deepEqual(await readUpload(s.app.deps.blobs, id), a.bytes);
      const job = await call(s.app, 'GET', `/v1/sync/jobs/${p2.body.job_id}`, { token: u.token });
      assert.equal(job.status, 200);
      assert.equal(job.body.sync_type, 'import');
      assert.equal(job.body.trigger, 'import');
      assert.equal(job.body.status, 'pending');
      assert.equal(job.body.since, null);
      // A retried last PATCH (its answer lost) gets the finished import, not an error.
      const retried = await patch(s.url, u.token, id, a.bytes.length, Buffer.alloc(0));
      assert.equal(retried.status, 200);
      assert.equal(retried.body.job_id, p2.body.job_id);
      // A finished upload is not resumed: announcing the file again makes a new import.
      assert.equal((await create(u.token, a)).status, 201);
      // The job runs: the import cannot be deleted until it ends.
      const del = assertProblem(await call(s.app, 'DELETE', `/v1/imports/${id}`, { token: u.token }), 409, 'sync_in_progress');
      assert.equal(del.job_id, p2.body.job_id);
      await call(s.app, 'POST', `/v1/sync/jobs/${p2.body.job_id}/cancel`, { token: u.token });
      assert.equal((await call(s.app, 'DELETE', `/v1/imports/${id}`, { token: u.token })).status, 204);
      assert.equal(await uploadExists(s.app.deps.blobs, id), false);
      assertProblem(await call(s.app, 'GET', `/v1/imports/${id}`, { token: u.token }), 404, 'not_found');
    });

    test('POST /v1/imports with the archive itself (application/zip): uploaded in one request, its job started; a body cut short or too large refused', async () => {
      const u = await user();
      const a = await archive(200_000);
      const post = (body: Buffer, headers: Record<string, string> = {}) =>
        new Promise<Res>((resolve, reject) => {
          const req = http.request(`${s.url}/v1/imports`, {
            method: 'POST',
            headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/zip', 'content-length': String(body.length), ...headers },
          });
          req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
          });
          req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
          req.end(body);
        });
      const r = await post(a.bytes);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.status, 'started');
      assert.equal(r.body.sha256, a.sha256);
      assert.equal(r.body.received_bytes, a.bytes.length);
      assert.deepEqual(await readUpload(s.app.deps.blobs, r.body.import_id), a.bytes);
      const job = await call(s.app, 'GET', `/v1/sync/jobs/${r.body.job_id}`, { token: u.token });
      assert.equal(job.body.sync_type, 'import');
      assert.equal(job.body.trigger, 'import');
      await call(s.app, 'POST', `/v1/sync/jobs/${r.body.job_id}/cancel`, { token: u.token });
      // Over FITSYNC_IMPORT_MAX_BYTES (5 MB here): refused before the body is read.
      assertProblem(await post(Buffer.alloc(10), { 'content-length': '6000000' }), 413, 'payload_too_large');
      // No scratch file is left behind.
      assert.deepEqual(
        (await import('node:fs/promises').then((f) => f.readdir(join(s.dataDir, 'imports')))).filter((n) => n.startsWith('whole-')),
        [],
      );
    });

    test('wrong offset → 409 with received_bytes; too many bytes → 413; too large an archive → 413 in human units', async () => {
      const u = await user();
      const a = await archive(50_000);
      const id = (await create(u.token, a)).body.import_id as string;
      await patch(s.url, u.token, id, 0, a.bytes.subarray(0, 1000));
      const wrong = assertProblem(await patch(s.url, u.token, id, 0, a.bytes.subarray(0, 10)), 409, 'upload_offset_mismatch');
      assert.equal(wrong.received_bytes, 1000);
      const over = Buffer.concat([a.bytes.subarray(1000), Buffer.from('extra')]);
      assertProblem(await patch(s.url, u.token, id, 1000, over), 413, 'payload_too_large');
      // Without Content-Length (chunked) the excess is found while reading; nothing of it is kept.
      assertProblem(await patch(s.url, u.token, id, 1000, over, { 'content-length': '' }), 413, 'payload_too_large');
      assert.equal((await call(s.app, 'GET', `/v1/imports/${id}`, { token: u.token })).body.received_bytes, 1000);
      const big = await call(s.app, 'POST', '/v1/imports', {
        token: u.token,
        body: { format: 'garmin-export', size_bytes: 6_000_000, sha256: a.sha256 },
      });
      const p = assertProblem(big, 413, 'payload_too_large');
      assert.match(p.detail, /6 MB.*5 MB/);
      // The rest still completes.
      assert.equal((await patch(s.url, u.token, id, 1000, a.bytes.subarray(1000))).body.status, 'started');
    });

    test('bytes that do not hash to the sha256 → 422, the upload starts over from 0', async () => {
      const u = await user();
      const a = await archive(20_000);
      const id = (await create(u.token, a)).body.import_id as string;
      const bad = Buffer.from(a.bytes);
      bad[500] = (bad[500] ?? 0) ^ 0xff;
      assertProblem(await patch(s.url, u.token, id, 0, bad), 422, 'checksum_mismatch');
      const after1 = await call(s.app, 'GET', `/v1/imports/${id}`, { token: u.token });
      assert.equal(after1.body.received_bytes, 0);
      assert.equal(after1.body.status, 'uploading');
      assert.equal(await uploadExists(s.app.deps.blobs, id), false);
      assert.equal((await patch(s.url, u.token, id, 0, a.bytes)).body.status, 'started');
    });

    test('a connection dropped at 30 % keeps what arrived; the next PATCH resumes and completes', async () => {
      const u = await user();
      const a = await archive(1_000_000);
      const id = (await create(u.token, a)).body.import_id as string;
      const sent = Math.floor(a.bytes.length * 0.3);
      await patchThenDrop(s.url, u.token, id, 0, a.bytes, sent);
      // Everything that arrived before the drop is kept (fsynced, recorded).
      const got = (await settled(s, u.token, id, sent)).body.received_bytes as number;
      assert.equal(got, sent);
      assert.equal(await s.app.deps.blobs.uploads.size(id), got);
      const done = await patch(s.url, u.token, id, got, a.bytes.subarray(got));
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.status, 'started');
      assert.deepEqual(await readUpload(s.app.deps.blobs, id), a.bytes);
    });

    test('two PATCHes at once: the second is 409', async () => {
      const u = await user();
      const a = await archive(500_000);
      const id = (await create(u.token, a)).body.import_id as string;
      // The first request stays open with part of its body sent.
      const socket = await rawPatch(s.url, u.token, id, 0, a.bytes.length);
      const answer = new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          if (text.includes('\r\n\r\n{')) resolve(text);
        });
        socket.on('close', () => resolve(text));
      });
      socket.write(a.bytes.subarray(0, 100_000));
      await until('the first PATCH to be writing', () => s.app.deps.imports.isWriting(id));
      assertProblem(await patch(s.url, u.token, id, 0, a.bytes.subarray(0, 10)), 409, 'upload_offset_mismatch');
      socket.write(a.bytes.subarray(100_000));
      const text = await answer;
      socket.destroy();
      assert.match(text, /^HTTP\/1\.1 200/);
      assert.equal((await call(s.app, 'GET', `/v1/imports/${id}`, { token: u.token })).body.status, 'started');
    });

    test("another user's import is 404 for every verb; bad Upload-Offset → 400; no token → 401", async () => {
      const u = await user();
      const other = await user();
      const a = await archive(1000);
      const id = (await create(u.token, a)).body.import_id as string;
      assertProblem(await call(s.app, 'GET', `/v1/imports/${id}`, { token: other.token }), 404, 'not_found');
      assertProblem(await patch(s.url, other.token, id, 0, a.bytes), 404, 'not_found');
      assertProblem(await call(s.app, 'DELETE', `/v1/imports/${id}`, { token: other.token }), 404, 'not_found');
      assertProblem(await call(s.app, 'POST', `/v1/imports/${id}/start`, { token: other.token }), 404, 'not_found');
      assertProblem(await patch(s.url, u.token, id, 0, a.bytes, { 'upload-offset': '-1' }), 400, 'validation_error');
      assertProblem(await patch(s.url, '', id, 0, a.bytes), 401, 'invalid_token');
      assertProblem(await call(s.app, 'POST', '/v1/imports', { token: u.token, body: { format: 'zip', size_bytes: 1, sha256: a.sha256 } }), 400, 'validation_error');
      assert.equal((await call(s.app, 'GET', `/v1/imports/${id}`, { token: u.token })).body.received_bytes, 0);
    });

    test('another active job: the import waits as uploaded; /start is 409 with that job, then 201 once it ended', async () => {
      const u = await user();
      const busyJob = await s.app.deps.syncJobs.insertScheduled(s.db, u.userId, 'all').then((r) => r.job_id);
      const a = await archive(2000);
      const id = (await create(u.token, a)).body.import_id as string;
      const done = await patch(s.url, u.token, id, 0, a.bytes);
      assert.equal(done.status, 200);
      assert.equal(done.body.status, 'uploaded');
      assert.equal(done.body.job_id, null);
      // Announcing the file again finds it (a CLI run again after dying while it waited).
      const again = await create(u.token, a);
      assert.equal(again.status, 200);
      assert.equal(again.body.import_id, id);
      assert.equal(again.body.status, 'uploaded');
      const busy = assertProblem(await call(s.app, 'POST', `/v1/imports/${id}/start`, { token: u.token }), 409, 'sync_in_progress');
      assert.equal(busy.job_id, busyJob);
      await call(s.app, 'POST', `/v1/sync/jobs/${busyJob}/cancel`, { token: u.token });
      const started = await call(s.app, 'POST', `/v1/imports/${id}/start`, { token: u.token });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.equal(started.body.sync_type, 'import');
      assert.equal((await call(s.app, 'POST', `/v1/imports/${id}/start`, { token: u.token })).status, 200);
      assert.equal((await call(s.app, 'GET', `/v1/imports/${id}`, { token: u.token })).body.job_id, started.body.job_id);
      await call(s.app, 'POST', `/v1/sync/jobs/${started.body.job_id}/cancel`, { token: u.token });
    });

    test('at most 3 unfinished uploads per user; unfinished ones untouched for 7 days go (files too)', async () => {
      const u = await user();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const a = await archive(1000 + i);
        const id = (await create(u.token, a)).body.import_id as string;
        await patch(s.url, u.token, id, 0, a.bytes.subarray(0, 10));
        ids.push(id);
      }
      assertProblem(await call(s.app, 'GET', `/v1/imports/${ids[0]}`, { token: u.token }), 404, 'not_found');
      assert.equal(await uploadExists(s.app.deps.blobs, ids[0]!), false);
      for (const id of ids.slice(1)) assert.equal((await call(s.app, 'GET', `/v1/imports/${id}`, { token: u.token })).status, 200);
      // Age one of them by 8 days; the next POST (anyone's) removes it.
      await s.db.run('UPDATE imports SET updated_at = ? WHERE import_id = ?', [Date.now() - 8 * 86_400_000, ids[1]!]);
      const other = await user();
      await create(other.token, await archive(100));
      assertProblem(await call(s.app, 'GET', `/v1/imports/${ids[1]}`, { token: u.token }), 404, 'not_found');
      assert.equal(await uploadExists(s.app.deps.blobs, ids[1]!), false);
      assert.equal((await call(s.app, 'DELETE', `/v1/imports/${ids[2]}`, { token: u.token })).status, 204);
      assert.equal(await uploadExists(s.app.deps.blobs, ids[2]!), false);
    });

    test('too little free disk space → 413 naming it', async () => {
      const u = await user();
      const d = s.app.deps;
      const tight = new ImportService({ db: s.db, runtime: d.runtime, random: d.random, blobs: d.blobs, dataDir: s.dataDir, maxBytes: 5_000_000, jobs: d.syncJobs, freeBytes: async () => 1500 });
      const a = await archive(2000);
      await assert.rejects(tight.create(u.userId, { format: 'garmin-export', size_bytes: a.bytes.length, sha256: a.sha256 }), (err: ApiError) => {
        assert.equal(err.status, 413);
        assert.equal(err.code, 'payload_too_large');
        assert.match(err.message, /1\.5 KB of free disk space/);
        return true;
      });
    });

    test('a restart between PATCHes: the prefix on disk is hashed again and the upload completes', async () => {
      const u = await user();
      const a = await archive(200_000);
      const b = await archive(100_000);
      const id = (await create(u.token, a)).body.import_id as string;
      const id2 = (await create(u.token, b)).body.import_id as string;
      await patch(s.url, u.token, id, 0, a.bytes.subarray(0, 70_000));
      await patch(s.url, u.token, id2, 0, b.bytes.subarray(0, 50_000));
      // A tampered prefix must be caught by the rehash.
      const f = (await readUpload(s.app.deps.blobs, id2))!;
      f[10] = (f[10] ?? 0) ^ 1;
      await putUpload(s.app.deps.blobs, id2, f);
      // The same database and data dir under a second app: it knows nothing of the first PATCHes' hashes.
      const twin = await buildApp({ config: s.config, db: s.db, serverKey: Buffer.from(SECRET_KEY, 'utf8'), log: { level: 'silent' } });
      try {
        const url = await twin.listen({ host: '127.0.0.1', port: 0 });
        // The resuming POST starts hashing the prefix; the PATCH waits for that, not for a second pass.
        const resumed = await call(twin, 'POST', '/v1/imports', { token: u.token, body: { format: 'garmin-export', size_bytes: a.bytes.length, sha256: a.sha256 } });
        assert.equal(resumed.status, 200);
        assert.equal(resumed.body.received_bytes, 70_000);
        const done = await patch(url, u.token, id, 70_000, a.bytes.subarray(70_000));
        assert.equal(done.status, 200, JSON.stringify(done.body));
        assert.equal(done.body.status, 'started');
        assertProblem(await patch(url, u.token, id2, 50_000, b.bytes.subarray(50_000)), 422, 'checksum_mismatch');
        await call(twin, 'POST', `/v1/sync/jobs/${done.body.job_id}/cancel`, { token: u.token });
      } finally {
        await twin.close();
      }
    });

    test('no token or refresh token in the logs', () => {
      assert.ok(captured.includes('/v1/imports'), 'the requests were logged');
      for (const t of tokens) assert.equal(captured.includes(t), false, 'a token reached the logs');
      assert.equal(captured.includes('x@example.com'), false, 'an archive member name reached the logs');
    });
  });
}
