import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { PostgresDb } from '../../src/db/postgres.js';
import { createPgSchema, type PgSchema } from '../../src/testing/pg-schema.js';
import { cleanEnv, type SpawnedServer, spawnServer } from './spawn-server.js';

export interface PgServerPair {
  sim: RunningSim;
  /**
   * Both processes share the database and the server key, and nothing else: each has its own data
   * dir (FIT files and uploads live in the database, FITSYNC_BLOB_STORE's default on PostgreSQL).
   */
  a: SpawnedServer;
  b: SpawnedServer;
  /** A direct connection to the shared schema. */
  db: PostgresDb;
  /** The data dirs of `a` and `b`. */
  dataDirs: [string, string];
}

/**
 * Registers cleanup (call inside a describe) and returns a starter: a sim and two `fitsync-server
 * start` processes on one fresh PostgreSQL schema, pointed at the sim, with `env` on top (and
 * `envB` on top of that for the second one).
 */
export function pgServerPair(prefix: string): (seed: string, env: Record<string, string>, envB?: Record<string, string>) => Promise<PgServerPair> {
  const tmp = mkdtempSync(join(tmpdir(), `fitsync-${prefix}-`));
  let schema: PgSchema | undefined;
  let sim: RunningSim | undefined;
  let db: PostgresDb | undefined;
  const servers: SpawnedServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    await db?.close();
    await sim?.close();
    await schema?.drop();
    rmSync(tmp, { recursive: true, force: true });
  });
  return async (seed, extra, envB = {}) => {
    sim = await startSim({ seed });
    schema = await createPgSchema();
    const dataDirs: [string, string] = [join(tmp, 'data-a'), join(tmp, 'data-b')];
    const env = cleanEnv({
      FITSYNC_DATABASE_URL: schema.url,
      FITSYNC_SECRET_KEY: 'shared-secret-key-for-both-instances-0123456789',
      FITSYNC_GARMIN_SSO_URL: sim.url,
      FITSYNC_GARMIN_API_URL: sim.url,
      FITSYNC_GARMIN_DIAUTH_URL: sim.url,
      FITSYNC_GARMIN_RPS: '0',
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
      ...extra,
    });
    const a = await spawnServer(['--port', '0'], { ...env, FITSYNC_DATA_DIR: dataDirs[0] }, 60_000);
    servers.push(a);
    const b = await spawnServer(['--port', '0'], { ...env, ...envB, FITSYNC_DATA_DIR: dataDirs[1] }, 60_000);
    servers.push(b);
    db = new PostgresDb(schema.url, 2);
    return { sim, a, b, db, dataDirs };
  };
}
