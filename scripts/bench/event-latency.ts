// Job event benchmarks (run by `npm run bench` through tsx; alone: `node --import tsx scripts/bench/event-latency.ts`).
// 1. Latency: a progress change (the worker's heartbeat write, RETURNING the job, then publish)
//    until its SSE frame arrives at a client; median over FITSYNC_BENCH_EVENTS (60) changes, in one
//    process (SQLite) and across two instances sharing one PostgreSQL schema (watcher on B, change
//    on A). The floor is the same frame written straight to a socket (plain node:http), same run.
// 2. Queries per idle watcher per second, counted at the Db layer (target 0).
// PostgreSQL comes from FITSYNC_BENCH_PG_URL or FITSYNC_TEST_PG_URL; without either, or when it is
// unreachable, that row is skipped with a line saying so.
// The bench drives the server's own modules (not its HTTP API) to make the change exactly as the
// worker makes it, hence the imports from its source.
import { randomBytes } from 'node:crypto';
import { systemRuntime } from '@fitsync/runtime';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CountingDb } from '../../packages/server/src/db/counting-db.js';
import type { Db } from '../../packages/server/src/db/db.js';
import { SyncJobQueue } from '../../packages/server/src/jobs/sync-job-queue.js';
import { insertSyncJob } from '../../packages/server/src/repositories/sync-jobs.js';
import { createUser } from '../../packages/server/src/services/user-admin.js';
import { emptyCounts } from '../../packages/server/src/sync/kind-counts.js';
import { KIND_NAMES } from '../../packages/server/src/sync/kinds/index.js';
import { publishJob } from '../../packages/server/src/sync/publish-job.js';
import { createPgSchema, type PgSchema } from '../../packages/server/src/testing/pg-schema.js';
import { startTestServer, type TestServer } from '../../packages/server/src/testing/test-server.js';

const CHANGES = Math.max(50, Number(process.env.FITSYNC_BENCH_EVENTS ?? 60));
const IDLE_WATCHERS = 20;
const IDLE_MS = 2000;
const OWNER = 'bench-worker';
const LEASE_MS = 60_000;
// Cheap hashing: the bench signs in once per server and measures nothing about passwords.
const hasher = { hash: async (p: string) => `plain:${p}`, verify: async (h: string, p: string) => h === `plain:${p}` };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** An SSE reader that resolves the wait for a frame id with its arrival time (performance.now()). */
function sseClient(url: string, headers: Record<string, string>) {
  const waiting = new Map<string, (at: number) => void>();
  const arrived = new Map<string, number>();
  let buf = '';
  let req: http.ClientRequest;
  const ready = new Promise<void>((resolve, reject) => {
    req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        const at = performance.now();
        buf += c;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const id = /^id: (.*)$/m.exec(buf.slice(0, i))?.[1];
          buf = buf.slice(i + 2);
          if (id === undefined) continue;
          const w = waiting.get(id);
          if (w) {
            waiting.delete(id);
            w(at);
          } else arrived.set(id, at);
        }
      });
      resolve();
    });
    req.on('error', reject);
  });
  return {
    ready,
    /** Arrival time of the frame with this id (waits for it, up to 10 s). */
    frame(id: string): Promise<number> {
      const at = arrived.get(id);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`frame ${id} did not arrive within 10 s`)), 10_000);
        waiting.set(id, (x) => {
          clearTimeout(t);
          resolve(x);
        });
      });
    },
    close: () => req.destroy(),
  };
}

/** A user with a session on `s` and a job claimed by the bench's "worker", as a running job is. */
async function runningJob(s: TestServer, db: Db) {
  const username = `bench-${randomBytes(4).toString('hex')}`;
  await createUser(db, username, 'bench-password-1', { hasher });
  const login = await s.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: 'bench-password-1' } });
  const pair = login.json() as { access_token: string; user: { user_id: string } };
  const jobId = randomBytes(8).toString('hex');
  const counts = JSON.stringify(emptyCounts(KIND_NAMES));
  const row = await insertSyncJob(db, {
    jobId,
    userId: pair.user.user_id,
    syncType: 'all',
    trigger: 'manual',
    since: null,
    until: null,
    full: false,
    countsJson: counts,
    now: Date.now(),
    idempotencyKey: null,
    requestHash: null,
  });
  publishJob(s.app.deps.events, row);
  const queue = new SyncJobQueue({ db, runtime: systemRuntime, events: s.app.deps.events, leaseMs: LEASE_MS, maxAttempts: 5 });
  const claimed = await queue.claim(OWNER); // published by the queue, as the worker's claim is
  if (claimed?.job_id !== jobId) throw new Error('the bench job was not claimable');
  return { jobId, token: pair.access_token, queue };
}

/** Median ms from a heartbeat write on `writer` to its frame at a watcher on `watcher`. */
async function changeToFrame(writer: TestServer, watcher: TestServer): Promise<number> {
  const { jobId, token, queue } = await runningJob(writer, writer.db);
  const client = sseClient(`${watcher.url}/v1/sync/jobs/${jobId}/events`, { authorization: `Bearer ${token}` });
  const times: number[] = [];
  try {
    await client.ready;
    for (let i = 1; i <= CHANGES + 5; i++) {
      const counts = emptyCounts(KIND_NAMES);
      counts.activities = { new: i, updated: 0, unchanged: 0 };
      const t0 = performance.now();
      // Exactly the worker's heartbeat: the queue's write RETURNS the job and publishes it.
      const beat = await queue.heartbeat(jobId, OWNER, null, {
        progress: Math.min(100, i),
        totalItems: CHANGES + 5,
        processedItems: i,
        countsJson: JSON.stringify(counts),
      });
      if (beat?.version === undefined) throw new Error('the heartbeat did not apply');
      const at = await client.frame(String(beat.version));
      if (i > 5) times.push(at - t0); // the first few warm up JIT and connections
    }
  } finally {
    client.close(); // an open stream would hold its server's close() open
  }
  return median(times);
}

