import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT, tempDir } from '../helpers/real-server.js';

// bin/load-bundle.js runs the bundle with the V8 code cache the build wrote for it. The cache may
// speed the start only: without it, or with one that does not fit, the CLI runs all the same.
const LOADER = join(REPO_ROOT, 'packages/cli/bin/load-bundle.js');
const { loadBundle } = createRequire(import.meta.url)(LOADER) as {
  loadBundle(o?: { dist?: string; useCache?: boolean }): { exports: { main: unknown }; cachePath?: string; cacheRejected: boolean };
};

/** `fitsync --help` through the loader on `dist`, in a fresh process (V8 judges a cache once per process). */
function helpVia(dist: string): { status: number | null; out: string; rejected: string } {
  const src = `const r = require(${JSON.stringify(LOADER)}).loadBundle({ dist: ${JSON.stringify(dist)} }); process.stderr.write(String(r.cacheRejected)); r.exports.main(['--help']).then((c) => { process.exitCode = c; });`;
  const r = spawnSync(process.execPath, ['-e', src], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dist } });
  return { status: r.status, out: r.stdout, rejected: r.stderr };
}

describe('the CLI bundle and its code cache', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const built = join(REPO_ROOT, 'packages/cli/dist');

  test('the build wrote a cache for this bundle, and V8 takes it', () => {
    const r = loadBundle();
    assert.ok(r.cachePath && existsSync(r.cachePath), 'a cache named after the build id');
    const fresh = helpVia(built);
    assert.equal(fresh.status, 0);
    assert.equal(fresh.rejected, 'false');
    assert.match(fresh.out, /fitsync <group> <command>|Usage|USAGE/i);
  });

  test('without the cache, or with a cache that does not fit, the CLI runs the same', () => {
    const bare = join(dir, 'bare');
    mkdirSync(bare);
    copyFileSync(join(built, 'main.cjs'), join(bare, 'main.cjs'));
    const withOut = helpVia(bare);
    assert.equal(withOut.status, 0);
    const cacheName = readdirSync(built).find((n) => n.endsWith('.cache')) as string;
    writeFileSync(join(bare, cacheName), Buffer.alloc(4096, 7));
    const broken = helpVia(bare);
    assert.equal(broken.status, 0);
    assert.equal(broken.rejected, 'true', 'V8 refuses a cache that is not its own');
    assert.equal(broken.out, withOut.out);
    assert.equal(helpVia(built).out, withOut.out);
  });
});
