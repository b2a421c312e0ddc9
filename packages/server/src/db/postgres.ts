import pg from 'pg';
import type { Db, Queryable, SqlValue } from './db.js';

type Params = readonly SqlValue[];

/** Rewrites `?` placeholders to `$1, $2, …`, leaving quoted text and `??`-free SQL alone. */
export function toPgPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n += 1;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

// BIGINT (oid 20) columns hold epoch milliseconds and counts, well inside 2^53: return numbers
// like SQLite does instead of pg's default strings. Scoped to our pool, not set globally.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: Params = []) =>
      (await client.query(toPgPlaceholders(sql), params as unknown[])).rows as T[],
    get: async <T>(sql: string, params: Params = []) =>
      (await client.query(toPgPlaceholders(sql), params as unknown[])).rows[0] as T | undefined,
    run: async (sql: string, params: Params = []) => ({
      changes: (await client.query(toPgPlaceholders(sql), params as unknown[])).rowCount ?? 0,
    }),
  };
}

/** PostgreSQL through a `pg` Pool; several server processes may share the database. */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: Queryable;

  constructor(url: string, poolSize = 10) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, types, connectionTimeoutMillis: 10_000 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
    this.direct = queryable(this.pool);
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }
  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }
  run(sql: string, params?: Params): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(queryable(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
