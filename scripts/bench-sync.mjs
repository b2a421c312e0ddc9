// Sync benchmarks (`node scripts/bench-sync.mjs`, also run by `npm run bench`). Needs the built
// bundles (`npm run build`). Everything is measured in this run, against the garmin-sim binary in
// its own process and the real fitsync-server binary, so ratios hold on any machine:
//   1. full sync of N activities (with FIT files) + 365 days: throughput ≥ 50 % of a floor that
//      downloads the same data from the same sim with the same concurrency and writes it to disk;
//   2. no-op incremental sync: < 1 s and ≤ 5 upstream requests;
//   3. peak RSS of the server during the N-activity sync ≤ 250 MB, growing < 20 % from N to 4N.
// Prints PASS/MISS per line; exits non-zero only on errors. Sizes: FITSYNC_BENCH_ACTIVITIES
// (default 2000), FITSYNC_BENCH_BIG_ACTIVITIES (default 4 × that; 0 skips the growth check).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { floorDownload, simToken } from './bench/floor-download.mjs';
import { agent, json, request } from './bench/http-json.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SIM_BIN = join(root, 'packages/garmin-sim/bin/garmin-sim.js');
const SERVER_BIN = join(root, 'packages/server/bin/fitsync-server.js');
const CONCURRENCY = 4;
const DAYS = 365;
// Each server first syncs this other account, unmeasured, so both measured syncs start from a
// process in the same warmed-up state (JIT, allocator arenas, SQLite caches): what remains in the
// RSS comparison is what grows with history.
const WARMUP_ACTIVITIES = Number(process.env.FITSYNC_BENCH_WARMUP_ACTIVITIES ?? 500);

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FITSYNC_')) env[k] = v;
  return { ...env, FITSYNC_LOG_LEVEL: 'warn', ...extra };
}

