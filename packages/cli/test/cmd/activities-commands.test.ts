import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fakeIO } from '../helpers/fake-io.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { TestInterrupts } from '../helpers/test-interrupts.js';
import { activity, problemBody } from '../helpers/sync-stub-server.js';

/** A minimal FIT file: 14-byte header (".FIT" at bytes 8–11), some payload, CRC bytes. */
function fitBytes(size = 5000): Buffer {
  const b = Buffer.alloc(size);
  b[0] = 14;
  b.write('.FIT', 8, 'latin1');
  for (let i = 14; i < size; i++) b[i] = (i * 31) % 251;
  return b;
}

describe('activities commands against a stub server', () => {
  const fixture = stubFixture();
  async function setup() {
    return { ...(await fixture.setupRaw({ signedIn: true })), runtime: new DrivenRuntime(Date.now()) };
  }

  test('list: table with km, duration, avg HR; 64-bit ids exact; json and csv carry the API fields', async () => {
    const { dir, stub, runtime } = await setup();
    const acts = [activity('18234567890123456789'), activity('2', { name: 'Evening\u001b[31m Ride', activity_type: 'cycling', distance_m: null, avg_hr: null })];
    stub.json('GET', '/v1/activities?limit=50', 200, { activities: acts, next_cursor: null }, 3);
    const r = await runMain(['activities', 'list'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID +START +TYPE +NAME +KM +DURATION +AVG HR$/);
    assert.match(lines[1] ?? '', /^18234567890123456789 +2026-05-30 06:15:00Z +running +Morning Run +10\.23 +1:02:05 +149$/);
    assert.match(lines[2] ?? '', /^2 .* cycling +Evening Ride +- +1:02:05 +-$/, 'control characters from the server stripped');
    const j = await runMain(['activities', 'list', '-o', 'json'], { configDir: dir, runtime });
    const doc = JSON.parse(j.out);
    assert.deepEqual(doc.activities[0], acts[0]);
    const c = await runMain(['activities', 'list', '-o', 'csv'], { configDir: dir, runtime });
    assert.match(c.out, /^activity_id,start_time,activity_type,name,distance_m,duration_s,avg_hr,calories,fit_sha256,decode_error\n18234567890123456789,2026-05-30T06:15:00.000Z,running,Morning Run,10234.5,3725,148.6,640,/);
    stub.verify();
  });

  test('list: follows next_cursor until --limit, with --since/--until in the query', async () => {
    const { dir, stub, runtime } = await setup();
    const page = (from: number, n: number) => Array.from({ length: n }, (_, i) => activity(String(from + i)));
    stub.json('GET', '/v1/activities?limit=1000&since=2026-01-01&until=2026-05-31', 200, { activities: page(0, 1000), next_cursor: 'c1' });
    stub.json('GET', '/v1/activities?limit=200&since=2026-01-01&until=2026-05-31&cursor=c1', 200, { activities: page(1000, 200), next_cursor: 'c2' });
    const r = await runMain(['activities', 'list', '--limit', '1200', '--since', '2026-01-01', '--until', '2026-05-31', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).activities.length, 1200);
    stub.verify();
  });

  test('download: streams to ACTIVITY_ID.fit atomically and reports bytes and sha256', async () => {
    const { dir, stub, runtime } = await setup();
    const bytes = fitBytes(200_000);
    stub.on('GET', '/v1/activities/123/fit', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ant.fit', 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, 7)); // the header split across chunks
      setTimeout(() => res.end(bytes.subarray(7)), 20);
    });
    const cwd = tempConfigDir();
    fixture.defer(() => removeDir(cwd));
    const out = join(cwd, '123.fit');
    const r = await runMain(['activities', 'download', '123', '--out', out, '-o', 'json'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    const sha = createHash('sha256').update(bytes).digest('hex');
    assert.deepEqual(JSON.parse(r.out), { activity_id: '123', file: out, bytes: bytes.length, sha256: sha });
    assert.ok(readFileSync(out).equals(bytes));
    assert.deepEqual(readdirSync(cwd), ['123.fit'], 'no temporary file left');
    stub.verify();
  });

  test('download: an existing file is kept without --force (exit 2), replaced with it', async () => {
    const { dir, stub, runtime } = await setup();
    const cwd = tempConfigDir();
    fixture.defer(() => removeDir(cwd));
    const out = join(cwd, 'run.fit');
    writeFileSync(out, 'precious');
    const r = await runMain(['activities', 'download', '9', '--out', out], { configDir: dir, runtime });
    assert.equal(r.code, 2);
    assert.match(r.err, /already exists/);
    assert.match(r.err, /--force/);
    assert.equal(readFileSync(out, 'utf8'), 'precious');
    const bytes = fitBytes();
    stub.on('GET', '/v1/activities/9/fit', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ant.fit' });
      res.end(bytes);
    });
    const f = await runMain(['activities', 'download', '9', '--out', out, '--force'], { configDir: dir, runtime });
    assert.equal(f.code, 0, f.err);
    assert.ok(readFileSync(out).equals(bytes));
    stub.verify();
  });

  test('download: a body cut short → exit 6 and no file; not a FIT file → exit 6', async () => {
    const { dir, stub, runtime } = await setup();
    const cwd = tempConfigDir();
    fixture.defer(() => removeDir(cwd));
    const bytes = fitBytes(10_000);
    stub.on('GET', '/v1/activities/5/fit', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ant.fit', 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, 4000));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const r = await runMain(['activities', 'download', '5', '--out', join(cwd, 'a.fit')], { configDir: dir, runtime });
    assert.equal(r.code, 6, r.err);
    assert.deepEqual(readdirSync(cwd), [], 'neither the file nor a temporary one');
    stub.on('GET', '/v1/activities/6/fit', (_c, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const h = await runMain(['activities', 'download', '6', '--out', join(cwd, 'b.fit')], { configDir: dir, runtime });
    assert.equal(h.code, 6);
    assert.match(h.err, /did not send a FIT file/);
    assert.deepEqual(readdirSync(cwd), []);
    stub.verify();
  });

  test('download: Ctrl-C mid-body → exit 130, the temporary file removed, nothing written', async () => {
    const { dir, stub, runtime } = await setup();
    const cwd = tempConfigDir();
    fixture.defer(() => removeDir(cwd));
    const bytes = fitBytes(10_000);
    stub.on('GET', '/v1/activities/7/fit', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ant.fit', 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, 4000)); // and the rest never comes
    });
    const interrupts = new TestInterrupts();
    const run = runMain(['activities', 'download', '7', '--out', join(cwd, 'a.fit')], { configDir: dir, runtime, interrupts });
    await until(() => readdirSync(cwd).some((f) => f.endsWith('.part')), 'the temporary file');
    interrupts.fire();
    const r = await run;
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /Download of activity 7 stopped; no file was written\./);
    assert.deepEqual(readdirSync(cwd), [], 'neither the file nor a temporary one');
    assert.equal(interrupts.waiting, 0, 'Ctrl-C has its default back');
    stub.verify();
  });

  test('download: unknown activity → exit 4, nothing written', async () => {
    const { dir, stub, runtime } = await setup();
    const cwd = tempConfigDir();
    fixture.defer(() => removeDir(cwd));
    stub.json('GET', '/v1/activities/404404/fit', 404, problemBody(404, 'not_found'));
    const r = await runMain(['activities', 'download', '404404', '--out', join(cwd, 'x.fit')], { configDir: dir, runtime });
    assert.equal(r.code, 4);
    assert.match(r.err, /Activity 404404 not found/);
    assert.equal(existsSync(join(cwd, 'x.fit')), false);
    stub.verify();
  });

  test('download --out -: bytes on stdout when it is not a terminal; refused (exit 2) when it is', async () => {
    const { dir, stub, runtime } = await setup();
    const bytes = fitBytes(3000);
    stub.on('GET', '/v1/activities/7/fit', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ant.fit' });
      res.end(bytes);
    });
    const io = fakeIO();
    const chunks: Buffer[] = [];
    io.io.out.on('data', (c: Buffer) => chunks.push(c));
    const r = await runMain(['activities', 'download', '7', '--out', '-'], { configDir: dir, runtime, io });
    assert.equal(r.code, 0, r.err);
    assert.ok(Buffer.concat(chunks).equals(bytes));
    assert.match(r.err, /Wrote 3000 bytes/);
    const tty = fakeIO();
    (tty.io.out as { isTTY?: boolean }).isTTY = true;
    const t = await runMain(['activities', 'download', '7', '--out', '-'], { configDir: dir, runtime, io: tty });
    assert.equal(t.code, 2);
    assert.match(t.err, /refusing to write a binary FIT file to the terminal/);
    stub.verify();
  });
});

/** Waits (at most 10 s) until `ok()` holds. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
