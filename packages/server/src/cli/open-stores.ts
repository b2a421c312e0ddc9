import { mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';

/** Creates the data dir (0700), opens and migrates the database. */
export async function openStores(config: Config): Promise<Db> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase(config.databaseUrl, config.dataDir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}
