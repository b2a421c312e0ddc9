// Scheduler benchmark (run by `npm run bench` through tsx; alone: `node --import tsx scripts/bench/schedule.ts`).
// One scheduler (the server's SyncScheduler, on the real clock) holding 10,000 users' schedules,
// rows inserted directly, on PostgreSQL (FITSYNC_BENCH_PG_URL or FITSYNC_TEST_PG_URL) or, without
// one, SQLite:
// 1. Idle: no run due for the next hour; CPU time of this process and statements run (counted at
//    the Db layer) per minute over FITSYNC_BENCH_SCHEDULE_IDLE_S (30) seconds.
// 2. Lateness: 1,200 of the schedules come due over a 20 s window (their stored due times are
//    the jittered ones); each run inserts its job for real (workers do not run). Lateness is the
//    job's created_at minus its due time; target p99 <= 5 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemRuntime } from '@fitsync/runtime';
import { CountingDb } from '../../packages/server/src/db/counting-db.js';
import type { Db } from '../../packages/server/src/db/db.js';
import { migrate } from '../../packages/server/src/db/migrate.js';
import { openDatabase } from '../../packages/server/src/db/open-database.js';
import { openEventBus } from '../../packages/server/src/events/open-event-bus.js';
import { cryptoRandom } from '../../packages/server/src/random.js';
import { SyncScheduler } from '../../packages/server/src/schedule/sync-scheduler.js';
import { SyncJobService } from '../../packages/server/src/services/sync-job-service.js';
import { createPgSchema } from '../../packages/server/src/testing/pg-schema.js';

const USERS = 10_000;
const DUE = 1_200;
const WINDOW_MS = 20_000;
const IDLE_S = Math.max(10, Number(process.env.FITSYNC_BENCH_SCHEDULE_IDLE_S ?? 30));
const MAX_SLEEP_MS = 20_000;

const line = (ok: boolean, text: string) => console.log(`${ok ? 'PASS' : 'MISS'}  ${text}`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 10,000 users with a schedule every 6 h, none due within the hour; the first DUE of them linked to Garmin. */
async function seed(db: Db, now: number): Promise<string[]> {
  const ids = Array.from({ length: USERS }, (_, i) => `bench-user-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < USERS; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db.transaction(async (tx) => {
      await tx.run(`INSERT INTO users (id, username, password_hash, created_at) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`, chunk.flatMap((id) => [id, id, 'x', now]));
      await tx.run(
        `INSERT INTO sync_schedules (user_id, every_s, sync_type, enabled, next_run_at, phase_at, updated_at) VALUES ${chunk.map(() => '(?, 21600, ?, 1, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((id, k) => [id, 'all', now + 3_600_000 + ((i + k) % 18_000) * 1000, now, now]),
      );
      const linked = chunk.filter((_, k) => i + k < DUE);
      if (linked.length > 0) {
        await tx.run(
          `INSERT INTO garmin_connections (user_id, status, display_name, tokens_enc, connected_at, updated_at) VALUES ${linked.map(() => "(?, 'connected', 'bench', 'x', ?, ?)").join(', ')}`,
          linked.flatMap((id) => [id, now, now]),
        );
      }
    });
  }
  return ids.slice(0, DUE);
}