/** Spawns a bin that prints its URL first; resolves { url, child }. */
function spawnUrl(bin, args, env, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${bin} did not start within 60 s: ${err}`)), 60_000);
    child.once('exit', (c) => reject(new Error(`${bin} exited with ${c}: ${err}`)));
    createInterface({ input: child.stdout }).once('line', (url) => {
      clearTimeout(t);
      resolve({ url: url.trim(), child, stderr: () => err });
    });
  });
}

function runBin(args, env, stdin) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SERVER_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c) => {
      err += c;
    });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fitsync-server ${args[0]} failed: ${err}`))));
    p.stdin.end(stdin);
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** Peak resident set of a process, from /proc (VmHWM); null where /proc is missing. */
function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function waitJob(base, token, jobId, pollMs, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await json('GET', `${base}/v1/sync/jobs/${jobId}`, { token });
    if (['completed', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${r.body.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

/** A fresh server (own data dir, SQLite) with a user linked to `email` on the sim. */
async function serverFor(simUrl, email, tmp, name) {
  const dataDir = join(tmp, name);
  const env = cleanEnv({
    FITSYNC_DATA_DIR: dataDir,
    FITSYNC_GARMIN_SSO_URL: simUrl,
    FITSYNC_GARMIN_API_URL: simUrl,
    FITSYNC_GARMIN_DIAUTH_URL: simUrl,
    FITSYNC_GARMIN_CONCURRENCY: String(CONCURRENCY),
    // The floor has no pacing either: this measures the engine's own cost, not politeness.
    FITSYNC_GARMIN_RPS: '0',
  });
  await runBin(['user', 'add', 'bench', '--password-stdin'], env, 'bench pass phrase');
  // FITSYNC_BENCH_SERVER_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = (process.env.FITSYNC_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = await spawnUrl(SERVER_BIN, ['start', '--port', '0'], env, nodeArgs);
  const login = await json('POST', `${server.url}/v1/auth/login`, { body: { username: 'bench', password: 'bench pass phrase' } });
  const token = login.body.access_token;
  await json('PUT', `${server.url}/v1/garmin/connection`, { token, body: { email, password: 'garmin-pw' } });
  return { ...server, token, dataDir };
}

/** Runs a full sync; returns seconds and the server's peak RSS (MB). */
async function fullSync(srv) {
  const t0 = performance.now();
  const job = await json('POST', `${srv.url}/v1/sync/jobs`, { token: srv.token, body: { sync_type: 'all', full: true } });
  const end = await waitJob(srv.url, srv.token, job.body.job_id, 100, 30 * 60_000);
  const s = (performance.now() - t0) / 1000;
  if (end.status !== 'completed') throw new Error(`full sync ${end.status}: ${end.error_message}`);
  return { s, items: end.processed_items, rss: peakRssMb(srv.child.pid) };
}

/** One full sync of the warm-up account through a second FitSync user on the same server (not measured). */
async function warmUp(srv) {
  const env = cleanEnv({ FITSYNC_DATA_DIR: srv.dataDir });
  await runBin(['user', 'add', 'warmup', '--password-stdin'], env, 'warm pass phrase');
  const login = await json('POST', `${srv.url}/v1/auth/login`, { body: { username: 'warmup', password: 'warm pass phrase' } });
  const token = login.body.access_token;
  await json('PUT', `${srv.url}/v1/garmin/connection`, { token, body: { email: 'warmup@example.com', password: 'garmin-pw' } });
  const job = await json('POST', `${srv.url}/v1/sync/jobs`, { token, body: { sync_type: 'all', full: true } });
  const end = await waitJob(srv.url, token, job.body.job_id, 100, 5 * 60_000);
  if (end.status !== 'completed') throw new Error(`warm-up sync ${end.status}: ${end.error_message}`);
}

const line = (ok, text) => {
  process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${text}\n`);
  return ok;
};

/** Runs the benchmarks; returns the measured figures. */
export async function benchSync({ activities = 2000, bigActivities = 4 * activities } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'fitsync-bench-sync-'));
  const children = [];
  try {
    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-sync'], cleanEnv({}));
    children.push(sim.child);
    const mk = async (email, n) =>
      json('POST', `${sim.url}/__sim/users`, { body: { email, password: 'garmin-pw', activities: n, days: DAYS, workouts: 10 } });
    await mk('bench@example.com', activities);
    await mk('warmup@example.com', WARMUP_ACTIVITIES);
    // Both runs must meet the same sim: let it build its caches first (activity totals and FIT
    // hashes via truth, list-item JSON via one listing pass), so neither run pays for them.
    await json('GET', `${sim.url}/__sim/users/bench%40example.com/truth`);
    const token = await simToken(sim.url, 'bench@example.com', 'garmin-pw');
    for (let start = 0; ; start += 100) {
      const page = await request('GET', `${sim.url}/activitylist-service/activities/search/activities?start=${start}&limit=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (page.body.length <= 2) break;
    }

    process.stdout.write(`sync benchmarks: ${activities} activities + ${DAYS} days, concurrency ${CONCURRENCY}\n`);
    const srv = await serverFor(sim.url, 'bench@example.com', tmp, 'server-a');
    children.push(srv.child);
    // The floor runs in this warm process; give the server the same chance (see WARMUP_ACTIVITIES).
    await warmUp(srv);

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
    // The floor runs once unmeasured (its own warm-up, like the server's), then right before and
    // right after the sync; their mean is the baseline, so load that drifts during the run (other
    // processes on the machine) hits both sides alike.
    await floorRun('floor-warm');
    const floorA = await floorRun('floor-a');
    const full = await fullSync(srv);
    const floorB = await floorRun('floor-b');
    const floorS = (floorA.s + floorB.s) / 2;
    const floorItems = floorA.items;
    const ratio = floorS / full.s;
    const results = { activities, fullSyncS: full.s, fullSyncItems: full.items, floorS, floorBeforeS: floorA.s, floorAfterS: floorB.s, floorItems, throughputRatio: ratio, peakRssMb: full.rss };
    line(ratio >= 0.5, `full sync: ${full.s.toFixed(1)} s for ${full.items} items (${(full.items / full.s).toFixed(0)}/s); floor ${floorS.toFixed(1)} s (mean of ${floorA.s.toFixed(1)} before, ${floorB.s.toFixed(1)} after) for ${floorItems} (${(floorItems / floorS).toFixed(0)}/s); throughput ratio ${ratio.toFixed(2)} (target ≥ 0.50)`);

    // No-op incremental: everything is stored; count upstream requests at the sim.
    await request('POST', `${sim.url}/__sim/reset-stats`);
    const t2 = performance.now();
    const noop = await json('POST', `${srv.url}/v1/sync/jobs`, { token: srv.token, body: { sync_type: 'all' } });
    const noopEnd = await waitJob(srv.url, srv.token, noop.body.job_id, 10, 60_000);
    const noopS = (performance.now() - t2) / 1000;
    const calls = (await json('GET', `${sim.url}/__sim/stats`)).body.total;
    if (noopEnd.status !== 'completed') throw new Error(`no-op sync ${noopEnd.status}: ${noopEnd.error_message}`);
    Object.assign(results, { noopS, noopUpstreamRequests: calls });
    line(noopS < 1 && calls <= 5, `no-op incremental sync: ${(noopS * 1000).toFixed(0)} ms, ${calls} upstream requests (targets < 1000 ms, ≤ 5)`);
    await stop(srv.child);

    if (full.rss === null) {
      process.stdout.write('SKIP  peak RSS: /proc is not available here\n');
    } else {
      line(full.rss <= 250, `peak RSS of the server during the ${activities}-activity sync: ${full.rss.toFixed(0)} MB (target ≤ 250 MB)`);
    }
    if (bigActivities > 0 && full.rss !== null) {
      await mk('bench-big@example.com', bigActivities);
      const big = await serverFor(sim.url, 'bench-big@example.com', tmp, 'server-b');
      children.push(big.child);
      await warmUp(big);
      const bigRun = await fullSync(big);
      await stop(big.child);
      const growth = bigRun.rss / full.rss - 1;
      Object.assign(results, { bigActivities, bigSyncS: bigRun.s, bigPeakRssMb: bigRun.rss, rssGrowth: growth });
      line(growth < 0.2, `peak RSS ${activities} → ${bigActivities} activities (each after the same ${WARMUP_ACTIVITIES}-activity warm-up sync): ${full.rss.toFixed(0)} → ${bigRun.rss.toFixed(0)} MB (${(growth * 100).toFixed(1)} %, target < 20 %); ${bigActivities}-activity sync took ${bigRun.s.toFixed(1)} s`);
    }
    return results;
  } finally {
    for (const c of children) await stop(c);
    agent.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const activities = Number(process.env.FITSYNC_BENCH_ACTIVITIES ?? 2000);
  const big = process.env.FITSYNC_BENCH_BIG_ACTIVITIES;
  benchSync({ activities, bigActivities: big === undefined ? 4 * activities : Number(big) }).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
    },
    (err) => {
      process.stderr.write(`bench-sync: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
