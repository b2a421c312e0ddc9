// `npm run bench`: every performance target of the product, each printed as a
// ratio against a floor measured in the same run, so the figures hold on any
// machine. A missed target prints MISS but exits 0; only errors exit non-zero.
//
// 1. CLI start-up (median wall time of N interleaved runs, after a warm-up):
//    `fitsync --version` vs `node -e 0`; `fitsync auth status` and
//    `fitsync sync status JOB_ID` vs a plain node:http script doing the same GET.
// 2. The sync engine (scripts/bench-sync.mjs): throughput vs a floor download of
//    the same data (median of paired runs), no-op incremental sync, peak RSS at
//    2,000 and 8,000 activities.
// 3. Job events (scripts/bench/event-latency.ts): progress change -> SSE frame, median
//    in one process and across two instances on PostgreSQL (FITSYNC_BENCH_PG_URL or
//    FITSYNC_TEST_PG_URL; skipped without), vs the same frame written to a socket;
//    queries per idle watcher per second.
//
// FITSYNC_BENCH_RUNS (20) sets the start-up runs; FITSYNC_BENCH_ACTIVITIES (2000)
// the sync size; FITSYNC_BENCH_SYNC_RUNS (5) the full syncs timed; FITSYNC_BENCH_EVENTS (60) the progress changes timed;
// 4. Health sync (scripts/bench-health.mjs): upstream calls of a 365-day first health sync per
//    endpoint and per day, of a no-op incremental one; throughput vs a floor download of the same
//    answers; bytes per series point; peak RSS 365 → 1,825 days.
// 5. Activity decoding (scripts/bench/decode-store.ts): decode + store records/s vs the FIT SDK's decode
//    alone of the same files; bytes per stored record point.
// 6. CLI export (scripts/bench-export.mjs): `fitsync activities export` of 500 activities to GPX,
//    its time and the ratio to a bare node:http loop fetching and writing the same exports.
// 7. Schedules (scripts/bench/schedule.ts): one scheduler holding 10,000 users' schedules on
//    PostgreSQL (FITSYNC_BENCH_PG_URL or FITSYNC_TEST_PG_URL; SQLite without): CPU and queries per
//    minute while idle, and p50/p99 lateness of 1,200 runs due over 20 s vs their jittered due time.
// 8. Import of Garmin's data export (scripts/bench-import.mjs): 5,000 activities and 10 years of days
//    (FITSYNC_BENCH_IMPORT_ACTIVITIES / FITSYNC_BENCH_IMPORT_DAYS) through POST/PATCH /v1/imports and the
//    import job: throughput vs a floor that only streams the archive and hashes its FIT files (>= 0.5),
//    the upload's time apart, and the server's peak RSS (<= 250 MB).
// 9. API throughput (scripts/bench/api-throughput.mjs): req/s of `GET /v1/me` (>= 40 %) and
//    `GET /v1/activities?limit=50` (>= 20 %) with a valid token, logging at the default level, vs a bare
//    node:http server answering the same JSON; wrk (or scripts/bench/load-gen.mjs), interleaved runs, medians.
//    FITSYNC_BENCH_API_RUNS (5) / FITSYNC_BENCH_API_CONNECTIONS (16) / FITSYNC_BENCH_API_SECONDS (5) size it.
// 10. Scale (scripts/bench-scale.mjs): 50 users × 200 activities (FITSYNC_BENCH_SCALE_USERS /
//    FITSYNC_BENCH_SCALE_ACTIVITIES) synced at once by one instance, then by two on one PostgreSQL
//    (FITSYNC_BENCH_PG_URL or FITSYNC_TEST_PG_URL; skipped without): throughput two/one and server
//    CPU per 1,000 activities (informative), p50/p99 of GET /v1/me and /v1/activities?limit=50 sent
//    at 20/s while the syncs run (p99 <= 100 ms), each user's time to done slowest/fastest.
//    FITSYNC_BENCH_SCALE_SHARED_DIR=1 gives the two instances one data dir (for builds that keep FIT
//    files only on disk); FITSYNC_BENCH_SCALE_JOB_SLICE sets their FITSYNC_JOB_SLICE.
// 11. Web app (scripts/bench-web.mjs; headless chromium): gzip bytes of the JavaScript the browser
//    loads for /sign-in (fresh visitor) and /sync (signed in), target <= 100 KB each; the element
//    timing "sync-ready" of /sync vs a static floor page of the same look served by the same server,
//    median of FITSYNC_BENCH_WEB_RUNS (10) fresh navigations, ratio floor/page, and both FCPs.
// FITSYNC_BENCH_SKIP_SYNC=1 / FITSYNC_BENCH_SKIP_EVENTS=1 / FITSYNC_BENCH_SKIP_HEALTH=1 /
// FITSYNC_BENCH_SKIP_DECODE=1 / FITSYNC_BENCH_SKIP_EXPORT=1 / FITSYNC_BENCH_SKIP_SCHEDULE=1 /
// FITSYNC_BENCH_SKIP_IMPORT=1 / FITSYNC_BENCH_SKIP_API=1 / FITSYNC_BENCH_SKIP_SCALE=1 /
// FITSYNC_BENCH_SKIP_WEB=1 skip parts 2 / 3 / 4 / 5 / 6 / 7 / 8 / 9 / 10 / 11.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { json } from './bench/http-json.mjs';
import { must, PLAIN_GET_SOURCE, pair, startService } from './bench/timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.FITSYNC_BENCH_RUNS ?? 20);
const WARMUP = 3;
const node = process.execPath;
const cli = join(root, 'packages/cli/bin/fitsync.js');
const serverBin = join(root, 'packages/server/bin/fitsync-server.js');
const simBin = join(root, 'packages/garmin-sim/bin/garmin-sim.js');