async function bench(db: CountingDb, databaseUrl: string | undefined, label: string): Promise<void> {
  const events = await openEventBus(db, databaseUrl);
  const garmin = { apiFor: () => Promise.reject(new Error('not in this bench')), status: () => Promise.reject(new Error('not in this bench')) };
  const jobs = new SyncJobService({ db, runtime: systemRuntime, random: cryptoRandom, events, garmin });
  const scheduler = new SyncScheduler({ db, runtime: systemRuntime, jobs, maxSleepMs: MAX_SLEEP_MS });
  try {
    const due = await seed(db, Date.now());
    scheduler.start();
    await sleep(1000);

    // 1. Idle.
    const q0 = db.queries;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(IDLE_S * 1000);
    const cpu = process.cpuUsage(cpu0);
    const minutes = (performance.now() - t0) / 60_000;
    const qpm = (db.queries - q0) / minutes;
    const cpuMsPerMin = (cpu.user + cpu.system) / 1000 / minutes;
    console.log(`\nScheduler, ${USERS.toLocaleString('en')} schedules on ${label}\n`);
    line(qpm <= 6, `idle: ${qpm.toFixed(1)} queries per minute over ${IDLE_S} s (target <= 6: one read per wake-up, at most every ${MAX_SLEEP_MS / 1000} s)`);
    line(cpuMsPerMin <= 600, `idle: ${cpuMsPerMin.toFixed(0)} ms CPU per minute (${(cpuMsPerMin / 600).toFixed(2)} % of a core; target <= 1 %)`);

    // 2. Lateness. The rows change "behind the scheduler's back", as another instance's PUT would:
    // due times start after its longest sleep, so its next look sees them.
    const start = Date.now() + MAX_SLEEP_MS + 2000;
    const dueAt = new Map<string, number>();
    await db.transaction(async (tx) => {
      for (const [k, id] of due.entries()) {
        const at = start + Math.floor((k / DUE) * WINDOW_MS + Math.random() * 1000);
        dueAt.set(id, at);
        await tx.run('UPDATE sync_schedules SET next_run_at = ? WHERE user_id = ?', [at, id]);
      }
    });
    const deadline = start + WINDOW_MS + 30_000;
    let started: { user_id: string; created_at: number }[] = [];
    while (Date.now() < deadline) {
      await sleep(1000);
      started = await db.all<{ user_id: string; created_at: number }>("SELECT user_id, created_at FROM sync_jobs WHERE trigger = 'schedule'");
      if (started.length >= DUE && Date.now() > start + WINDOW_MS + 2000) break;
    }
    const late = started.map((r) => Number(r.created_at) - dueAt.get(r.user_id)!);
    if (late.length !== DUE) throw new Error(`${late.length} of ${DUE} due schedules started a job`);
    const p50 = pct(late, 50) / 1000;
    const p99 = pct(late, 99) / 1000;
    line(
      p99 <= 5,
      `lateness of ${DUE.toLocaleString('en')} runs due over ${WINDOW_MS / 1000} s: p50 ${p50.toFixed(3)} s, p99 ${p99.toFixed(3)} s, max ${(Math.max(...late) / 1000).toFixed(3)} s vs the jittered due time (target p99 <= 5 s)`,
    );
    const dup = (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM sync_jobs WHERE trigger = 'schedule'"))!;
    line(Number(dup.n) === DUE, `one job per due run: ${dup.n} jobs for ${DUE} runs`);
    console.log(JSON.stringify({ bench: 'schedule', db: label, schedules: USERS, idle_queries_per_min: +qpm.toFixed(2), idle_cpu_ms_per_min: +cpuMsPerMin.toFixed(1), due: DUE, late_p50_s: p50, late_p99_s: p99 }));
  } finally {
    await scheduler.stop();
    await events.close();
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'fitsync-bench-schedule-'));
const closers: (() => Promise<void>)[] = [async () => rmSync(tmp, { recursive: true, force: true })];
try {
  const pgUrl = process.env.FITSYNC_BENCH_PG_URL || process.env.FITSYNC_TEST_PG_URL;
  const schema = pgUrl ? await createPgSchema(pgUrl).catch(() => undefined) : undefined;
  if (pgUrl && !schema) console.log('(PostgreSQL at FITSYNC_BENCH_PG_URL / FITSYNC_TEST_PG_URL is not reachable: SQLite instead)');
  if (schema) closers.push(schema.drop);
  const opened = await openDatabase(schema?.url, tmp);
  closers.push(() => opened.close());
  await migrate(opened);
  await bench(new CountingDb(opened), schema?.url, schema ? 'PostgreSQL' : 'SQLite');
} catch (err) {
  console.error(`bench-schedule failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  for (const c of closers.reverse()) await c().catch(() => {});
}
// Nothing may keep a failed bench alive (a pool or socket a failure left open).
process.exit(process.exitCode ?? 0);
