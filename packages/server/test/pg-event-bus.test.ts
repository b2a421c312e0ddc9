import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { SyncJob } from '@fitsync/api';
import { FakeRuntime } from '@fitsync/runtime/fake';
import pg from 'pg';
import { PostgresDb } from '../src/db/postgres.js';
import type { ServerEvents } from '../src/events/event-bus.js';
import { EVENTS_CHANNEL, PgEventBus } from '../src/events/pg-event-bus.js';
import { Metrics } from '../src/metrics.js';
import { dialects, testPgUrl } from './helpers/dialects.js';
import { waitFor } from './sync/harness.js';

const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
const skip = pgCase ? pgCase.skip : 'postgres is not in FITSYNC_TEST_DIALECTS';

const zero = { new: 0, updated: 0, unchanged: 0 };

function job(id: string, extra: Partial<SyncJob> = {}): SyncJob {
  return {
    job_id: id,
    user_id: 'u1',
    status: 'running',
    sync_type: 'all',
    trigger: 'manual',
    message: null,
    progress: 10,
    total_items: 100,
    processed_items: 10,
    since: null,
    until: null,
    full: false,
    created_at: '2026-01-01T00:00:00.000Z',
    start_time: '2026-01-01T00:00:01.000Z',
    end_time: null,
    error_message: null,
    counts: { activities: zero, health: zero, workouts: zero },
    ...extra,
  };
}

/** Ends the LISTEN connection of `bus` from the server side, as a restart or a network cut would. */
async function cutListenConnection(admin: pg.Client, bus: PgEventBus): Promise<void> {
  const r = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [
    bus.applicationName,
  ]);
  assert.equal(r.rowCount, 1, 'one LISTEN connection per bus');
}

