import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { after, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { withFileLock } from '../../src/credentials/file-lock.js';
import { UsageError } from '../../src/errors.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { removeDir, tempConfigDir } from '../helpers/run-main.js';

describe('withFileLock', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));
  const lockPath = () => {
    const d = tempConfigDir();
    dirs.push(d);
    return join(d, 'x.lock');
  };

  test('holders never overlap, and the lock is removed afterwards', async () => {
    const p = lockPath();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(p, { runtime: systemRuntime }, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      ),
    );
    assert.equal(maxInside, 1);
    assert.equal(existsSync(p), false);
  });

  test('the lock is released when fn throws', async () => {
    const p = lockPath();
    await assert.rejects(withFileLock(p, { runtime: systemRuntime }, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(existsSync(p), false);
  });

  test('a lock left by a dead process is broken', async () => {
    const p = lockPath();
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(p, JSON.stringify({ pid: deadPid, created_at: Date.now() }));
    assert.equal(await withFileLock(p, { runtime: systemRuntime }, async () => 'got it'), 'got it');
  });

  test('a lock held by a live process past the stale age is broken', async () => {
    const p = lockPath();
    const runtime = new DrivenRuntime();
    writeFileSync(p, JSON.stringify({ pid: process.pid, created_at: runtime.now() - 120_000 }));
    assert.equal(await runtime.drive(withFileLock(p, { runtime, staleMs: 60_000 }, async () => 'ok')), 'ok');
  });

  test('a live, fresh lock makes waiters give up after the timeout with a clear message', async () => {
    const p = lockPath();
    const runtime = new DrivenRuntime();
    writeFileSync(p, JSON.stringify({ pid: process.pid, created_at: runtime.now() }));
    await assert.rejects(runtime.drive(withFileLock(p, { runtime, timeoutMs: 1_000, staleMs: 60_000 }, async () => 'never')), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /timed out waiting for the lock/);
      return true;
    });
    assert.equal(existsSync(p), true, 'a live lock is not removed');
  });

  test('a holder whose lock was broken as stale leaves its successor\'s lock alone when it ends', async () => {
    const p = lockPath();
    const runtime = new DrivenRuntime();
    let finishFirst!: () => void;
    let firstDone!: Promise<void>;
    await new Promise<void>((entered) => {
      firstDone = withFileLock(p, { runtime, staleMs: 60_000 }, () => {
        entered();
        return new Promise<void>((r) => {
          finishFirst = r;
        });
      });
    });
    runtime.set(runtime.now() + 120_000);
    await withFileLock(p, { runtime, staleMs: 60_000 }, async () => {
      const mine = readFileSync(p, 'utf8');
      finishFirst();
      await firstDone;
      assert.equal(readFileSync(p, 'utf8'), mine, 'the first holder removed the lock of the second');
    });
    assert.equal(existsSync(p), false);
  });

  test('50 processes racing to break a stale lock never hold it at the same time', async () => {
    const dir = tempConfigDir();
    dirs.push(dir);
    const p = join(dir, 'credentials.toml.lock');
    const log = join(dir, 'holders.log');
    // The contenders load the lock module as plain JS (bundled here): 50 tsx start-ups would take longer than the race.
    const lockModule = join(dir, 'file-lock.mjs');
    buildSync({ entryPoints: [fileURLToPath(new URL('../../src/credentials/file-lock.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: lockModule, logLevel: 'error' });
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(p, JSON.stringify({ pid: dead.pid, created_at: Date.now() }));
    const contender = fileURLToPath(new URL('../helpers/lock-contender.mjs', import.meta.url));
    const go = join(dir, 'go');
    const exits = Array.from({ length: 50 }, (_, i) => {
      const child = spawn(process.execPath, [contender, lockModule, p, log, go, join(dir, `ready-${i}`)], { stdio: ['ignore', 'ignore', 'inherit'] });
      return new Promise<number | null>((r) => child.on('exit', r));
    });
    // Everyone starts at once, so many of them find the stale lock together.
    while (readdirSync(dir).filter((n) => n.startsWith('ready-')).length < 50) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(go, '');
    assert.deepEqual(await Promise.all(exits), Array(50).fill(0));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 100);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = (lines[i] as string).split(' ')[1];
      assert.deepEqual([lines[i], lines[i + 1]], [`enter ${pid}`, `leave ${pid}`], `two holders at line ${i + 1}`);
    }
    assert.equal(existsSync(p), false);
  });
});
