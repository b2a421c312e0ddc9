import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../clock.js';
import { UsageError } from '../errors.js';
import { configDirError } from './config-dir.js';

export interface LockOptions {
  clock: Clock;
  /** How long to wait for another process before giving up. */
  timeoutMs?: number;
  /** A lock older than this is stale even if its pid is alive (pid reuse, hung process). */
  staleMs?: number;
  random?: () => number;
  /** Called once when the lock is busy and we start waiting (for -v). */
  onWait?: () => void;
}

/**
 * Runs `fn` holding an exclusive inter-process lock: the lock file is created
 * with O_EXCL ('wx'), holds our pid, and is removed afterwards. A lock whose
 * pid is dead, or older than `staleMs`, is broken. Waiting backs off with jitter
 * up to `timeoutMs`.
 */
export async function withFileLock<T>(lockPath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const staleMs = opts.staleMs ?? 60_000;
  const random = opts.random ?? Math.random;
  const start = opts.clock.now();
  let delay = 5;
  let waited = false;
  for (;;) {
    const handle = tryCreate(lockPath, opts.clock.now());
    if (handle) break;
    // Checked on every path through the loop, so no way of failing to take the lock waits longer.
    if (opts.clock.now() - start > timeoutMs) {
      throw new UsageError(
        `timed out waiting for the lock ${lockPath}`,
        'another fitsync process holds it; if none is running, delete that file',
      );
    }
    if (isStale(lockPath, opts.clock.now(), staleMs)) {
      // Two waiters may both see the stale lock; removing it twice is harmless
      // because only one of them will then win the O_EXCL create.
      try {
        rmSync(lockPath, { force: true });
      } catch (err) {
        throw configDirError(dirname(lockPath), err, 'write to');
      }
      continue;
    }
    if (!waited) {
      waited = true;
      opts.onWait?.();
    }
    await opts.clock.sleep(delay / 2 + random() * delay);
    delay = Math.min(delay * 2, 200);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function tryCreate(lockPath: string, now: number): boolean {
  try {
    const fd = openSync(lockPath, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, created_at: now }));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    // Only EEXIST means "held by someone"; anything else (ENOENT, EACCES, EROFS, ENOTDIR…) will not clear by waiting.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw configDirError(dirname(lockPath), err, 'write to');
  }
}

function isStale(lockPath: string, now: number, staleMs: number): boolean {
  let text: string;
  let mtime: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    mtime = statSync(lockPath).mtimeMs;
  } catch {
    return false; // gone already or unreadable: just retry the create
  }
  let pid: number | undefined;
  let created = mtime;
  try {
    const j = JSON.parse(text) as { pid?: unknown; created_at?: unknown };
    if (typeof j.pid === 'number') pid = j.pid;
    if (typeof j.created_at === 'number') created = j.created_at;
  } catch {
    // Half-written by a holder that is still writing: judge by age only.
  }
  if (now - created > staleMs) return true;
  if (pid !== undefined && !pidAlive(pid)) return true;
  return false;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
