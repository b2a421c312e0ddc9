// Sync benchmarks (`node scripts/bench-sync.mjs`, also run by `npm run bench`). Needs the built
// bundles (`npm run build`). Everything is measured in this run, against the garmin-sim binary in
// its own process and the real fitsync-server binary, so ratios hold on any machine:
//   1. full sync of N activities (with FIT files, each decoded: laps, records) + 365 days:
//      throughput ≥ 60 % of a floor that downloads the same data from the same sim with the same
//      concurrency and writes it to disk (80 % before the sync decoded FIT files; product issue 10
//      sets 60 % with decoding).
//      One run of each varies by a factor of two on a busy machine, so R full syncs (each a fresh
//      FitSync user and Garmin account of the same size) are interleaved with R + 1 floor runs;
//      each sync's items/s is compared with the mean of the floors right before and after it, and
//      the median of those R ratios is what counts (the JSON line has every run, and the CPU
//      seconds the server and the floor used);
//   2. no-op incremental sync: < 1 s and ≤ 25 upstream requests (issue 9: health re-reads 3 days' summaries
//      and one range chunk of 4 answers; activities and workouts 1 each);
//   3. peak RSS of the server during the first N-activity sync ≤ 250 MB, growing < 20 % from N
//      to 4N.
// Prints PASS/MISS per line; exits non-zero only on errors. Sizes: FITSYNC_BENCH_ACTIVITIES
// (default 2000), FITSYNC_BENCH_BIG_ACTIVITIES (default 4 × that; 0 skips the growth check),
// FITSYNC_BENCH_SYNC_RUNS (R, default 5). FITSYNC_BENCH_BASELINE_SERVER=<another build's bin>
// times that server in turns with this one (an INFO line): how to see a change's effect.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { floorDownload, simToken } from './bench/floor-download.mjs';
import { agent, json, request } from './bench/http-json.mjs';
import { median } from './bench/timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SIM_BIN = join(root, 'packages/garmin-sim/bin/garmin-sim.js');
const SERVER_BIN = join(root, 'packages/server/bin/fitsync-server.js');
export const CONCURRENCY = 4;
const DAYS = 365;
// Each server first syncs this other account, unmeasured, so both measured syncs start from a
// process in the same warmed-up state (JIT, allocator arenas, SQLite caches): what remains in the
// RSS comparison is what grows with history.
const WARMUP_ACTIVITIES = Number(process.env.FITSYNC_BENCH_WARMUP_ACTIVITIES ?? 500);

export function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FITSYNC_')) env[k] = v;
  return { ...env, FITSYNC_LOG_LEVEL: 'warn', ...extra };
}

