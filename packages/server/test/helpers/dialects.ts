import pg from 'pg';
import { DEFAULT_TEST_PG_URL } from '../../src/testing/pg-schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** A dialect to run a suite on, with a skip reason when it cannot run here. */
export interface DialectCase {
  dialect: DialectName;
  skip: string | false;
}

/**
 * The dialects to test (env FITSYNC_TEST_DIALECTS, default `sqlite,postgres`). PostgreSQL is
 * skipped when unreachable, unless FITSYNC_TEST_REQUIRE_PG=1 (CI) — then its tests fail loudly.
 */
export async function dialects(): Promise<DialectCase[]> {
  const names = (process.env.FITSYNC_TEST_DIALECTS ?? 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as DialectName[];
  const out: DialectCase[] = [];
  for (const dialect of names) {
    if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`unknown dialect ${dialect}`);
    let skip: string | false = false;
    if (dialect === 'postgres' && process.env.FITSYNC_TEST_REQUIRE_PG !== '1' && !(await pgReachable())) {
      skip = 'PostgreSQL unreachable (set FITSYNC_TEST_REQUIRE_PG=1 to fail instead)';
    }
    out.push({ dialect, skip });
  }
  return out;
}

/** The base URL PostgreSQL tests use. */
export function testPgUrl(): string {
  return process.env.FITSYNC_TEST_PG_URL || DEFAULT_TEST_PG_URL;
}

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: testPgUrl(), connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}
