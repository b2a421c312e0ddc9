// Health sync benchmarks (`node scripts/bench-health.mjs`, also run by `npm run bench`). Needs the
// built bundles. Measured in this run against the garmin-sim binary and the real fitsync-server:
//   1. upstream calls of a first 365-day health sync, per endpoint and in total (target ≤ 6 per day
//      of history), and of a no-op incremental one right after (target ≤ 25);
//   2. throughput (days per second) vs a floor that downloads the same answers from the same sim
//      with the same concurrency and writes them to disk (scripts/bench/floor-health.mjs); R paired
//      runs, each sync against the mean of the floors before and after it, median counts (≥ 0.7);
//   3. peak server RSS of a 365-day vs a 1,825-day health sync, each in a fresh server after the same
//      warm-up sync (growth < 20 %).
// Prints PASS/MISS per line and a JSON line; exits non-zero only on errors.
// FITSYNC_BENCH_HEALTH_RUNS (R, default 3); FITSYNC_BENCH_HEALTH_BIG_DAYS (default 1825; 0 skips 3).
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, fullSync, linkedUser, spawnUrl, startServer, stop, waitJob } from './bench-sync.mjs';
import { simToken } from './bench/floor-download.mjs';
import { floorHealth } from './bench/floor-health.mjs';
import { agent, json, request } from './bench/http-json.mjs';
import { median } from './bench/timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SIM_BIN = join(root, 'packages/garmin-sim/bin/garmin-sim.js');
const CONCURRENCY = 4;
const DAYS = 365;