/** Median ms from writing the same frame to an open plain node:http response until it arrives. */
async function floor(): Promise<number> {
  let res: http.ServerResponse | undefined;
  const server = http.createServer((_req, r) => {
    r.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    r.write(': floor\n\n');
    res = r;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = sseClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {});
  await client.ready;
  const times: number[] = [];
  const job = { job_id: 'x'.repeat(16), status: 'running', counts: emptyCounts(KIND_NAMES), processed_items: 0 };
  for (let i = 1; i <= CHANGES + 5; i++) {
    const t0 = performance.now();
    res!.write(`id: ${i}\ndata: ${JSON.stringify({ ...job, processed_items: i })}\n\n`);
    const at = await client.frame(String(i));
    if (i > 5) times.push(at - t0);
  }
  client.close();
  res?.end();
  await new Promise((r) => server.close(r));
  return median(times);
}

/** Queries per idle watcher per second while IDLE_WATCHERS streams watch an unchanging job. */
async function idleQueries(s: TestServer, counted: CountingDb): Promise<number> {
  const { jobId, token } = await runningJob(s, s.db);
  const clients = Array.from({ length: IDLE_WATCHERS }, () =>
    sseClient(`${s.url}/v1/sync/jobs/${jobId}/events`, { authorization: `Bearer ${token}` }),
  );
  await Promise.all(clients.map((c) => c.ready));
  await new Promise((r) => setTimeout(r, 200)); // the streams' opening reads are done
  const before = counted.queries;
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const n = counted.queries - before;
  for (const c of clients) c.close();
  return n / IDLE_WATCHERS / (IDLE_MS / 1000);
}

async function pgReachable(url: string): Promise<boolean> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

interface Row {
  name: string;
  base: number;
  cand: number;
  targetMs: number;
}

function printRows(rows: Row[], notes: string[]): void {
  console.log(`\nJob events, median of ${CHANGES} progress changes (floor: the same frame written straight to a socket)\n`);
  const head = ['benchmark', 'floor ms', 'fitsync ms', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.name,
    r.base.toFixed(2),
    r.cand.toFixed(2),
    `${(r.cand / r.base).toFixed(1)}x`,
    `<= ${r.targetMs} ms`,
    r.cand <= r.targetMs ? 'PASS' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  for (const line of [head, widths.map((w) => '-'.repeat(w)), ...body]) {
    console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  }
  for (const n of notes) console.log(n);
}

const env = { FITSYNC_WORKERS: '0', FITSYNC_LOG_LEVEL: 'warn' };
const rows: Row[] = [];
const notes: string[] = [];
const closers: (() => Promise<void>)[] = [];
try {
  const base = await floor();
  let counted: CountingDb | undefined;
  const one = await startTestServer({
    dialect: 'sqlite',
    env,
    hasher,
    wrapDb: (db) => {
      counted = new CountingDb(db);
      return counted;
    },
  });
  closers.push(one.close);
  rows.push({ name: 'progress change -> SSE frame, one process (SQLite)', base, cand: await changeToFrame(one, one), targetMs: 50 });
  const perWatcher = await idleQueries(one, counted!);
  notes.push(`${perWatcher === 0 ? 'PASS' : 'MISS'}  queries per idle watcher per second: ${perWatcher.toFixed(2)} (${IDLE_WATCHERS} watchers, ${IDLE_MS / 1000} s; target 0)`);

  const pgUrl = process.env.FITSYNC_BENCH_PG_URL || process.env.FITSYNC_TEST_PG_URL;
  if (!pgUrl) {
    notes.push('SKIP  across two instances on PostgreSQL: set FITSYNC_BENCH_PG_URL (or FITSYNC_TEST_PG_URL) to measure it');
  } else if (!(await pgReachable(pgUrl))) {
    notes.push('SKIP  across two instances on PostgreSQL: FITSYNC_BENCH_PG_URL / FITSYNC_TEST_PG_URL is not reachable');
  } else {
    const schema: PgSchema = await createPgSchema(pgUrl);
    closers.push(schema.drop);
    const shared = { ...env, FITSYNC_SECRET_KEY: randomBytes(24).toString('hex') };
    const a = await startTestServer({ databaseUrl: schema.url, env: shared, hasher });
    closers.push(a.close);
    const b = await startTestServer({ databaseUrl: schema.url, env: shared, hasher });
    closers.push(b.close);
    rows.push({ name: 'progress change on A -> SSE frame on B, PostgreSQL', base, cand: await changeToFrame(a, b), targetMs: 150 });
  }
} catch (err) {
  console.error(`bench-events failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  for (const c of closers.reverse()) await c().catch(() => {});
}
if (rows.length > 0) printRows(rows, notes);
// Nothing may keep a failed bench alive (a pool or socket a failure left open).
process.exit(process.exitCode ?? 0);
