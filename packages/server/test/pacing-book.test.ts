import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open-database.js';
import { SyncAborted } from '../src/sync/abortable.js';
import { GarminPacer } from '../src/sync/garmin-pacer.js';
import { type Booking, MemoryPaceBook, type PaceBook, type PaceLane } from '../src/sync/pace-book.js';
import { PgPaceBook } from '../src/sync/pg-pace-book.js';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';

const lane = (key: string, gapMs: number): PaceLane => ({ key, gapMs });

/** A book that counts the bookings in flight, so a test moves the fake clock only when none is. */
class WatchedBook implements PaceBook {
  inFlight = 0;
  constructor(private readonly inner: PaceBook) {}
  async book(now: number, account: PaceLane | null, deployment: PaceLane | null): Promise<Booking> {
    this.inFlight++;
    try {
      return await this.inner.book(now, account, deployment);
    } finally {
      this.inFlight--;
    }
  }
}

/**
 * Moves the fake clock 1 ms at a time until `done()`, each step only once no booking is in flight
 * (a database answer is real I/O): a call then starts exactly at the time it was booked.
 */
async function drive(rt: FakeRuntime, books: WatchedBook[], done: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the paced calls never all started');
    // Calls just woken or just asked reach their booking first (promise callbacks), then its answer.
    await new Promise((r) => setImmediate(r));
    while (books.some((b) => b.inFlight > 0)) await new Promise((r) => setTimeout(r, 1));
    if (!done()) await rt.advance(1);
  }
}

