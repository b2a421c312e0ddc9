import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_BIN, collectOutput, REPO_ROOT, tempDir } from '../helpers/real-server.js';

const PRELOAD = fileURLToPath(new URL('../helpers/no-network.mjs', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<{ code: number; out: string; err: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI_BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(child);
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out: output.out(), err: output.err(), ms: Date.now() - started });
    });
  });
}

describe('the built CLI, black-box', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { HOME: dir, FITSYNC_CONFIG_DIR: dir };

  test('--version, help, unknown command', async () => {
    const v = await run(['--version'], env);
    assert.equal(v.code, 0);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    assert.equal(v.out, `fitsync ${pkg.version}\n`);
    // --version among other flags goes through the dispatcher and says the same.
    assert.equal((await run(['--no-color', '--version'], env)).out, v.out);
    const h = await run(['auth', 'login', '--help'], env);
    assert.equal(h.code, 0);
    assert.match(h.out, /USAGE\n {2}fitsync auth login/);
    const u = await run(['nope'], env);
    assert.equal(u.code, 2);
    assert.match(u.err, /unknown command "nope"/);
    assert.doesNotMatch(u.err, /at .*\.js:\d+/, 'no stack trace');
  });

  test('`--server http://example.com auth status` exits 2 with no DNS lookup or connection at all', async () => {
    const netLog = join(dir, 'net.log');
    const r = await run(['--server', 'http://example.com', 'auth', 'status'], { ...env, FITSYNC_TEST_NET_LOG: netLog }, ['--import', PRELOAD]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /must use https:\/\//);
    assert.equal(existsSync(netLog) ? readFileSync(netLog, 'utf8') : '', '', 'no network attempt');
    // Control: the preload does see a real attempt (to a loopback port where nothing listens).
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.address() as { port: number }).port;
    await new Promise((res) => srv.close(res));
    const c = await run(['--server', `http://127.0.0.1:${port}`, 'auth', 'login', '--username', 'ada'], { ...env, FITSYNC_PASSWORD: 'x', FITSYNC_TEST_NET_LOG: netLog }, ['--import', PRELOAD]);
    assert.equal(c.code, 6, c.err);
    assert.match(readFileSync(netLog, 'utf8'), new RegExp(`connect .*${port}`));
  });

  test('a spoofed non-loopback host never reaches the local listener', async () => {
    let connections = 0;
    const srv = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.address() as { port: number }).port;
    try {
      // These names resolve to 127.0.0.1 in public DNS, but are not loopback by name: refused before any lookup.
      for (const host of ['127.0.0.1.nip.io', 'localtest.me']) {
        const r = await run(['auth', 'status'], { ...env, FITSYNC_SERVER: `http://${host}:${port}` });
        assert.equal(r.code, 2, r.err);
      }
      assert.equal(connections, 0);
    } finally {
      srv.close();
    }
  });

  test('`npx fitsync --help` works from the repository root (npm workspaces link the bin)', () => {
    assert.ok(existsSync(join(REPO_ROOT, 'node_modules/.bin/fitsync')), 'bin linked');
    const r = spawnSync('npx', ['--no-install', 'fitsync', '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /USAGE/);
  });
});