describe('the PostgreSQL event bus (LISTEN/NOTIFY)', { skip }, () => {
  let db: PostgresDb;
  let admin: pg.Client;
  const buses: PgEventBus[] = [];
  const newBus = async (extra: Partial<ConstructorParameters<typeof PgEventBus>[0]> = {}) => {
    const bus = new PgEventBus({ db, url: testPgUrl(), ...extra });
    buses.push(bus);
    await bus.start();
    return bus;
  };
  before(async () => {
    db = new PostgresDb(testPgUrl(), 4);
    admin = new pg.Client({ connectionString: testPgUrl() });
    await admin.connect();
  });
  after(async () => {
    for (const b of buses) await b.close();
    const left = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ANY($1)", [
      buses.map((b) => b.applicationName),
    ]);
    assert.equal(left.rows[0].n, 0, 'closed buses leave no LISTEN connection behind');
    await admin.end();
    await db.close();
  });

  test('an event reaches the other instance once, and its own listeners at once and only once', async () => {
    const a = await newBus();
    const b = await newBus();
    const key = randomBytes(6).toString('hex');
    const heardA: number[] = [];
    const heardB: number[] = [];
    a.subscribe('sync-job', key, (p) => heardA.push(p.version));
    b.subscribe('sync-job', key, (p) => heardB.push(p.version));
    const revokedOnB: string[] = [];
    b.subscribe('session-revoked', 's1', (p) => revokedOnB.push(p.userId));
    a.publish('sync-job', key, { version: 1, job: job(key) });
    assert.deepEqual(heardA, [1], 'local listeners hear a local publish synchronously');
    // A burst: B hears it in publish order (the NOTIFYs do not race over pool connections).
    for (let v = 2; v <= 30; v++) a.publish('sync-job', key, { version: v, job: job(key, { processed_items: v }) });
    a.publish('session-revoked', 's1', { userId: 'u1' });
    await waitFor('B to hear them all', async () => heardB.length >= 30 && revokedOnB.length === 1, 5000);
    // B's event reaches A after A's own earlier NOTIFYs came back to it (one commit order): A ignores its echo.
    b.publish('sync-job', key, { version: 31, job: job(key) });
    await waitFor('A to hear B', async () => heardA.includes(31), 5000);
    const all = Array.from({ length: 31 }, (_, i) => i + 1);
    assert.deepEqual(heardA, all);
    assert.deepEqual(heardB, all);
    assert.deepEqual(revokedOnB, ['u1']);
  });

  test('an event too big for a NOTIFY arrives elsewhere as "changed, re-read" for its key only', async () => {
    const metrics = new Metrics();
    const a = await newBus({ metrics });
    const b = await newBus();
    const key = randomBytes(6).toString('hex');
    const other = randomBytes(6).toString('hex');
    const heardA: ServerEvents['sync-job'][] = [];
    const heardB: ServerEvents['sync-job'][] = [];
    const resyncs: string[] = [];
    a.subscribe('sync-job', key, (p) => heardA.push(p));
    b.subscribe('sync-job', key, (p) => heardB.push(p), { resync: () => resyncs.push(key) });
    b.subscribe('sync-job', other, () => {}, { resync: () => resyncs.push(other) });
    const big = job(key, { error_message: 'x'.repeat(9000) });
    a.publish('sync-job', key, { version: 5, job: big });
    assert.equal(heardA[0]?.job.error_message, big.error_message, 'local listeners get the whole payload');
    await waitFor('the marker', async () => resyncs.length > 0, 5000);
    a.publish('sync-job', key, { version: 6, job: job(key) });
    await waitFor('the next small event', async () => heardB.length === 1, 5000);
    assert.deepEqual(resyncs, [key]);
    assert.equal(heardB[0]?.version, 6);
    assert.equal(metrics.counter('fitsync_events_oversize_total', '').get({ kind: 'sync-job' }), 1);
  });

  test('after losing its LISTEN connection the bus reconnects with backoff and tells subscribers to re-read', async () => {
    const runtime = new FakeRuntime({ seed: 7 });
    const metrics = new Metrics();
    const a = await newBus();
    const b = await newBus({ runtime, metrics, backoff: { baseMs: 1000, maxMs: 8000 } });
    const key = randomBytes(6).toString('hex');
    const heard: number[] = [];
    let resyncs = 0;
    b.subscribe('sync-job', key, (p) => heard.push(p.version), { resync: () => resyncs++ });

    await cutListenConnection(admin, b);
    await waitFor('B to notice', async () => !b.listening, 5000);
    // Sent while B listens on nothing: lost for B, which is why it must re-read later.
    a.publish('sync-job', key, { version: 1, job: job(key) });
    await waitFor('the backoff sleep', async () => runtime.pending === 1, 5000);
    await runtime.advance(400); // below the first wait (≥ 500 ms): still down
    assert.equal(b.listening, false);
    assert.equal(resyncs, 0);
    await runtime.advance(600);
    await waitFor('B to listen again', async () => b.listening, 5000);
    assert.equal(resyncs, 1, 'one resync after the reconnect');
    assert.equal(metrics.counter('fitsync_events_reconnects_total', '').get(), 1);
    a.publish('sync-job', key, { version: 2, job: job(key) });
    await waitFor('a later event', async () => heard.includes(2), 5000);
    assert.deepEqual(heard, [2]);
  });

  test('while the database refuses connections the bus keeps trying, with growing waits; close stops it', async () => {
    // A role of its own, so the database can refuse just this bus's reconnects.
    const role = `evt_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    try {
      const url = new URL(testPgUrl());
      url.username = role;
      const runtime = new FakeRuntime({ seed: 3 });
      const b = await newBus({ url: url.toString(), runtime, backoff: { baseMs: 1000, maxMs: 4000 } });
      await admin.query(`ALTER ROLE ${role} NOLOGIN`);
      await cutListenConnection(admin, b);
      const waits: number[] = [];
      let t = runtime.now();
      await waitFor('the first backoff sleep', async () => runtime.pending === 1, 5000);
      for (let i = 0; i < 5; i++) {
        // Step through the wait 100 ms at a time to see how long it was.
        while (runtime.pending === 1) await runtime.advance(100);
        waits.push(runtime.now() - t);
        t = runtime.now();
        await waitFor(`backoff sleep ${i + 2}`, async () => runtime.pending === 1, 5000);
      }
      assert.equal(b.listening, false);
      // Full jitter over the upper half of a cap doubling from 1 s to 4 s.
      const caps = [1000, 2000, 4000, 4000, 4000];
      for (const [i, w] of waits.entries()) {
        assert.ok(w >= caps[i]! / 2 && w <= caps[i]! + 100, `wait ${i + 1}: ${w} ms (${waits})`);
      }
      await b.close();
      assert.equal(runtime.pending, 0, 'no reconnect is left waiting after close');
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  test('malformed or foreign messages on the channel are ignored', async () => {
    const b = await newBus();
    const key = randomBytes(6).toString('hex');
    const heard: unknown[] = [];
    b.subscribe('sync-job', key, (p) => heard.push(p));
    for (const payload of [
      'not json',
      '42',
      JSON.stringify({ i: 'x', k: 'sync-job', key, p: { version: 'one', job: {} } }),
      JSON.stringify({ i: 'x', k: 'sync-job', key, p: { version: 1, job: { job_id: key } } }),
      JSON.stringify({ i: 'x', k: 'no-such-kind', key, p: {} }),
      JSON.stringify({ i: 'x', k: 'toString', key, p: {} }),
    ]) {
      await admin.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);
    }
    await admin.query('SELECT pg_notify($1, $2)', [
      EVENTS_CHANNEL,
      JSON.stringify({ i: 'x', k: 'sync-job', key, p: { version: 9, job: job(key) } }),
    ]);
    await waitFor('the good one', async () => heard.length > 0, 5000);
    assert.equal(heard.length, 1);
    assert.equal((heard[0] as { version: number }).version, 9);
  });
});
