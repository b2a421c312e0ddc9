import type { Db } from './db.js';
import { MIGRATIONS, type Migration } from './migrations.js';

// Arbitrary constant naming "fitsync schema migrations" for pg_advisory_xact_lock.
const PG_MIGRATION_LOCK = 7_746_210_331;

/**
 * Applies every migration not yet recorded in `schema_migrations`, in one transaction.
 * On PostgreSQL a transaction-scoped advisory lock makes concurrent starters wait for each other
 * (the second finds nothing left to do); on SQLite `BEGIN IMMEDIATE` does the same.
 * Returns the versions applied now.
 */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS, now = Date.now()): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [PG_MIGRATION_LOCK]);
    await tx.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const done = new Set((await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await m.precheck?.(tx);
      const statements = typeof m.sql === 'function' ? m.sql(tx.dialect) : m.sql;
      for (const s of statements) await tx.run(s);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now]);
      applied.push(m.version);
    }
    return applied;
  });
}
