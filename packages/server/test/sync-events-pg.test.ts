import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import pg from 'pg';
import { CountingDb } from '../src/db/counting-db.js';
import { PgEventBus } from '../src/events/pg-event-bus.js';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { dialects, testPgUrl } from './helpers/dialects.js';
import { openSse } from './helpers/sse-stream.js';
import { drain, linkedUser, startSync, type SyncWorld, syncEnv, waitFor } from './sync/harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
const skip = pgCase ? pgCase.skip : 'postgres is not in FITSYNC_TEST_DIALECTS';

/** Two FitSync instances ("servers") on one PostgreSQL schema: jobs run on A, watchers sit on B. */
describe('job events across two instances on PostgreSQL', { skip }, () => {
  let sim: RunningSim;
  let schema: PgSchema;
  let a: TestServer;
  let b: TestServer;
  let countedB: CountingDb;
  let w: SyncWorld;
  let admin: pg.Client;
  before(async () => {
    sim = await startSim({ seed: 'sync-events-pg' });
    schema = await createPgSchema();
    // One server key, as a real deployment shares it: tokens from A are good on B.
    const env = syncEnv(sim, { FITSYNC_SECRET_KEY: randomBytes(24).toString('hex') });
    a = await startTestServer({ databaseUrl: schema.url, env });
    b = await startTestServer({
      databaseUrl: schema.url,
      env,
      wrapDb: (db) => {
        countedB = new CountingDb(db);
        return countedB;
      },
    });
    w = { sim, s: a, close: async () => {} };
    admin = new pg.Client({ connectionString: testPgUrl() });
    await admin.connect();
  });
  after(async () => {
    assert.equal(a?.app.deps.syncWorkers.active ?? 0, 0, 'a sync job is still running');
    await admin?.end();
    await b?.close();
    await a?.close();
    await schema?.drop();
    await sim?.close();
  });

  test('a job running on A is watched on B: progress frames, the end, and no query while idle', async () => {
    assert.ok(b.app.deps.events instanceof PgEventBus, 'PostgreSQL picks the LISTEN/NOTIFY bus');
    const u = await linkedUser(w, { activities: 3, days: 30, workouts: 2 });
    const job = await startSync(w, u);
    const stream = await openSse(`${b.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
    assert.equal(stream.status, 200);
    assert.equal((await stream.next(() => true)).data.status, 'pending');
    await sleep(100);
    const before = countedB.queries;
    await sleep(1500);
    assert.equal(countedB.queries - before, 0, 'the idle watcher on B queried the database');

    // Garmin answers slowly, so the job runs through several heartbeats (each a progress write).
    w.sim.setFaults([{ path_prefix: '/usersummary-service/usersummary/daily/', kind: 'slow', rate: 1, delay_ms: 50 }]);
    try {
      await drain(w); // A's worker runs it
    } finally {
      w.sim.setFaults([]);
    }
    await stream.endsWithin(5000);
    const statuses = stream.frames.map((f) => f.data.status);
    assert.equal(statuses.at(-1), 'completed');
    assert.ok(statuses.includes('running'), statuses.join(','));
    assert.ok(
      stream.frames.some((f) => f.data.status === 'running' && f.data.processed_items > 0),
      'a progress frame while it ran',
    );
    const ids = stream.frames.map((f) => Number(f.id));
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'versions only go up');
    assert.equal(new Set(ids).size, ids.length, 'no snapshot twice');
    // B never re-read the job: every snapshot after the first came from A's publishes.
    assert.equal(countedB.queries - before, 0, 'B made no query for the frames it sent');
  });

  test('logging out on A ends the stream on B at once', async () => {
    const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
    const job = await startSync(w, u, { sync_type: 'workouts' });
    const stream = await openSse(`${b.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
    await stream.next(() => true);
    assert.equal((await call(a.app, 'POST', '/v1/auth/logout', { body: { refresh_token: u.refreshToken } })).status, 204);
    const ms = await stream.endsWithin(1000);
    assert.ok(ms < 1000, `ended ${ms} ms after the logout`);
    assert.equal(stream.frames.length, 1);
    await a.db.run("UPDATE sync_jobs SET status = 'cancelled' WHERE job_id = ?", [job.job_id]);
  });

  test("B's LISTEN connection drops: B reconnects, re-reads what it missed, and hears later changes", async () => {
    const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
    const job = await startSync(w, u, { sync_type: 'workouts' });
    const stream = await openSse(`${b.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
    await stream.next(() => true);
    const bus = b.app.deps.events as PgEventBus;
    const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      bus.applicationName,
    ]);
    assert.equal(cut.rowCount, 1);
    await waitFor('B to notice the loss', async () => !bus.listening, 5000);
    // A change right after the loss: its NOTIFY may reach no LISTEN on B; the re-read after the
    // reconnect brings it either way, and it is sent once (the test on the bus itself pins the loss).
    const before = countedB.queries;
    assert.equal((await call(a.app, 'POST', `/v1/sync/jobs/${job.job_id}/cancel`, { token: u.token })).status, 202);
    await waitFor('B to listen again', async () => bus.listening, 10_000);
    await stream.endsWithin(5000);
    assert.deepEqual(
      stream.frames.map((f) => f.data.status),
      ['pending', 'cancelled'],
    );
    assert.ok(countedB.queries - before <= 2, `the resync re-read the job once (${countedB.queries - before} queries)`);

    // And B hears what happens after the reconnect, pushed.
    const next = await startSync(w, u, { sync_type: 'workouts' });
    const later = await openSse(`${b.url}/v1/sync/jobs/${next.job_id}/events`, u.token);
    await later.next(() => true);
    await drain(w);
    await later.endsWithin(5000);
    assert.equal(later.frames.at(-1)?.data.status, 'completed');
  });
});
