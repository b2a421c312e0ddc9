import { join } from 'node:path';
import { BackupTargetError, backupSqlite } from '../backup/sqlite-backup.js';
import type { Config } from '../config.js';
import { KEY_FILE_NAME } from '../crypto/server-key.js';
import { sqliteFileOf } from '../db/open-database.js';
import { type CliIo, UsageError } from './io.js';

/**
 * `backup FILE [--force]`: a consistent copy of the SQLite database, safe while the server runs.
 * PostgreSQL has its own tools (pg_dump): exit 2 with a pointer to them.
 */
export async function runBackup(config: Config, io: CliIo, file: string, force: boolean): Promise<number> {
  const source = sqliteFileOf(config.databaseUrl, config.dataDir);
  if (source === null) {
    throw new UsageError(
      'backup copies SQLite databases; for PostgreSQL use its own tools, e.g. pg_dump -Fc -f fitsync.dump "$FITSYNC_DATABASE_URL" (restore with pg_restore)',
    );
  }
  let done: { file: string; bytes: number };
  try {
    done = await backupSqlite(source, file, force);
  } catch (err) {
    if (err instanceof BackupTargetError) throw new UsageError(err.message);
    throw err;
  }
  io.stdout.write(`Backed up ${source} to ${done.file} (${done.bytes} bytes).\n`);
  if (config.blobs.store === 'fs') {
    io.stdout.write(`FIT files are not in the database: copy ${join(config.dataDir, 'fit')} as well (after this backup).\n`);
  }
  if (!config.secretKey) {
    io.stdout.write(`The server key is ${join(config.dataDir, KEY_FILE_NAME)}: keep a copy of it too (the backup cannot be read without it).\n`);
  }
  return 0;
}
