// Health sync benchmarks (`node scripts/bench-health.mjs`, also run by `npm run bench`; issue 9).
// Needs the built bundles (`npm run build`). Against the garmin-sim and fitsync-server binaries:
//   1. upstream calls of a 365-day first health sync, per Garmin endpoint and in total
//      (target ≤ 6 calls per day of history), and of a no-op incremental one (target ≤ 25);
//   2. health sync throughput vs a floor script downloading the same answers from the same sim
//      with the same concurrency (target ≥ 0.7; median of R interleaved runs, as bench-sync);
//   3. bytes per stored series point (the codec, measured over everything stored);
//   4. peak server RSS, 365 → 1,825 days, each on a fresh server after the same warm-up sync
//      (target < 20 % growth).
// Prints PASS/MISS per line and a JSON line; exits non-zero only on errors.
// FITSYNC_BENCH_HEALTH_RUNS (R, default 3), FITSYNC_BENCH_HEALTH_BIG_DAYS (default 1825; 0 skips 4).
import { mkdtemp } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONCURRENCY, cleanEnv, linkedUser, peakRssMb, SIM_BIN, spawnUrl, startServer, stop, waitJob } from './bench-sync.mjs';
import { floorDownload, simToken } from './bench/floor-download.mjs';
import { agent, json, request } from './bench/http-json.mjs';
import { median } from './bench/timing.mjs';

const DAYS = 365;
const WARMUP_DAYS = 60;
const root = fileURLToPath(new URL('..', import.meta.url));