/** Starts `wait` on each pace in order and records when (fake time) each call may start, by label. */
function launch(rt: FakeRuntime, calls: [string, { wait(s: AbortSignal): Promise<void> }][], signal = new AbortController().signal) {
  // Every waiting call listens for the stop.
  setMaxListeners(0, signal);
  const starts = new Map<string, number[]>();
  let pending = calls.length;
  const all = calls.map(([label, pace]) =>
    pace.wait(signal).then(
      () => {
        starts.set(label, [...(starts.get(label) ?? []), rt.now()]);
        pending--;
      },
      (err: unknown) => {
        pending--;
        throw err;
      },
    ),
  );
  return { starts, done: () => pending === 0, all: Promise.allSettled(all) };
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

// The pace book's contract on each store: in memory (SQLite servers), and in PostgreSQL, where two
// database pools stand for two instances sharing it.
for (const { dialect, skip } of await dialects()) {
  const store = dialect === 'postgres' ? 'PostgreSQL (two instances)' : 'memory (one process)';
  describe(`Garmin pace book in ${store}`, { skip }, () => {
    let dir: string;
    let schema: PgSchema | undefined;
    const dbs: Db[] = [];
    let shared: MemoryPaceBook;
    /** Two books over one store: the instances' (PostgreSQL), or one memory book twice. */
    const books = (): [PaceBook, PaceBook] =>
      dialect === 'postgres' ? [new PgPaceBook(dbs[0]!), new PgPaceBook(dbs[1]!)] : [shared, shared];
    let n = 0;
    /** Lane keys unique to each test (the PostgreSQL table outlives a test). */
    const fresh = (name: string) => `${name}-${++n}`;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fitsync-pace-'));
      if (dialect === 'postgres') {
        schema = await createPgSchema();
        for (let i = 0; i < 2; i++) dbs.push(await openDatabase(schema.url, dir));
        await migrate(dbs[0]!);
      }
    });
    after(async () => {
      for (const d of dbs) await d.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('one lane: starts never closer than its gap; a lane idle since its last start starts at once', async () => {
      shared = new MemoryPaceBook();
      const [a, b] = books();
      const acct = lane(fresh('account:a'), 250);
      assert.deepEqual(await a.book(1_000, acct, null), { start: 1_000 });
      assert.deepEqual(await b.book(1_000, acct, null), { start: 1_250 });
      assert.deepEqual(await a.book(1_100, acct, null), { start: 1_500 });
      // Idle since: the next call starts when it asks.
      assert.deepEqual(await b.book(5_000, acct, null), { start: 5_000 });
      const dep = lane(fresh('deployment'), 100);
      assert.deepEqual(await a.book(5_000, null, dep), { start: 5_000 });
      assert.deepEqual(await b.book(5_000, null, dep), { start: 5_100 });
    });

    test('both lanes: a call books only when its account is due, then takes the next deployment slot', async () => {
      shared = new MemoryPaceBook();
      const [a, b] = books();
      const dep = lane(fresh('deployment'), 100);
      const [x, y, z] = [lane(fresh('account:x'), 250), lane(fresh('account:y'), 250), lane(fresh('account:z'), 250)];
      assert.deepEqual(await a.book(0, x, dep), { start: 0 });
      // x is not due before 250: nothing is booked, so the deployment slot at 100 stays free for y.
      assert.deepEqual(await b.book(0, x, dep), { retryAt: 250 });
      assert.deepEqual(await b.book(0, y, dep), { start: 100 });
      assert.deepEqual(await a.book(0, z, dep), { start: 200 });
      // x is due at 250, the deployment only at 300: x starts at 300, and its next is 300 + 250.
      assert.deepEqual(await a.book(250, x, dep), { start: 300 });
      assert.deepEqual(await b.book(500, x, dep), { retryAt: 550 });
    });

    test('concurrent bookings never share a start: each lane hands out one start per gap', async () => {
      shared = new MemoryPaceBook();
      const [a, b] = books();
      const acct = lane(fresh('account:busy'), 50);
      const dep = lane(fresh('deployment'), 20);
      const t = 10_000;
      // 40 calls of one account at the same instant, half through each instance.
      const one = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).book(t, acct, null)));
      assert.deepEqual(sorted(one.map((r) => (r as { start: number }).start)), Array.from({ length: 40 }, (_, i) => t + i * 50));
      // 30 accounts under the deployment cap at once: every one due, 30 distinct deployment slots.
      const many = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).book(t, lane(fresh('account:many'), 1_000), dep)),
      );
      assert.deepEqual(sorted(many.map((r) => (r as { start: number }).start)), Array.from({ length: 30 }, (_, i) => t + i * 20));
    });

    test('pacers: the calls of one account on two instances start 1/rps apart, none waiting longer than needed', async () => {
      shared = new MemoryPaceBook();
      const rt = new FakeRuntime({ now: 1_000_000 });
      const [b1, b2] = books().map((b) => new WatchedBook(b)) as [WatchedBook, WatchedBook];
      const p1 = new GarminPacer({ book: b1, runtime: rt, accountRps: 4, deploymentRps: 0 });
      const p2 = new GarminPacer({ book: b2, runtime: rt, accountRps: 4, deploymentRps: 0 });
      const key = fresh('runner');
      const run = launch(rt, [
        ['x', p1.account(key)],
        ['x', p2.account(key)],
        ['x', p1.account(key)],
        ['x', p2.account(key)],
        ['x', p1.account(key)],
        ['x', p2.account(key)],
      ]);
      await drive(rt, [b1, b2], run.done);
      assert.deepEqual(sorted(run.starts.get('x')!), [0, 250, 500, 750, 1000, 1250].map((d) => 1_000_000 + d));
    });

    test('pacers under a deployment cap: accounts take its slots in turn, each at its own rate', async () => {
      shared = new MemoryPaceBook();
      const rt = new FakeRuntime({ now: 2_000_000 });
      const [b1, b2] = books().map((b) => new WatchedBook(b)) as [WatchedBook, WatchedBook];
      // A fresh deployment lane per test: the pacers name it `deployment`, so this store is new per test.
      if (dialect === 'postgres') await dbs[0]!.run("DELETE FROM garmin_pace WHERE pace_key = 'deployment'");
      const p1 = new GarminPacer({ book: b1, runtime: rt, accountRps: 4, deploymentRps: 10 });
      const p2 = new GarminPacer({ book: b2, runtime: rt, accountRps: 4, deploymentRps: 10 });
      const accts = ['a', 'b', 'c', 'd'].map((k) => [k, fresh(k)] as const);
      // Two calls per account, all at once; accounts a and c on one instance, b and d on the other.
      const run = launch(
        rt,
        accts.flatMap(([label, key], i) => {
          const p = i % 2 ? p2 : p1;
          return [
            [label, p.account(key)],
            [label, p.account(key)],
          ] as [string, ReturnType<GarminPacer['account']>][];
        }),
      );
      await drive(rt, [b1, b2], run.done);
      const t0 = 2_000_000;
      // The cap is the bottleneck: its slots (100 ms apart) are all used, none twice.
      assert.deepEqual(
        sorted([...run.starts.values()].flat()).map((t) => t - t0),
        [0, 100, 200, 300, 400, 500, 600, 700],
      );
      // Every account got one slot of each round: its second call waited for its rate (250 ms) and
      // then for the cap, in the order the accounts became due.
      for (const [label] of accts) {
        const [first, second] = sorted(run.starts.get(label)!);
        assert.equal(second! - first!, 400, `account ${label}`);
      }
    });

    test('a stop rejects calls waiting for their turn or their start, and the turn passes on', async () => {
      shared = new MemoryPaceBook();
      const rt = new FakeRuntime({ now: 3_000_000 });
      const [b1] = books().map((b) => new WatchedBook(b)) as [WatchedBook, WatchedBook];
      const pacer = new GarminPacer({ book: b1, runtime: rt, accountRps: 2, deploymentRps: 0 });
      const key = fresh('stopped');
      const stop = new AbortController();
      const first = launch(rt, [['first', pacer.account(key)]]);
      await drive(rt, [b1], first.done);
      const stopped = launch(rt, [['s', pacer.account(key)], ['s', pacer.account(key)]], stop.signal);
      while (b1.inFlight > 0 || rt.pending < 2) await new Promise((r) => setTimeout(r, 1));
      stop.abort('cancel');
      for (const r of await stopped.all) {
        assert.equal(r.status, 'rejected');
        assert.ok((r as PromiseRejectedResult).reason instanceof SyncAborted);
      }
      // Their bookings are spent (wasted slots are the safe side); a later call still gets its turn.
      const later = launch(rt, [['later', pacer.account(key)]]);
      await drive(rt, [b1], later.done);
      assert.equal(later.starts.get('later')![0], 3_000_000 + 3 * 500);
    });
  });
}
