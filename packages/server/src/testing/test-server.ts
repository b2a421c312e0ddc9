import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { Runtime } from '@fitsync/runtime';
import { type Config, type LogLevel, loadConfig } from '../config.js';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import type { Random } from '../random.js';
import { createPgSchema } from './pg-schema.js';

export interface TestServerOptions {
  dialect?: 'sqlite' | 'postgres';
  /** Time of the server (e.g. a FakeRuntime the test advances); default the system's. */
  runtime?: Runtime;
  random?: Random;
  hasher?: PasswordHasher;
  /** Extra FITSYNC_* variables, e.g. `{ FITSYNC_ACCESS_TOKEN_TTL: '60' }`. */
  env?: Record<string, string>;
  /** Capture logs (default: discarded unless FITSYNC_TEST_LOG=1). */
  log?: { stream?: Writable; level?: LogLevel };
  /** Use this database URL instead of a fresh one (e.g. a shared PostgreSQL schema); not dropped on close. */
  databaseUrl?: string;
  /** Wraps the opened, migrated database before the app gets it (e.g. a CountingDb). */
  wrapDb?: (db: Db) => Db;
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  db: Db;
  config: Config;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A real server on 127.0.0.1:<free port> over a fresh database (a SQLite file in a temp dir, or a
 * fresh PostgreSQL schema), migrated, with a random server key. `close()` stops it and removes
 * everything it created.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fitsync-server-test-'));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    let databaseUrl = opts.databaseUrl;
    if (!databaseUrl && opts.dialect === 'postgres') {
      const schema = await createPgSchema();
      cleanups.push(schema.drop);
      databaseUrl = schema.url;
    }
    // The token keeper's rounds would refresh tokens whenever a test moves the clock by days: tests
    // call app.deps.garminKeeper.runOnce() instead, unless they set FITSYNC_GARMIN_TOKEN_CHECK_S.
    const config = loadConfig(
      { host: '127.0.0.1', port: '0', dataDir },
      { FITSYNC_GARMIN_TOKEN_CHECK_S: '0', ...opts.env, FITSYNC_DATABASE_URL: databaseUrl },
    );
    const opened = await openDatabase(config.databaseUrl, dataDir);
    cleanups.push(() => opened.close());
    await migrate(opened);
    const db = opts.wrapDb ? opts.wrapDb(opened) : opened;
    const silent = process.env.FITSYNC_TEST_LOG === '1' ? undefined : ('silent' as const);
    const app = await buildApp({
      config,
      db,
      // FITSYNC_SECRET_KEY in `env` lets several test instances share one key, like a real deployment.
      serverKey: config.secretKey ? Buffer.from(config.secretKey, 'utf8') : randomBytes(32),
      runtime: opts.runtime,
      random: opts.random,
      hasher: opts.hasher,
      log: { stream: opts.log?.stream, level: opts.log?.level ?? silent },
    });
    cleanups.push(() => app.close());
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, app, db, config, dataDir, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
