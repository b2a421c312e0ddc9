import { closeSync, fstatSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
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
 * The lock file is created with O_EXCL and holds our pid, the time and a nonce. POSIX has no
 * "unlink if it is still that file", so removing a lock with identity N (its nonce) — on release,
 * or breaking a stale one — first takes `<lock>.break-N` with O_EXCL. Only its taker may unlink a
 * lock with that identity, so after taking it, a lock file that still reads N is still that same
 * file when we unlink it. A waiter that judged an old lock stale can therefore never delete the
 * fresh lock another waiter took meanwhile (the old check-then-rmSync gave two holders), and a
 * holder whose lock was broken never deletes its successor's. Only O_EXCL creates and unlinks are
 * used: any file system the config directory can live on will do.
 */
export async function withFileLock<T>(lockPath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const { runtime } = opts;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const staleMs = opts.staleMs ?? 60_000;
  const start = runtime.now();
  const nonce = `${process.pid}-${++taken}-${Math.floor(runtime.random() * 2 ** 32).toString(36)}`;
  let delay = 5;
  let waited = false;
  for (;;) {
    if (tryCreate(lockPath, JSON.stringify({ pid: process.pid, created_at: runtime.now(), nonce }))) break;
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
  try {
    return await fn();
  } finally {
    removeLock(lockPath, nonce);
  }
}

/** Creates `path` with O_EXCL holding `content`; false when it exists (held by someone). */
function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    // Only EEXIST means "held by someone"; anything else (ENOENT, EACCES, EROFS, ENOTDIR…) will not clear by waiting.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw configDirError(dirname(path), err, 'write to');
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface HeldLock {
  /** The nonce, or for a lock without one (being written, a crash mid-write, an older fitsync) its inode. */
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
    return undefined; // gone already or unreadable: just retry the create
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
      // Garbage, or being written right now by its creator: judged by age only.
    }
    return lock;
  } finally {
    closeSync(fd);
  }
}

/**
 * Unlinks the lock file if it is still the one with identity `id` (see withFileLock). A taken
 * `.break-` name means another process is removing that very lock right now: nothing to do.
 */
function removeLock(lockPath: string, id: string): void {
  const token = `${lockPath}.break-${id}`;
  if (!tryCreate(token, String(process.pid))) return;
  try {
    if (readLock(lockPath)?.id === id) unlinkSync(lockPath);
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
