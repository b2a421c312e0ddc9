import { join } from 'node:path';
import type { Db } from './db.js';
import { PostgresDb } from './postgres.js';
import { SqliteDb } from './sqlite.js';

export const DEFAULT_SQLITE_FILE = 'fitsync.db';

/**
 * Opens the database named by `url`: `postgres://…`/`postgresql://…` for PostgreSQL,
 * `sqlite:PATH` or a plain path for SQLite, or (no url) `fitsync.db` in `dataDir`.
 */
export async function openDatabase(url: string | undefined, dataDir: string): Promise<Db> {
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    const db = new PostgresDb(url);
    try {
      await db.ping();
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    return db;
  }
  return new SqliteDb(sqliteFileOf(url, dataDir)!);
}

/** The SQLite file `url` names (the data dir's `fitsync.db` when unset); null for PostgreSQL. */
export function sqliteFileOf(url: string | undefined, dataDir: string): string | null {
  if (url && /^postgres(ql)?:\/\//i.test(url)) return null;
  return url ? url.replace(/^sqlite:(\/\/)?/i, '') : join(dataDir, DEFAULT_SQLITE_FILE);
}
