import { closeSync, fstatSync, linkSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Runtime } from '@fitsync/runtime';
import { UsageError } from '../errors.js';
import { configDirError } from './config-dir.js';

export interface LockOptions {
  runtime: Runtime;
  /** How long to wait for another process before giving up. */
  timeoutMs?: number;
  /** A lock older than this is stale even if its pid is alive (pid reuse, hung process). */
  staleMs?: number;
  /** Called once when the lock is busy and we start waiting (for -v). */
  onWait?: () => void;
}

let taken = 0;

/**
 * Runs `fn` holding an exclusive inter-process lock. Waiting backs off with jitter up to
 * `timeoutMs`; a lock whose pid is dead, or older than `staleMs`, is broken.
 *
 * Protocol (POSIX has no "unlink if it is still that file", so it is built from link(2), which
 * fails with EEXIST, and a nonce in every lock):
 * - take: write our own file `<lock>.<nonce>` completely, then link it to `<lock>`; EEXIST = busy.
 *   The lock is never seen half-written.
 * - remove a lock with nonce N (release, or breaking a stale one): first link `<lock>` to
 *   `<lock>.break-N`. Only one process can create that name, and only its creator unlinks
 *   `<lock>`, after checking that what it linked really carries N. So a waiter that judged an
 *   old lock stale can never delete the fresh lock another waiter took meanwhile (the old
 *   check-then-rmSync gave two holders), and a holder whose lock was broken never deletes
 *   its successor's.
 */
export async function withFileLock<T>(lockPath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const { runtime } = opts;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const staleMs = opts.staleMs ?? 60_000;
  const start = runtime.now();
  const nonce = `${process.pid}-${++taken}-${Math.floor(runtime.random() * 2 ** 32).toString(36)}`;
  const own = `${lockPath}.${nonce}`;
  try {
    writeFileSync(own, JSON.stringify({ pid: process.pid, created_at: start, nonce }), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    throw configDirError(dirname(lockPath), err, 'write to');
  }
  let delay = 5;
  let waited = false;
  try {
    for (;;) {
      if (tryLink(own, lockPath)) break;
      // Checked on every path through the loop, so no way of failing to take the lock waits longer.
      if (runtime.now() - start > timeoutMs) {
        throw new UsageError(
          `timed out waiting for the lock ${lockPath}`,
          'another fitsync process holds it; if none is running, delete that file',
        );
      }
      const held = readLock(lockPath);
      if (held && isStale(held, runtime.now(), staleMs)) {
        removeLock(lockPath, held.id);
        continue;
      }
      if (!waited) {
        waited = true;
        opts.onWait?.();
      }
      await runtime.sleep(delay / 2 + runtime.random() * delay);
      delay = Math.min(delay * 2, 200);
    }
  } finally {
    unlinkSync(own);
  }
  try {
    return await fn();
  } finally {
    removeLock(lockPath, nonce);
  }
}

function tryLink(own: string, lockPath: string): boolean {
  try {
    linkSync(own, lockPath);
    return true;
  } catch (err) {
    // Only EEXIST means "held by someone"; anything else (EACCES, EROFS, ENOTDIR…) will not clear by waiting.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw configDirError(dirname(lockPath), err, 'write to');
  }
}

interface HeldLock {
  /** The nonce, or for a lock without one (an older fitsync, a crash mid-write) its inode. */
  id: string;
  pid?: number;
  created: number;
}

const NONCE_RE = /^[0-9a-z-]{1,64}$/;

/** The lock file's identity and age, read through one descriptor; undefined when it is gone. */
function readLock(path: string): HeldLock | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // gone already or unreadable: just retry the link
  }
  try {
    const st = fstatSync(fd);
    const lock: HeldLock = { id: `ino-${st.ino}`, created: st.mtimeMs };
    try {
      const j = JSON.parse(readFileSync(fd, 'utf8')) as { pid?: unknown; created_at?: unknown; nonce?: unknown };
      if (typeof j.pid === 'number') lock.pid = j.pid;
      if (typeof j.created_at === 'number') lock.created = j.created_at;
      if (typeof j.nonce === 'string' && NONCE_RE.test(j.nonce)) lock.id = j.nonce;
    } catch {
      // Not ours to parse (garbage, or half-written by an older fitsync): judged by age only.
    }
    return lock;
  } finally {
    closeSync(fd);
  }
}

/**
 * Unlinks the lock file if it is still the one with identity `id` (see withFileLock). A busy
 * `.break-` name means another process is removing that very lock right now: nothing to do.
 */
function removeLock(lockPath: string, id: string): void {
  const token = `${lockPath}.break-${id}`;
  try {
    linkSync(lockPath, token);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return;
    throw configDirError(dirname(lockPath), err, 'write to');
  }
  try {
    // Whoever holds `token` is the only one allowed to unlink a lock with this id, so if the file
    // we linked carries it, it is still the file at lockPath.
    if (readLock(token)?.id === id) unlinkSync(lockPath);
  } finally {
    unlinkSync(token);
  }
}

function isStale(lock: HeldLock, now: number, staleMs: number): boolean {
  if (now - lock.created > staleMs) return true;
  return lock.pid !== undefined && !pidAlive(lock.pid);
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