const line = (ok, text) => {
  process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${text}\n`);
  return ok;
};

async function healthSync(srv, token) {
  const t0 = performance.now();
  const job = await json('POST', `${srv.url}/v1/sync/jobs`, { token, body: { sync_type: 'health' } });
  const end = await waitJob(srv.url, token, job.body.job_id, 50, 30 * 60_000);
  if (end.status !== 'completed') throw new Error(`health sync ${end.status}: ${end.error_message}`);
  return { s: (performance.now() - t0) / 1000, days: end.processed_items, rss: peakRssMb(srv.child.pid) };
}

async function simStats(sim) {
  return (await json('GET', `${sim.url}/__sim/stats`)).body;
}

function byRoute(stats) {
  const out = {};
  for (const [route, statuses] of Object.entries(stats.by_route)) out[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
  return out;
}

/** Bytes per stored series point, from the server's SQLite file (the server is stopped). */
function bytesPerPoint(dataDir) {
  const require = createRequire(join(root, 'packages/server/package.json'));
  const Database = require('better-sqlite3');
  const db = new Database(join(dataDir, 'fitsync.db'), { readonly: true });
  try {
    const r = db.prepare('SELECT SUM(length(points)) AS bytes, SUM(count) AS points FROM health_series').get();
    return { bytes: r.bytes ?? 0, points: r.points ?? 0 };
  } finally {
    db.close();
  }
}

/** Runs the health benchmarks; returns the measured figures. */
export async function benchHealth({ runs = 3, bigDays = 1825 } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'fitsync-bench-health-'));
  const children = [];
  try {
    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-health'], cleanEnv({}));
    children.push(sim.child);
    const mk = (email, days) => json('POST', `${sim.url}/__sim/users`, { body: { email, password: 'garmin-pw', activities: 0, days, workouts: 0 } });
    const accounts = Array.from({ length: runs }, (_, i) => `health${i + 1}@example.com`);
    for (const email of ['floor@example.com', ...accounts]) await mk(email, DAYS);
    await mk('warmup@example.com', WARMUP_DAYS);
    // The sim builds its day models on first use: let truth do it for every account before timing.
    for (const email of ['floor@example.com', ...accounts]) await json('GET', `${sim.url}/__sim/users/${encodeURIComponent(email)}/truth`);
    process.stdout.write(`health benchmarks: ${DAYS} days, concurrency ${CONCURRENCY}, ${runs} first syncs\n`);

    const srv = await startServer(sim.url, tmp, 'server-a');
    children.push(srv.child);
    await healthSync(srv, await linkedUser(srv, 'warmup', 'warmup@example.com'));
    const users = [];
    for (let i = 0; i < runs; i++) users.push(await linkedUser(srv, `health${i + 1}`, accounts[i]));

    const token = await simToken(sim.url, 'floor@example.com', 'garmin-pw');
    const profile = await json('GET', `${sim.url}/userprofile-service/socialProfile`, { token });
    const floorRun = async (name) => {
      const t = performance.now();
      const items = await floorDownload({
        simUrl: sim.url,
        token,
        displayName: profile.body.displayName,
        concurrency: CONCURRENCY,
        outDir: join(tmp, name),
        days: DAYS,
        today: new Date().toISOString().slice(0, 10),
      });
      return { s: (performance.now() - t) / 1000, items };
    };
    await floorRun('floor-warm');
    const floors = [await floorRun('floor-0')];
    const syncs = [];
    let calls = null;
    for (let i = 0; i < runs; i++) {
      await request('POST', `${sim.url}/__sim/reset-stats`);
      const r = await healthSync(srv, users[i]);
      if (i === 0) calls = await simStats(sim);
      floors.push(await floorRun(`floor-${floors.length}`));
      const floorDaysPerS = floors.at(-2).items / ((floors.at(-2).s + floors.at(-1).s) / 2);
      syncs.push({ ...r, ratio: r.days / r.s / floorDaysPerS });
    }
    const history = DAYS + 1;
    const perRoute = byRoute(calls);
    process.stdout.write(`upstream calls of a ${history}-day first health sync, per endpoint:\n`);
    for (const [route, n] of Object.entries(perRoute).sort((a, b) => b[1] - a[1])) {
      process.stdout.write(`        ${String(n).padStart(6)}  ${(n / history).toFixed(2)}/day  ${route}\n`);
    }
    const perDay = calls.total / history;
    line(perDay <= 6, `first health sync: ${calls.total} upstream calls for ${history} days = ${perDay.toFixed(2)} per day (target ≤ 6)`);
    const ratio = median(syncs.map((r) => r.ratio));
    line(
      ratio >= 0.7,
      `health sync throughput: ${median(syncs.map((r) => r.s)).toFixed(2)} s per ${history} days vs floor ${median(floors.map((f) => f.s)).toFixed(2)} s; ratio ${ratio.toFixed(2)} (median of ${syncs.map((r) => r.ratio.toFixed(2)).join(' ')}; target ≥ 0.70)`,
    );

    await request('POST', `${sim.url}/__sim/reset-stats`);
    const noop = await healthSync(srv, users[0]);
    const noopCalls = (await simStats(sim)).total;
    line(noopCalls <= 25, `no-op incremental health sync: ${noopCalls} upstream calls, ${(noop.s * 1000).toFixed(0)} ms (target ≤ 25 calls)`);
    await stop(srv.child);
    const bpp = bytesPerPoint(srv.dataDir);
    process.stdout.write(`INFO  series storage: ${bpp.points} points in ${bpp.bytes} bytes = ${(bpp.bytes / Math.max(1, bpp.points)).toFixed(2)} bytes per point\n`);

    const results = {
      days: history,
      upstreamCalls: calls.total,
      callsPerDay: perDay,
      callsPerRoute: perRoute,
      noopUpstreamCalls: noopCalls,
      throughputRatio: ratio,
      syncRunsS: syncs.map((r) => r.s),
      floorRunsS: floors.map((f) => f.s),
      seriesBytesPerPoint: bpp.bytes / Math.max(1, bpp.points),
    };
    if (bigDays > 0) {
      await mk('rss-small@example.com', DAYS);
      await mk('rss-big@example.com', bigDays);
      const rssOf = async (name, email) => {
        const s = await startServer(sim.url, tmp, name);
        children.push(s.child);
        await healthSync(s, await linkedUser(s, 'warmup', 'warmup@example.com'));
        // A window reaching the whole history (a first sync reads 365 days).
        const user = await linkedUser(s, 'rss', email);
        const today = new Date().toISOString().slice(0, 10);
        const days = email === 'rss-big@example.com' ? bigDays : DAYS;
        const since = new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
        const job = await json('POST', `${s.url}/v1/sync/jobs`, { token: user, body: { sync_type: 'health', since } });
        const end = await waitJob(s.url, user, job.body.job_id, 100, 60 * 60_000);
        if (end.status !== 'completed') throw new Error(`RSS sync ${end.status}: ${end.error_message}`);
        const rss = peakRssMb(s.child.pid);
        await stop(s.child);
        return rss;
      };
      const small = await rssOf('rss-small', 'rss-small@example.com');
      const big = await rssOf('rss-big', 'rss-big@example.com');
      if (small === null || big === null) process.stdout.write('SKIP  peak RSS: /proc is not available here\n');
      else {
        const growth = big / small - 1;
        Object.assign(results, { peakRssMb: small, bigDays, bigPeakRssMb: big, rssGrowth: growth });
        line(growth < 0.2, `peak RSS of a health sync, ${DAYS} → ${bigDays} days: ${small.toFixed(0)} → ${big.toFixed(0)} MB (${(growth * 100).toFixed(1)} %, target < 20 %)`);
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
