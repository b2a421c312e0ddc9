import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { zipBuffer } from '@fitsync/garmin-sim';
import { PtySession } from '../helpers/pty.js';
import { CLI_BIN, collectOutput, credentialValue, type RealServer, runCli, tempDir } from '../helpers/real-server.js';
import { simServerFixture } from '../helpers/sim-server-fixture.js';

/**
 * A TCP proxy in front of the server that can cut a PATCH: once `cutAfter` bytes of a connection
 * carrying a PATCH went through, both sides are destroyed and `onCut` runs. Records each PATCH's
 * request line and Upload-Offset.
 */
class CuttingProxy {
  url = '';
  cutAfter = Number.POSITIVE_INFINITY;
  onCut: () => void = () => {};
  readonly patches: { path: string; offset: number }[] = [];
  readonly #server: net.Server;

  constructor(target: URL) {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      let head = '';
      let forwarded = 0;
      let patch = false;
      client.on('data', (c: Buffer) => {
        // Kept-alive connections carry the POST first: look for the PATCH head in the first chunks.
        if (!patch && head.length < 16_384) {
          head += c.toString('latin1');
          const m = /PATCH (\/\S+) HTTP\/1\.1\r\n[\s\S]*?upload-offset: (\d+)\r\n/i.exec(head);
          if (m && !patch) {
            patch = true;
            this.patches.push({ path: m[1] as string, offset: Number(m[2]) });
          }
        }
        forwarded += c.length;
        if (patch && forwarded > this.cutAfter) {
          this.cutAfter = Number.POSITIVE_INFINITY;
          client.destroy();
          upstream.destroy();
          this.onCut();
          return;
        }
        upstream.write(c);
      });
      upstream.on('data', (c: Buffer) => client.write(c));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.end());
      upstream.on('close', () => client.end());
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as net.AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

// Black-box: the built CLI and the real fitsync-server binary.
describe('import garmin-export against the real server', () => {
  let server: RealServer;
  const { dirs, ptys } = simServerFixture('cli-import-e2e', { FITSYNC_IMPORT_MAX_BYTES: '50000000' }, (_sim, s) => {
    server = s;
  });

  async function signedIn(name: string, url: string): Promise<string> {
    await server.addUser(name, `fitsync-${name}-pw`);
    const dir = tempDir();
    dirs.push(dir);
    const login = await runCli(['auth', 'login', '--server', url, '--username', name, '--password-stdin'], { configDir: dir, input: `fitsync-${name}-pw\n` });
    assert.equal(login.code, 0, login.err);
    return dir;
  }

  async function exportZip(dir: string, bytes: number): Promise<{ path: string; size: number }> {
    const zip = await zipBuffer([
      { name: 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip', data: randomBytes(bytes) },
    ]);
    const path = join(dir, 'garmin export.zip');
    writeFileSync(path, zip);
    return { path, size: zip.length };
  }

  async function getImport(dir: string, path: string): Promise<{ received_bytes: number; status: string; job_id: string | null }> {
    const token = credentialValue(dir, 'access_token');
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as { received_bytes: number; status: string; job_id: string | null };
  }

  test('an upload cut at 30 % and the CLI killed: running it again sends only the rest, and the import job exists', async () => {
    const proxy = await new CuttingProxy(new URL(server.url)).start();
    try {
      const dir = await signedIn('importer', proxy.url);
      const a = await exportZip(dir, 6_000_000);
      // The connection is cut after about a third of the body (the last chunk in flight is lost), and the CLI
      // is killed at that moment: nothing of its own retrying saves it.
      proxy.cutAfter = Math.ceil(a.size * 0.33);
      const child = spawn(process.execPath, [CLI_BIN, 'import', 'garmin-export', a.path], {
        env: { PATH: process.env.PATH, HOME: dir, FITSYNC_CONFIG_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = collectOutput(child);
      proxy.onCut = () => child.kill('SIGKILL');
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
      assert.equal(signal, 'SIGKILL', `the CLI finished before the cut: ${output.err()}`);
      const sent = proxy.patches.length;
      const first = proxy.patches[0];
      assert.ok(first, 'a PATCH went through the proxy');
      assert.equal(first.offset, 0);
      assert.ok(proxy.patches.every((p) => p.path === first.path), 'one import');
      // The server noticed the dropped connection and kept what arrived.
      let kept = 0;
      for (let i = 0; i < 200 && kept < a.size * 0.3; i++) {
        kept = (await getImport(dir, first.path)).received_bytes;
        if (kept < a.size * 0.3) await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(kept >= a.size * 0.3, `the server kept ${kept} of ${a.size} bytes`);

      const again = await runCli(['import', 'garmin-export', a.path, '-o', 'json'], { configDir: dir });
      assert.equal(again.code, 0, again.err);
      const resumed = proxy.patches.slice(sent);
      assert.equal(resumed[0]?.path, first.path, 'the same import was resumed');
      assert.equal(resumed[0]?.offset, kept, 'the second run started where the server stood');
      const job = JSON.parse(again.out) as { job_id: string; sync_type: string; trigger: string };
      assert.equal(job.sync_type, 'import');
      assert.equal(job.trigger, 'import');
      assert.match(again.err, /Uploaded garmin export\.zip \(6 MB\)\. Import job \S+ started\./);
      const after = await getImport(dir, first.path);
      assert.equal(after.received_bytes, a.size);
      assert.equal(after.job_id, job.job_id);
      const status = await runCli(['sync', 'status', job.job_id, '-o', 'json'], { configDir: dir });
      assert.equal(status.code, 0, status.err);
      assert.equal(JSON.parse(status.out).sync_type, 'import');
    } finally {
      await proxy.close();
    }
  });

  test('on a terminal: a progress line while checking and uploading, then the job', async () => {
    const dir = await signedIn('importpty', server.url);
    const a = await exportZip(dir, 3_000_000);
    const p = new PtySession(['import', 'garmin-export', a.path], { HOME: dir, FITSYNC_CONFIG_DIR: dir }, { linger: true });
    ptys.push(p);
    await p.waitFor('Checking garmin export.zip…');
    await p.waitFor('uploading');
    await p.waitFor('100%');
    await p.waitFor('3 MB/3 MB');
    await p.waitFor('Import job ');
    assert.equal(await p.exitCode(), 0, p.output);
    // Redrawn in place on one line, ended before the messages.
    assert.match(p.output, /\r\u001b\[2Kuploading/);
    assert.doesNotMatch(p.output, /access_token|Bearer/);
  });

  test('a file that is not a zip: exit 2 before anything is sent', async () => {
    const dir = await signedIn('importbad', server.url);
    const path = join(dir, 'export.zip');
    writeFileSync(path, 'this is not a zip archive');
    const before = server.logs.split('/v1/imports').length;
    const r = await runCli(['import', 'garmin-export', path], { configDir: dir });
    assert.equal(r.code, 2);
    assert.match(r.err, /export\.zip is not a zip archive/);
    assert.equal(server.logs.split('/v1/imports').length, before, 'nothing reached the server');
  });
});
