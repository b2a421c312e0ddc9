import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

const HINT = 'choose a writable directory with --config-dir or FITSYNC_CONFIG_DIR';

/** What an errno means for the config directory, in words a user can act on. */
function why(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'it cannot be created there (no such file or directory)';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the device';
    case 'ELOOP':
      return 'too many symbolic links in the path';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return code ?? 'unknown error';
  }
}

/**
 * A file-system error on the config directory (or a file in it) as the exit-2
 * error the CLI contract gives a local problem the user must fix, naming the
 * directory and the problem.
 */
export function configDirError(dir: string, err: unknown, action = 'use'): UsageError {
  if (err instanceof UsageError) return err;
  return new UsageError(`cannot ${action} the config directory ${dir}: ${why((err as NodeJS.ErrnoException).code)}`, HINT);
}

/**
 * Creates `dir` (mode 0700) and any missing parents, one mkdir(2) per missing
 * component, so every call ends after at most one attempt per path component.
 * Node 20's `mkdirSync(p, { recursive: true })` spins forever when mkdir says
 * ENOENT under a parent that exists (e.g. anything under /proc); here any error
 * but EEXIST is final.
 */
export function ensureConfigDir(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw configDirError(dir, err, 'create');
      missing.push(p);
      const parent = dirname(p);
      if (parent === p) break;
      p = parent;
      continue;
    }
    if (!isDir) throw configDirError(dir, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), 'create');
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw configDirError(dir, err, 'create');
      // Created meanwhile by another process; it must still be a directory.
      let isDir = false;
      try {
        isDir = statSync(m).isDirectory();
      } catch (e) {
        throw configDirError(dir, e, 'create');
      }
      if (!isDir) throw configDirError(dir, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), 'create');
    }
  }
}
