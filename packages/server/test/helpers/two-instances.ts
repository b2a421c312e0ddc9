import { after } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { systemRuntime } from '@fitsync/runtime';
import type { FakeRuntime } from '@fitsync/runtime/fake';
import { createPgSchema, type PgSchema } from '../../src/testing/pg-schema.js';
import { startTestServer, type TestServer } from '../../src/testing/test-server.js';

/**
 * Two in-process server instances on one fresh PostgreSQL schema with one server key, like a
 * deployment of two, and a sim as Garmin, all on `clock`. Call inside `describe`: everything is
 * stopped in that suite's `after`.
 */
export function twoInstancesFixture(seed: string, clock: FakeRuntime): () => Promise<{ sim: RunningSim; a: TestServer; b: TestServer }> {
  let sim: RunningSim | undefined;
  let schema: PgSchema | undefined;
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    await sim?.close();
    await schema?.drop();
  });
  return async () => {
    sim = await startSim({ seed, runtime: { ...systemRuntime, now: () => clock.now() } });
    schema = await createPgSchema();
    const env = {
      FITSYNC_SECRET_KEY: 'shared-secret-key-for-both-instances-0123456789',
      // FitSync sessions outlive the days the fake clock jumps.
      FITSYNC_ACCESS_TOKEN_TTL: '31536000',
      FITSYNC_GARMIN_SSO_URL: sim.url,
      FITSYNC_GARMIN_API_URL: sim.url,
      FITSYNC_GARMIN_DIAUTH_URL: sim.url,
    };
    for (let i = 0; i < 2; i++) servers.push(await startTestServer({ dialect: 'postgres', databaseUrl: schema.url, runtime: clock, env }));
    return { sim, a: servers[0]!, b: servers[1]! };
  };
}
