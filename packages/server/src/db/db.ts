/** Values a query parameter may take on both engines. */
export type SqlValue = string | number | bigint | boolean | null | Buffer;

/** Which SQL engine a Db talks to, for the rare statement that must differ. */
export type Dialect = 'sqlite' | 'postgres';

/** Queries, shared by a Db and a transaction. SQL uses `?` placeholders on both engines. */
export interface Queryable {
  readonly dialect: Dialect;
  /** All rows. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; `changes` is the number of rows it inserted/updated/deleted. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

/**
 * The one query layer over SQLite and PostgreSQL. Timestamps are BIGINT epoch milliseconds and
 * ids TEXT everywhere; booleans are INTEGER 0/1.
 */
export interface Db extends Queryable {
  /** Runs `fn` in a transaction; commits when it resolves, rolls back (and rethrows) when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
