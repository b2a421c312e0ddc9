import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A throwaway PostgreSQL schema: `url` selects it through `search_path`; `drop()` removes it. */
export interface PgSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh schema `t_<random>` in the database at `baseUrl` (default FITSYNC_TEST_PG_URL)
 * and returns a URL whose connections use it (`options=-c search_path=…`), for isolated tests.
 */
export async function createPgSchema(baseUrl = process.env.FITSYNC_TEST_PG_URL || DEFAULT_TEST_PG_URL): Promise<PgSchema> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: u.toString(),
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3000 });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