const line = (ok, text) => {
  process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${text}\n`);
  return ok;
};

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** Upstream calls per sim route (all statuses) since the last reset. */
async function callsByRoute(simUrl) {
  const stats = (await json('GET', `${simUrl}/__sim/stats`)).body;
  const out = {};
  for (const [route, byStatus] of Object.entries(stats.by_route)) out[route] = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return { total: stats.total, byRoute: out };
}

export async function benchHealth({ runs = 3, bigDays = 1825 } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'fitsync-bench-health-'));
  const children = [];
  try {
    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-health'], cleanEnv({}));
    children.push(sim.child);
    const mk = (email, days) => json('POST', `${sim.url}/__sim/users`, { body: { email, password: 'garmin-pw', activities: 0, days, workouts: 0 } });
    const accounts = Array.from({ length: runs }, (_, i) => `health${i + 1}@example.com`);
    for (const email of ['floor@example.com', 'warmup@example.com', ...accounts]) await mk(email, DAYS);
    const results = { days: DAYS, runs };

    process.stdout.write(`health sync benchmarks: ${DAYS} days, concurrency ${CONCURRENCY}, ${runs} timed syncs\n`);
    const srv = await startServer(sim.url, tmp, 'server-a');
    children.push(srv.child);
    const warm = await linkedUser(srv, 'warmup', 'warmup@example.com');
    const users = [];
    for (let i = 0; i < runs; i++) users.push(await linkedUser(srv, `health${i + 1}`, accounts[i]));

    // 1. Calls of a first 365-day health sync (the warm-up account), then of a no-op incremental one.
    await request('POST', `${sim.url}/__sim/reset-stats`);
    const first = await fullSync(srv, warm, { sync_type: 'health', full: true });
    const calls = await callsByRoute(sim.url);
    const perDay = calls.total / (DAYS + 1);
    Object.assign(results, { firstSyncCalls: calls.total, firstSyncCallsPerDay: perDay, firstSyncCallsByRoute: calls.byRoute, firstSyncItems: first.items });
    process.stdout.write(`INFO  upstream calls of a first ${DAYS}-day health sync, per endpoint:\n`);
    for (const [route, n] of Object.entries(calls.byRoute).sort((a, b) => b[1] - a[1])) {
      process.stdout.write(`        ${String(n).padStart(6)}  ${(n / (DAYS + 1)).toFixed(2).padStart(5)}/day  ${route}\n`);
    }
    line(perDay <= 6, `first ${DAYS}-day health sync: ${calls.total} upstream calls, ${perDay.toFixed(2)} per day of history (target ≤ 6)`);
    await request('POST', `${sim.url}/__sim/reset-stats`);
    const noop = await json('POST', `${srv.url}/v1/sync/jobs`, { token: warm, body: { sync_type: 'health' } });
    const noopEnd = await waitJob(srv.url, warm, noop.body.job_id, 10, 60_000);
    if (noopEnd.status !== 'completed') throw new Error(`no-op health sync ${noopEnd.status}: ${noopEnd.error_message}`);
    const noopCalls = await callsByRoute(sim.url);
    Object.assign(results, { noopCalls: noopCalls.total, noopCallsByRoute: noopCalls.byRoute });
    line(
      noopCalls.total <= 25,
      `no-op incremental health sync: ${noopCalls.total} upstream calls (${Object.entries(noopCalls.byRoute)
        .map(([r, n]) => `${n} ${r.split('/').filter(Boolean).slice(-2).join('/')}`)
        .join(', ')}) (target ≤ 25)`,
    );

    // 2. Throughput vs the floor, paired runs.
    const token = await simToken(sim.url, 'floor@example.com', 'garmin-pw');
    const profile = await json('GET', `${sim.url}/userprofile-service/socialProfile`, { token });
    const floorRun = async (name) => {
      const t = performance.now();
      const items = await floorHealth({
        simUrl: sim.url,
        token,
        displayName: profile.body.displayName,
        concurrency: CONCURRENCY,
        outDir: join(tmp, name),
        days: DAYS,
        today: isoDay(Date.now()),
      });
      return { s: (performance.now() - t) / 1000, items };
    };
    await floorRun('floor-warm');
    const floors = [await floorRun('floor-0')];
    const syncs = [];
    for (let i = 0; i < runs; i++) {
      const r = await fullSync(srv, users[i], { sync_type: 'health', full: true });
      floors.push(await floorRun(`floor-${floors.length}`));
      const a = floors.at(-2);
      const b = floors.at(-1);
      syncs.push({ ...r, ratio: r.items / r.s / (a.items / ((a.s + b.s) / 2)) });
    }
    const ratio = median(syncs.map((r) => r.ratio));
    const fmt = (xs, d) => xs.map((x) => x.toFixed(d)).join(' ');
    Object.assign(results, { throughputRatio: ratio, throughputRatios: syncs.map((r) => r.ratio), syncRunsS: syncs.map((r) => r.s), floorRunsS: floors.map((r) => r.s) });
    line(
      ratio >= 0.7,
      `health sync throughput: ${median(syncs.map((r) => r.s)).toFixed(1)} s per ${syncs[0].items} days; floor ${median(floors.map((r) => r.s)).toFixed(1)} s; ratio ${ratio.toFixed(2)} (median of ${fmt(syncs.map((r) => r.ratio), 2)}; target ≥ 0.70)`,
    );
    await stop(srv.child);

    // 3. Peak RSS: 365 vs bigDays of history, each in a fresh server after the same warm-up sync.
    if (bigDays > 0) {
      await mk('small@example.com', DAYS);
      await mk('big@example.com', bigDays);
      await mk('warm2@example.com', 60);
      const today = Date.now();
      const rssOf = async (name, email, days) => {
        const s = await startServer(sim.url, tmp, name);
        children.push(s.child);
        await fullSync(s, await linkedUser(s, 'warm', 'warm2@example.com'), { sync_type: 'health', full: true });
        const since = isoDay(today - days * 86_400_000);
        const r = await fullSync(s, await linkedUser(s, 'rss', email), { sync_type: 'health', since });
        await stop(s.child);
        return r;
      };
      const small = await rssOf('server-small', 'small@example.com', DAYS);
      const big = await rssOf('server-big', 'big@example.com', bigDays);
      if (small.rss === null || big.rss === null) {
        process.stdout.write('SKIP  peak RSS: /proc is not available here\n');
      } else {
        const growth = big.rss / small.rss - 1;
        Object.assign(results, { peakRssMb: small.rss, bigDays, bigPeakRssMb: big.rss, rssGrowth: growth, bigSyncS: big.s });
        line(
          growth < 0.2,
          `peak server RSS, health sync of ${DAYS} → ${bigDays} days: ${small.rss.toFixed(0)} → ${big.rss.toFixed(0)} MB (${(growth * 100).toFixed(1)} %, target < 20 %); ${bigDays} days took ${big.s.toFixed(1)} s`,
        );
      }
    }
    return results;
  } finally {
    for (const c of children) await stop(c);
    agent.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.env.FITSYNC_BENCH_HEALTH_RUNS ?? 3);
  const bigDays = Number(process.env.FITSYNC_BENCH_HEALTH_BIG_DAYS ?? 1825);
  benchHealth({ runs, bigDays }).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err) => {
      process.stderr.write(`bench-health: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