const rows = [];
function report(name, res, target) {
  const ratio = res.cand / res.base;
  rows.push({ name, base: res.base, cand: res.cand, ratio, target, ok: ratio <= target });
}

function printRows() {
  console.log(`\nCLI start-up, median wall time of ${RUNS} runs each (after ${WARMUP} warm-up runs, interleaved)\n`);
  const head = ['benchmark', 'floor ms', 'fitsync ms', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [r.name, r.base.toFixed(1), r.cand.toFixed(1), `${r.ratio.toFixed(2)}x`, `<= ${r.target.toFixed(2)}x`, r.ok ? 'PASS' : 'MISS']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const line of [head, widths.map((w) => '-'.repeat(w)), ...body]) {
    console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
}

async function benchStartup(tmp, children) {
  const opts = { runs: RUNS, warmup: WARMUP };
  const cleanEnv = { PATH: process.env.PATH, HOME: tmp, FITSYNC_CONFIG_DIR: tmp };
  report('fitsync --version  vs  node -e 0', pair([node, ['-e', '0'], cleanEnv], [node, [cli, '--version'], cleanEnv], opts), 1.15);

  const sim = await startService([simBin, '--port', '0'], { PATH: process.env.PATH });
  children.push(sim.child);
  const dataDir = join(tmp, 'data');
  const server = await startService([serverBin, 'start', '--port', '0', '--data-dir', dataDir], {
    ...process.env,
    FITSYNC_LOG_LEVEL: 'warn',
    FITSYNC_GARMIN_SSO_URL: sim.url,
    FITSYNC_GARMIN_API_URL: sim.url,
    FITSYNC_GARMIN_DIAUTH_URL: sim.url,
    FITSYNC_GARMIN_RPS: '0',
    FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
  });
  children.push(server.child);
  const run = (args, what, input) => must(spawnSync(node, [cli, ...args], { env, input, encoding: 'utf8' }), what);
  must(spawnSync(node, [serverBin, 'user', 'add', 'bench', '--password-stdin', '--data-dir', dataDir], { input: 'bench-password-1\n', encoding: 'utf8' }), 'user add');
  const env = { ...cleanEnv, FITSYNC_SERVER: server.url };
  run(['auth', 'login', '--username', 'bench', '--password-stdin'], 'auth login', 'bench-password-1\n');
  await json('POST', `${sim.url}/__sim/users`, { body: { email: 'bench@example.com', password: 'garmin-bench-1', mfa: null, activities: 5, days: 5, workouts: 1 } });
  run(['garmin', 'connect', '--email', 'bench@example.com', '--password-stdin'], 'garmin connect', 'garmin-bench-1\n');
  const job = JSON.parse(run(['sync', 'start', '--wait', '-o', 'json'], 'sync start --wait').stdout);
  const token = run(['auth', 'token'], 'auth token').stdout.trim();

  const plain = join(tmp, 'plain-get.mjs');
  writeFileSync(plain, PLAIN_GET_SOURCE);
  const floor = (path) => [node, [plain], { ...cleanEnv, URL: server.url, PATH_ONLY: path, TOKEN: token }];
  report('fitsync auth status  vs  plain node:http GET /v1/me', pair(floor('/v1/me'), [node, [cli, 'auth', 'status'], env], opts), 1.3);
  report(
    'fitsync sync status JOB_ID  vs  plain node:http GET /v1/sync/jobs/JOB_ID',
    pair(floor(`/v1/sync/jobs/${job.job_id}`), [node, [cli, 'sync', 'status', job.job_id], env], opts),
    1.2,
  );
}

must(spawnSync(node, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', encoding: 'utf8' }), 'build');
const children = [];
const tmp = mkdtempSync(join(tmpdir(), 'fitsync-bench-'));
try {
  await benchStartup(tmp, children);
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
if (rows.length > 0) printRows();

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_EVENTS !== '1') {
  // TypeScript: it drives the server's own write + publish, the way the worker does.
  const r = spawnSync(node, ['--import', 'tsx', join(root, 'scripts/bench/event-latency.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_SYNC !== '1') {
  console.log('');
  const { benchSync } = await import('./bench-sync.mjs');
  const activities = Number(process.env.FITSYNC_BENCH_ACTIVITIES ?? 2000);
  try {
    const runs = Number(process.env.FITSYNC_BENCH_SYNC_RUNS ?? 5);
    await benchSync({ activities, bigActivities: 4 * activities, runs });
  } catch (err) {
    console.error(`bench-sync failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_HEALTH !== '1') {
  console.log('');
  const { benchHealth } = await import('./bench-health.mjs');
  try {
    await benchHealth({ runs: Number(process.env.FITSYNC_BENCH_HEALTH_RUNS ?? 3), bigDays: Number(process.env.FITSYNC_BENCH_HEALTH_BIG_DAYS ?? 1825) });
  } catch (err) {
    console.error(`bench-health failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_DECODE !== '1') {
  console.log('');
  // TypeScript: it times the server's own decode and store functions against the SDK alone.
  const r = spawnSync(node, ['--import', 'tsx', join(root, 'scripts/bench/decode-store.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_EXPORT !== '1') {
  console.log('');
  const { benchExport } = await import('./bench-export.mjs');
  try {
    await benchExport({
      activities: Number(process.env.FITSYNC_BENCH_EXPORT_ACTIVITIES ?? 500),
      runs: Number(process.env.FITSYNC_BENCH_EXPORT_RUNS ?? 3),
    });
  } catch (err) {
    console.error(`bench-export failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_SCHEDULE !== '1') {
  // TypeScript: it runs the server's own scheduler over rows inserted directly.
  const r = spawnSync(node, ['--import', 'tsx', join(root, 'scripts/bench/schedule.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_IMPORT !== '1') {
  console.log('');
  const { benchImport } = await import('./bench-import.mjs');
  try {
    await benchImport({
      activities: Number(process.env.FITSYNC_BENCH_IMPORT_ACTIVITIES ?? 5000),
      days: Number(process.env.FITSYNC_BENCH_IMPORT_DAYS ?? 3650),
    });
  } catch (err) {
    console.error(`bench-import failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_API !== '1') {
  console.log('');
  const { benchApi } = await import('./bench/api-throughput.mjs');
  try {
    await benchApi({
      runs: Number(process.env.FITSYNC_BENCH_API_RUNS ?? 5),
      connections: Number(process.env.FITSYNC_BENCH_API_CONNECTIONS ?? 16),
      seconds: Number(process.env.FITSYNC_BENCH_API_SECONDS ?? 5),
    });
  } catch (err) {
    console.error(`bench-api failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_SCALE !== '1') {
  console.log('');
  const { benchScale } = await import('./bench-scale.mjs');
  try {
    await benchScale({
      users: Number(process.env.FITSYNC_BENCH_SCALE_USERS ?? 50),
      activities: Number(process.env.FITSYNC_BENCH_SCALE_ACTIVITIES ?? 200),
    });
  } catch (err) {
    console.error(`bench-scale failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}

if (process.exitCode !== 1 && process.env.FITSYNC_BENCH_SKIP_WEB !== '1') {
  console.log('');
  const { benchWeb } = await import('./bench-web.mjs');
  try {
    await benchWeb({ runs: Number(process.env.FITSYNC_BENCH_WEB_RUNS ?? 10) });
  } catch (err) {
    console.error(`bench-web failed: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}
