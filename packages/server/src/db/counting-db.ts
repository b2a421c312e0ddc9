import type { Db, Queryable, SqlValue } from './db.js';

/**
 * A Db that counts the statements it runs (transactions included) and passes them on: how tests
 * and the benchmarks prove that something, e.g. an idle event stream, costs no query.
 */
export class CountingDb implements Db {
  /** Statements run so far. */
  queries = 0;
  readonly dialect: Db['dialect'];

  constructor(private readonly inner: Db) {
    this.dialect = inner.dialect;
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    this.queries++;
    return this.inner.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    this.queries++;
    return this.inner.get<T>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    this.queries++;
    return this.inner.run(sql, params);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(this.counted(tx)));
  }
  ping(): Promise<void> {
    this.queries++;
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private counted(tx: Queryable): Queryable {
    return {
      dialect: tx.dialect,
      all: (sql, params) => {
        this.queries++;
        return tx.all(sql, params);
      },
      get: (sql, params) => {
        this.queries++;
        return tx.get(sql, params);
      },
      run: (sql, params) => {
        this.queries++;
        return tx.run(sql, params);
      },
    };
  }
}
