import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAIN_HELP } from '../src/cli/help.js';
import { defaultWebDir, loadConfig } from '../src/config.js';
import { cleanEnv, SERVER_BIN } from './helpers/spawn-server.js';
import { webRequest } from './helpers/web.js';

const serverPkg = fileURLToPath(new URL('..', import.meta.url));

describe('config: the web dir', () => {
  test('FITSYNC_WEB_DIR, made absolute; by default dist/web of the server package when running from source', () => {
    assert.equal(loadConfig({}, { HOME: '/tmp/h' }).webDir, join(serverPkg, 'dist', 'web'));
    assert.equal(loadConfig({}, { HOME: '/tmp/h', FITSYNC_WEB_DIR: '/srv/fitsync-web' }).webDir, '/srv/fitsync-web');
    assert.equal(loadConfig({}, { HOME: '/tmp/h', FITSYNC_WEB_DIR: 'rel/web' }).webDir, resolve('rel/web'));
    assert.equal(loadConfig({}, { HOME: '/tmp/h', FITSYNC_WEB_DIR: '' }).webDir, join(serverPkg, 'dist', 'web'));
  });

  test('from the bundle: web/ beside main.js, also when the config module sits in chunks/', () => {
    assert.equal(defaultWebDir(pathToFileURL('/opt/fitsync/dist/main.js').href), '/opt/fitsync/dist/web');
    assert.equal(defaultWebDir(pathToFileURL('/opt/fitsync/dist/chunks/config-AB12.js').href), '/opt/fitsync/dist/web');
    assert.equal(defaultWebDir(pathToFileURL('/repo/packages/server/src/config.ts').href), '/repo/packages/server/dist/web');
  });

  test('fitsync-server --help lists FITSYNC_WEB_DIR', () => {
    assert.match(MAIN_HELP, /FITSYNC_WEB_DIR/);
  });
});

describe('the built server finds dist/web beside its bundle', () => {
  const root = mkdtempSync(join(tmpdir(), 'fitsync-web-bundle-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a copy of the bundle serves the web/ folder beside it, without FITSYNC_WEB_DIR', async () => {
    // The bundle as built (`npm test` builds first), copied with a web/ of its own; its external
    // dependencies resolve through a node_modules link.
    const dist = join(root, 'pkg', 'dist');
    const built = join(dirname(dirname(SERVER_BIN)), 'dist');
    cpSync(built, dist, { recursive: true, filter: (src) => !src.startsWith(join(built, 'web')) });
    mkdirSync(join(dist, 'web'), { recursive: true });
    writeFileSync(join(dist, 'web', 'index.html'), '<!doctype html><title>bundle web dir</title>');
    symlinkSync(resolve(serverPkg, '..', '..', 'node_modules'), join(root, 'node_modules'));
    const bin = join(root, 'pkg', 'start.mjs');
    writeFileSync(bin, "import { main } from './dist/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
    const proc = spawn(process.execPath, [bin, 'start', '--port', '0', '--data-dir', join(root, 'data')], {
      env: cleanEnv({ FITSYNC_WORKERS: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise((r) => proc.once('exit', r));
    try {
      const url = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no URL; stderr: ${err}`)), 60_000);
        createInterface({ input: proc.stdout }).once('line', (line) => {
          clearTimeout(t);
          ok(line);
        });
        proc.once('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
      });
      const res = await webRequest(url, 'GET', '/sync');
      assert.equal(res.status, 200, String(res.body));
      assert.equal(res.body, '<!doctype html><title>bundle web dir</title>');
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });
});
