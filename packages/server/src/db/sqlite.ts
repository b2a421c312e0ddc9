import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Db, Queryable, SqlValue } from './db.js';
import { Mutex } from './mutex.js';

type Params = readonly SqlValue[];

// One mutex per database file in this process. busy_timeout makes a second connection wait
// *synchronously* for the lock, which would freeze the event loop while the first connection's
// transaction is parked at an await — a deadlock. Connections to one file in one process
// therefore take turns here; other processes are handled by SQLite's own locking.
const fileMutexes = new Map<string, Mutex>();
function mutexFor(file: string): Mutex {
  if (file === ':memory:' || file === '') return new Mutex();
  const key = resolve(file);
  let m = fileMutexes.get(key);
  if (!m) {
    m = new Mutex();
    fileMutexes.set(key, m);
  }
  return m;
}

/**
 * Creates a missing database file 0600 before SQLite opens it (SQLite would use 0644 minus the
 * umask). SQLite gives the -wal and -shm files the mode of the database file, so they follow.
 * The data dir is 0700, but FITSYNC_DATABASE_URL may point anywhere.
 */
function createPrivate(file: string): void {
  if (file === ':memory:' || file === '') return;
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * Statements a connection keeps prepared. Preparing is most of a small statement's cost (the
 * sync's heartbeats, job reads and 100-row upserts repeat the same texts); the texts come from
 * code, not input, so a few hundred cover them all. When full, the cache starts over.
 */
const STATEMENT_CACHE_SIZE = 500;

/** A cached statement; readers come back as arrays and `row` makes the object. */
interface Prepared {
  stmt: Database.Statement;
  row: ((values: unknown[]) => Record<string, unknown>) | null;
}

/**
 * Readers run in raw mode: better-sqlite3 builds row objects through the V8 API one property at a
 * time, which took twice as long as the query itself for a page of 50 activities (issue 13); plain
 * JavaScript assignment in one fixed order gives every row of a statement the same shape.
 */
function prepared(stmt: Database.Statement): Prepared {
  if (!stmt.reader) return { stmt, row: null };
  const names = stmt.columns().map((c) => c.name);
  stmt.raw(true);
  return {
    stmt,
    row: (values) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) o[names[i]!] = values[i];
      return o;
    },
  };
}

function bind(params: Params): unknown[] {
  // better-sqlite3 refuses JS booleans; store them as 0/1 like the schema does.
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/**
 * SQLite through better-sqlite3. The driver is synchronous but callers are async, so every
 * statement and every transaction goes through one mutex (per file, per process): while a
 * transaction awaits between its statements, no other request's statement can slip into it.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly mutex: Mutex;
  private readonly direct: Queryable;

  constructor(file: string) {
    this.mutex = mutexFor(file);
    createPrivate(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('synchronous = NORMAL');
    const db = this.db;
    const statements = new Map<string, Prepared>();
    const prepare = (sql: string): Prepared => {
      let p = statements.get(sql);
      if (!p) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        p = prepared(db.prepare(sql));
        statements.set(sql, p);
      }
      return p;
    };
    this.direct = {
      dialect: 'sqlite',
      all: async <T>(sql: string, params: Params = []) => {
        const { stmt, row } = prepare(sql);
        if (!row) return stmt.all(...bind(params)) as T[];
        return (stmt.all(...bind(params)) as unknown[][]).map(row) as T[];
      },
      get: async <T>(sql: string, params: Params = []) => {
        const { stmt, row } = prepare(sql);
        if (!row) {
          stmt.run(...bind(params));
          return undefined;
        }
        const r = stmt.get(...bind(params)) as unknown[] | undefined;
        return r === undefined ? undefined : (row(r) as T);
      },
      run: async (sql: string, params: Params = []) => {
        const { stmt, row } = prepare(sql);
        if (row) return { changes: stmt.all(...bind(params)).length };
        return { changes: stmt.run(...bind(params)).changes };
      },
    };
  }

  // A single statement runs synchronously in the driver: when the mutex is idle (no transaction
  // open, nobody waiting) it runs at once, which is what taking and releasing the mutex would do,
  // minus three promises and a turn of the microtask queue on every read of every request.
  all<T>(sql: string, params?: Params): Promise<T[]> {
    if (this.mutex.idle) return this.direct.all<T>(sql, params);
    return this.mutex.run(() => this.direct.all<T>(sql, params));
  }
  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    if (this.mutex.idle) return this.direct.get<T>(sql, params);
    return this.mutex.run(() => this.direct.get<T>(sql, params));
  }
  run(sql: string, params?: Params): Promise<{ changes: number }> {
    if (this.mutex.idle) return this.direct.run(sql, params);
    return this.mutex.run(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      // IMMEDIATE takes the write lock up front, so two processes on one file cannot deadlock
      // upgrading read locks; busy_timeout makes the second one wait.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async ping(): Promise<void> {
    await this.get('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    await this.mutex.run(() => this.db.close());
  }
}
