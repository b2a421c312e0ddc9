import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** The backup's target cannot be used as given (exit 2): its directory is missing, it exists, it is the database itself. */
export class BackupTargetError extends Error {
  override name = 'BackupTargetError';
}

export interface BackupResult {
  /** The copy's full path. */
  file: string;
  bytes: number;
}

/**
 * Writes a consistent copy of the SQLite database `source` to `target` while other connections
 * (a running server) keep reading and writing: SQLite's online backup, all pages in one step, so
 * the copy is one snapshot (in WAL mode the step's read transaction never blocks writers). The copy
 * goes to a 0600 temp file beside `target`, is checked (quick_check) and fsynced, then takes the
 * target's name: by link, so an existing target is never replaced unless `force` (then rename).
 */
export async function backupSqlite(source: string, target: string, force: boolean): Promise<BackupResult> {
  const src = resolve(source);
  const dest = resolve(target);
  if (!existsSync(src)) throw new Error(`no SQLite database at ${src}`);
  if (dest === src) throw new BackupTargetError('the backup cannot replace the database itself');
  const dir = dirname(dest);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BackupTargetError(`no such directory: ${dir}`);
  if (existsSync(dest)) {
    if (statSync(dest).isDirectory()) throw new BackupTargetError(`${dest} is a directory; name the backup file`);
    if (!force) throw new BackupTargetError(`${dest} exists; pass --force to replace it`);
  }

  const tmp = join(dir, `.${basename(dest)}.${process.pid}.tmp`);
  // Created empty first, 0600: the copy holds password hashes and sealed Garmin tokens.
  closeSync(openSync(tmp, 'wx', 0o600));
  try {
    // fileMustExist: a wrong path must not leave a new empty database behind.
    const db = new Database(src, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      await db.backup(tmp, { progress: () => 0x7fffffff });
    } finally {
      db.close();
    }
    const copy = new Database(tmp, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its check: ${String(check)}`);
    } finally {
      copy.close();
    }
    fsyncFile(tmp);
    if (force) renameSync(tmp, dest);
    else {
      // Fails with EEXIST if the target appeared meanwhile: never overwritten without --force.
      linkSync(tmp, dest);
      rmSync(tmp);
    }
    fsyncFile(dir);
  } catch (err) {
    rmSync(tmp, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupTargetError(`${dest} exists; pass --force to replace it`);
    throw err;
  }
  return { file: dest, bytes: statSync(dest).size };
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
