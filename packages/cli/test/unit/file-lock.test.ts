import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { withFileLock } from '../../src/credentials/file-lock.js';
import { UsageError } from '../../src/errors.js';
import { fakeClock, removeDir, tempConfigDir } from '../helpers/run-main.js';

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
        withFileLock(p, { clock: systemClock }, async () => {
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
    await assert.rejects(withFileLock(p, { clock: systemClock }, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(existsSync(p), false);
  });

  test('a lock left by a dead process is broken', async () => {
    const p = lockPath();
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(p, JSON.stringify({ pid: deadPid, created_at: Date.now() }));
    assert.equal(await withFileLock(p, { clock: systemClock }, async () => 'got it'), 'got it');
  });

  test('a lock held by a live process past the stale age is broken', async () => {
    const p = lockPath();
    const clock = fakeClock();
    writeFileSync(p, JSON.stringify({ pid: process.pid, created_at: clock.now() - 120_000 }));
    assert.equal(await withFileLock(p, { clock, staleMs: 60_000 }, async () => 'ok'), 'ok');
  });

  test('a live, fresh lock makes waiters give up after the timeout with a clear message', async () => {
    const p = lockPath();
    const clock = fakeClock();
    writeFileSync(p, JSON.stringify({ pid: process.pid, created_at: clock.now() }));
    await assert.rejects(withFileLock(p, { clock, timeoutMs: 1_000, staleMs: 60_000 }, async () => 'never'), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /timed out waiting for the lock/);
      return true;
    });
    assert.equal(existsSync(p), true, 'a live lock is not removed');
  });
});