/** Spawns a bin that prints its URL first; resolves { url, child }. */
export function spawnUrl(bin, args, env, nodeArgs = []) {
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

export function runBin(args, env, stdin) {
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

export function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** CPU seconds (user + system, all threads) a process has used, from /proc; null where /proc is missing. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

/** Peak resident set of a process, from /proc (VmHWM); null where /proc is missing. */
export function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export async function waitJob(base, token, jobId, pollMs, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await json('GET', `${base}/v1/sync/jobs/${jobId}`, { token });
    if (['completed', 'failed', 'cancelled'].includes(r.body.status)) return r.body;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${r.body.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

/** A fresh server (own data dir, SQLite), without users. */
export async function startServer(simUrl, tmp, name, bin = SERVER_BIN) {
  const dataDir = join(tmp, name);
  const env = cleanEnv({
    FITSYNC_DATA_DIR: dataDir,
    FITSYNC_GARMIN_SSO_URL: simUrl,
    FITSYNC_GARMIN_API_URL: simUrl,
    FITSYNC_GARMIN_DIAUTH_URL: simUrl,
    FITSYNC_GARMIN_CONCURRENCY: String(CONCURRENCY),
    // The floor has no pacing either: this measures the engine's own cost, not politeness.
    FITSYNC_GARMIN_RPS: '0',
    FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    // Passed through to compare decode pool sizes (docs/activities.md); the server's default otherwise.
    ...(process.env.FITSYNC_DECODE_THREADS ? { FITSYNC_DECODE_THREADS: process.env.FITSYNC_DECODE_THREADS } : {}),
  });
  // FITSYNC_BENCH_SERVER_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = (process.env.FITSYNC_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = await spawnUrl(bin, ['start', '--port', '0'], env, nodeArgs);
  return { ...server, dataDir };
}

/** Adds FitSync user `username` to `srv`, signs in and links the sim account `email`; returns the user's token. */
export async function linkedUser(srv, username, email) {
  const password = `${username} pass phrase`;
  await runBin(['user', 'add', username, '--password-stdin'], cleanEnv({ FITSYNC_DATA_DIR: srv.dataDir }), password);
  const login = await json('POST', `${srv.url}/v1/auth/login`, { body: { username, password } });
  const token = login.body.access_token;
  await json('PUT', `${srv.url}/v1/garmin/connection`, { token, body: { email, password: 'garmin-pw' } });
  return token;
}

/** Runs a full sync as the user of `token`; returns seconds and the server's peak RSS so far (MB). */
async function fullSync(srv, token) {
  const cpu0 = cpuSeconds(srv.child.pid);
  const t0 = performance.now();
  const job = await json('POST', `${srv.url}/v1/sync/jobs`, { token, body: { sync_type: 'all', full: true } });
  const end = await waitJob(srv.url, token, job.body.job_id, 100, 30 * 60_000);
  const s = (performance.now() - t0) / 1000;
  if (end.status !== 'completed') throw new Error(`full sync ${end.status}: ${end.error_message}`);
  const cpu1 = cpuSeconds(srv.child.pid);
  return { s, items: end.processed_items, rss: peakRssMb(srv.child.pid), cpuS: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

/** One full sync of the warm-up account through its own FitSync user on `srv` (not measured). */
async function warmUp(srv) {
  await fullSync(srv, await linkedUser(srv, 'warmup', 'warmup@example.com'));
}

const line = (ok, text) => {
  process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${text}\n`);
  return ok;
};

/** Runs the benchmarks; returns the measured figures. */
export async function benchSync({ activities = 2000, bigActivities = 4 * activities, runs = 5 } = {}) {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`sync runs must be a positive integer, not ${runs}`);
  const tmp = await mkdtemp(join(tmpdir(), 'fitsync-bench-sync-'));
  const children = [];
  try {
    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-sync'], cleanEnv({}));
    children.push(sim.child);
    const mk = async (email, n) =>
      json('POST', `${sim.url}/__sim/users`, { body: { email, password: 'garmin-pw', activities: n, days: DAYS, workouts: 10 } });
    // The floor reads bench@; each measured sync reads an account of its own, of the same size
    // (the sim derives each account's data from its own seed): every sync creates new files, as
    // a first sync does, and nothing is deleted or overwritten while anything is timed (freed
    // blocks are expensive to the next writer on some file systems, e.g. with online discard).
    // FITSYNC_BENCH_BASELINE_SERVER: another build's fitsync-server bin (e.g. a copy of main's
    // bin/ and dist/ placed next to this one, so it finds the same node_modules), timed in turns
    // with this build's under the same floors: a change's effect without the machine's drift.
    const baselineBin = process.env.FITSYNC_BENCH_BASELINE_SERVER;
    const accounts = Array.from({ length: baselineBin ? 2 * runs : runs }, (_, i) => `bench${i + 1}@example.com`);
    for (const email of ['bench@example.com', ...accounts]) await mk(email, activities);
    await mk('warmup@example.com', WARMUP_ACTIVITIES);
    // Every run must meet the same sim: let it build its caches first (activity totals and FIT
    // hashes via truth, list-item JSON via one listing pass), so no run pays for them.
    const warmSim = async (email) => {
      await json('GET', `${sim.url}/__sim/users/${encodeURIComponent(email)}/truth`);
      const simTok = await simToken(sim.url, email, 'garmin-pw');
      for (let start = 0; ; start += 100) {
        const page = await request('GET', `${sim.url}/activitylist-service/activities/search/activities?start=${start}&limit=100`, {
          headers: { authorization: `Bearer ${simTok}` },
        });
        if (page.body.length <= 2) break;
      }
      return simTok;
    };
    const token = await warmSim('bench@example.com');
    for (const email of accounts) await warmSim(email);

    process.stdout.write(`sync benchmarks: ${activities} activities + ${DAYS} days, concurrency ${CONCURRENCY}, ${runs} full syncs\n`);
    const srv = await startServer(sim.url, tmp, 'server-a');
    children.push(srv.child);
    // The floor runs in this warm process; give the server the same chance (see WARMUP_ACTIVITIES).
    await warmUp(srv);
    // All users exist before anything is timed: a user add is a process of its own.
    const users = [];
    for (let i = 0; i < runs; i++) users.push(await linkedUser(srv, `bench${i + 1}`, accounts[i]));

    const profile = await json('GET', `${sim.url}/userprofile-service/socialProfile`, { token });
    const floorRun = async (name) => {
      const cpu = process.cpuUsage();
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
      const s = (performance.now() - t) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      return { s, items, cpuS: (user + system) / 1e6 };
    };
    let base = null;
    const baseUsers = [];
    if (baselineBin) {
      base = await startServer(sim.url, tmp, 'server-baseline', baselineBin);
      children.push(base.child);
      await warmUp(base);
      for (let i = 0; i < runs; i++) baseUsers.push(await linkedUser(base, `bench${i + 1}`, accounts[runs + i]));
    }
    // The floor runs once unmeasured (its own warm-up, like the server's), then before and after
    // every sync: floor, sync, floor, sync, …, floor. Load that drifts during the run (other
    // processes on the machine) hits a sync and the floors around it alike, and the median of the
    // per-sync ratios ignores a run that one burst of load hit on one side only.
    await floorRun('floor-warm');
    const floors = [await floorRun('floor-0')];
    const syncs = [];
    const baseSyncs = [];
    // Items per second, not seconds: the accounts hold the same numbers of activities and days,
    // but not necessarily the same number of days with data.
    const ratioOf = (r) => r.items / r.s / (floors.at(-2).items / ((floors.at(-2).s + floors.at(-1).s) / 2));
    for (let i = 0; i < runs; i++) {
      const r = await fullSync(srv, users[i]);
      floors.push(await floorRun(`floor-${floors.length}`));
      syncs.push({ ...r, ratio: ratioOf(r) });
      if (base) {
        const b = await fullSync(base, baseUsers[i]);
        floors.push(await floorRun(`floor-${floors.length}`));
        baseSyncs.push({ ...b, ratio: ratioOf(b) });
      }
    }
    // The measured syncs decoded what they downloaded (the figure would mean little otherwise).
    const first = (await json('GET', `${srv.url}/v1/activities?limit=1`, { token: users[0] })).body.activities[0];
    const detail = (await json('GET', `${srv.url}/v1/activities/${first.activity_id}`, { token: users[0] })).body;
    if (!(detail.record_count > 0) || first.decode_error !== null) throw new Error(`the sync did not decode activity ${first.activity_id}`);
    const ratios = syncs.map((r) => r.ratio);
    const ratio = median(ratios);
    const syncS = median(syncs.map((r) => r.s));
    const floorS = median(floors.map((r) => r.s));
    const items = syncs[0].items;
    const floorItems = floors[0].items;
    // The RSS figure is the first measured sync's (the later ones add to the same process).
    const rss = syncs[0].rss;
    const results = {
      activities,
      runs,
      fullSyncS: syncS,
      fullSyncItems: items,
      floorS,
      floorItems,
      throughputRatio: ratio,
      throughputRatios: ratios,
      fullSyncRunsS: syncs.map((r) => r.s),
      floorRunsS: floors.map((r) => r.s),
      fullSyncServerCpuS: syncs.map((r) => r.cpuS),
      floorCpuS: floors.map((r) => r.cpuS),
      peakRssMb: rss,
    };
    const fmt = (xs, d) => xs.map((x) => x.toFixed(d)).join(' ');
    line(
      ratio >= 0.6,
      `full sync with FIT decoding: ${syncS.toFixed(1)} s for ${items} items (${(items / syncS).toFixed(0)}/s); floor ${floorS.toFixed(1)} s for ${floorItems} (${(floorItems / floorS).toFixed(0)}/s) (medians: syncs ${fmt(syncs.map((r) => r.s), 1)}, floors ${fmt(floors.map((r) => r.s), 1)}); throughput ratio ${ratio.toFixed(2)} (median of ${fmt(ratios, 2)}, each against the floors before and after it; target ≥ 0.60)`,
    );

    if (base) {
      const baseRatios = baseSyncs.map((r) => r.ratio);
      Object.assign(results, { baselineRatio: median(baseRatios), baselineRatios: baseRatios, baselineRunsS: baseSyncs.map((r) => r.s), baselineServerCpuS: baseSyncs.map((r) => r.cpuS) });
      process.stdout.write(
        `INFO  baseline server ${baselineBin}, in turns with this one: throughput ratio ${median(baseRatios).toFixed(2)} (median of ${fmt(baseRatios, 2)}); server CPU per sync ${median(baseSyncs.map((r) => r.cpuS ?? Number.NaN)).toFixed(2)} s vs ${median(syncs.map((r) => r.cpuS ?? Number.NaN)).toFixed(2)} s here\n`,
      );
      await stop(base.child);
    }

    // No-op incremental: everything is stored; count upstream requests at the sim.
    await request('POST', `${sim.url}/__sim/reset-stats`);
    const t2 = performance.now();
    const noop = await json('POST', `${srv.url}/v1/sync/jobs`, { token: users[0], body: { sync_type: 'all' } });
    const noopEnd = await waitJob(srv.url, users[0], noop.body.job_id, 10, 60_000);
    const noopS = (performance.now() - t2) / 1000;
    const calls = (await json('GET', `${sim.url}/__sim/stats`)).body.total;
    if (noopEnd.status !== 'completed') throw new Error(`no-op sync ${noopEnd.status}: ${noopEnd.error_message}`);
    Object.assign(results, { noopS, noopUpstreamRequests: calls });
    line(noopS < 1 && calls <= 25, `no-op incremental sync: ${(noopS * 1000).toFixed(0)} ms, ${calls} upstream requests (targets < 1000 ms, ≤ 25)`);
    await stop(srv.child);

    if (rss === null) {
      process.stdout.write('SKIP  peak RSS: /proc is not available here\n');
    } else {
      line(rss <= 250, `peak RSS of the server during the first ${activities}-activity sync: ${rss.toFixed(0)} MB (target ≤ 250 MB)`);
    }
    if (bigActivities > 0 && rss !== null) {
      await mk('bench-big@example.com', bigActivities);
      const big = await startServer(sim.url, tmp, 'server-b');
      children.push(big.child);
      await warmUp(big);
      const bigRun = await fullSync(big, await linkedUser(big, 'bench', 'bench-big@example.com'));
      await stop(big.child);
      const growth = bigRun.rss / rss - 1;
      Object.assign(results, { bigActivities, bigSyncS: bigRun.s, bigPeakRssMb: bigRun.rss, rssGrowth: growth });
      line(growth < 0.2, `peak RSS ${activities} → ${bigActivities} activities (each after the same ${WARMUP_ACTIVITIES}-activity warm-up sync): ${rss.toFixed(0)} → ${bigRun.rss.toFixed(0)} MB (${(growth * 100).toFixed(1)} %, target < 20 %); ${bigActivities}-activity sync took ${bigRun.s.toFixed(1)} s`);
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
  const runs = Number(process.env.FITSYNC_BENCH_SYNC_RUNS ?? 5);
  benchSync({ activities, bigActivities: big === undefined ? 4 * activities : Number(big), runs }).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
    },
    (err) => {
      process.stderr.write(`bench-sync: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
