// The API benchmark (part 9 of `npm run bench`; issue 13): requests per second of the built
// fitsync-server (SQLite, FITSYNC_LOG_LEVEL at its default, its log lines written to a file as in
// production) for `GET /v1/me` and `GET /v1/activities?limit=50` with a valid token, against a bare
// node:http server answering the same JSON documents (scripts/bench/floor-json-server.mjs), both
// measured in this run by the same load generator with the same connections and duration:
// `wrk` when on PATH, else scripts/bench/load-gen.mjs in its own process. Floor and FitSync take
// turns (FITSYNC_BENCH_API_RUNS rounds, default 5, after a warm-up round); the medians count.
// Targets: /v1/me >= 40 % of the floor, /v1/activities?limit=50 >= 20 %. An INFO line per path gives the
// same ratio from the servers' CPU time per request (/proc), which other load on the machine disturbs less.
// FITSYNC_BENCH_API_CONNECTIONS (default 16) and FITSYNC_BENCH_API_SECONDS (default 5) size each
// run; FITSYNC_BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server;
// FITSYNC_BENCH_API_SERVER=<another build's fitsync-server bin> measures that build instead (its bin/ and
// dist/ copied next to this one's, so it finds the same node_modules): a change's before and after.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cleanEnv, linkedUser, SIM_BIN, spawnUrl, stop, waitJob } from '../bench-sync.mjs';
import { json, request } from './http-json.mjs';
import { cpuSeconds, median } from './timing.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SERVER_BIN = process.env.FITSYNC_BENCH_API_SERVER ?? join(root, 'packages/server/bin/fitsync-server.js');
const FLOOR_BIN = join(root, 'scripts/bench/floor-json-server.mjs');
const LOAD_GEN = join(root, 'scripts/bench/load-gen.mjs');
const ACTIVITIES = 60;

// wrk reads the token from the environment (never argv) and prints one JSON line at the end.
const WRK_SCRIPT = `wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"errors":%d,"seconds":%f}\\n', summary.requests - e.status,
    e.status + e.connect + e.read + e.write + e.timeout, summary.duration / 1e6))
end
`;

function hasWrk() {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

/** Starts a process whose first stdout line is its URL, its stderr (the server's log) going to `logFile`. */
function startLogged(args, env, logFile) {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', fd] });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args.at(-1)} did not start within 60 s (log: ${logFile})`)), 60_000);
    child.once('exit', (c) => reject(new Error(`${args.join(' ')} exited with ${c} (log: ${logFile})`)));
    createInterface({ input: child.stdout }).once('line', (url) => {
      clearTimeout(t);
      child.stdout.resume();
      resolve({ url: url.trim(), child });
    });
  });
}


/**
 * One run of the load generator against `url` served by process `pid`; returns requests per second
 * (200 answers only) and the server's CPU microseconds per request (null without /proc), which other
 * load on the machine disturbs less than the rate.
 */
function load(url, pid, token, { connections, seconds, wrkScript }) {
  const env = { PATH: process.env.PATH, TOKEN: token, URL: url, CONNECTIONS: String(connections), SECONDS: String(seconds) };
  const [cmd, args] = wrkScript
    ? ['wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', wrkScript, url]]
    : [process.execPath, [LOAD_GEN]];
  const cpu0 = cpuSeconds(pid);
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  const cpu1 = cpuSeconds(pid);
  if (r.status !== 0) throw new Error(`${cmd} failed (exit ${r.status}): ${r.stderr}`);
  const last = r.stdout.trim().split('\n').at(-1);
  const res = JSON.parse(last);
  if (res.errors > 0) throw new Error(`${new URL(url).pathname}: ${res.errors} failed requests under load`);
  return { rps: res.requests / res.seconds, cpuUs: cpu0 === null || cpu1 === null ? null : (1e6 * (cpu1 - cpu0)) / res.requests };
}

/** Runs the benchmark; resolves the medians and ratios per path. */
export async function benchApi({ runs = 5, connections = 16, seconds = 5 } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'fitsync-bench-api-'));
  const children = [];
  try {
    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-api'], cleanEnv({}));
    children.push(sim.child);
    await json('POST', `${sim.url}/__sim/users`, {
      body: { email: 'api@example.com', password: 'garmin-pw', activities: ACTIVITIES, days: 3, workouts: 1 },
    });
    const dataDir = join(tmp, 'data');
    const env = cleanEnv({
      FITSYNC_DATA_DIR: dataDir,
      FITSYNC_GARMIN_SSO_URL: sim.url,
      FITSYNC_GARMIN_API_URL: sim.url,
      FITSYNC_GARMIN_DIAUTH_URL: sim.url,
      FITSYNC_GARMIN_RPS: '0',
    });
    // The production default log level: writing the log is part of what a request costs.
    delete env.FITSYNC_LOG_LEVEL;
    const nodeArgs = (process.env.FITSYNC_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const logFile = join(tmp, 'server.log');
    const server = await startLogged([...nodeArgs, SERVER_BIN, 'start', '--port', '0'], env, logFile);
    children.push(server.child);
    const srv = { url: server.url, dataDir };
    const token = await linkedUser(srv, 'api', 'api@example.com');
    const job = await json('POST', `${srv.url}/v1/sync/jobs`, { token, body: { sync_type: 'all', full: true } });
    const end = await waitJob(srv.url, token, job.body.job_id, 100, 5 * 60_000);
    if (end.status !== 'completed') throw new Error(`the sync of ${ACTIVITIES} activities ended ${end.status}`);

    const paths = [
      { name: 'GET /v1/me', path: '/v1/me', target: 0.4 },
      { name: 'GET /v1/activities?limit=50', path: '/v1/activities?limit=50', target: 0.2 },
    ];
    // The floor answers the very documents FitSync answered.
    const bodies = {};
    for (const p of paths) {
      const r = await request('GET', `${srv.url}${p.path}`, { headers: { authorization: `Bearer ${token}` } });
      if (r.status !== 200) throw new Error(`${p.path} → ${r.status}`);
      p.bytes = r.body.length;
      bodies[p.path.split('?')[0]] = JSON.parse(r.body.toString('utf8'));
    }
    if (bodies['/v1/activities'].activities.length !== 50) throw new Error('the list did not answer 50 activities');
    const bodiesFile = join(tmp, 'bodies.json');
    writeFileSync(bodiesFile, JSON.stringify(bodies));
    const floor = await spawnUrl(FLOOR_BIN, [], { PATH: process.env.PATH, BODIES: bodiesFile });
    children.push(floor.child);

    let wrkScript = null;
    if (hasWrk()) {
      wrkScript = join(tmp, 'auth.lua');
      writeFileSync(wrkScript, WRK_SCRIPT);
    }
    const opts = { connections, seconds, wrkScript };
    const generator = wrkScript ? 'wrk -t1' : 'scripts/bench/load-gen.mjs';
    console.log(`API throughput: ${generator}, ${connections} keep-alive connections, ${seconds} s per run, median of ${runs} interleaved runs (after a warm-up run)`);
    const results = [];
    for (const p of paths) {
      const warm = { ...opts, seconds: Math.min(2, seconds) };
      load(`${floor.url}${p.path}`, floor.child.pid, token, warm);
      load(`${srv.url}${p.path}`, server.child.pid, token, warm);
      const base = [];
      const cand = [];
      for (let i = 0; i < runs; i++) {
        base.push(load(`${floor.url}${p.path}`, floor.child.pid, token, opts));
        cand.push(load(`${srv.url}${p.path}`, server.child.pid, token, opts));
      }
      const cpu = (xs) => (xs.some((x) => x.cpuUs === null) ? null : median(xs.map((x) => x.cpuUs)));
      const r = {
        name: p.name,
        bytes: p.bytes,
        floor: median(base.map((x) => x.rps)),
        fitsync: median(cand.map((x) => x.rps)),
        target: p.target,
        floorCpuUs: cpu(base),
        fitsyncCpuUs: cpu(cand),
      };
      r.ratio = r.fitsync / r.floor;
      results.push(r);
      const ok = r.ratio >= r.target;
      console.log(
        `${ok ? 'PASS' : 'MISS'}  ${p.name} (${p.bytes} B): ${r.fitsync.toFixed(0)} req/s vs bare node:http ${r.floor.toFixed(0)} req/s = ${(100 * r.ratio).toFixed(1)} % (target >= ${100 * p.target} %)`,
      );
      if (r.floorCpuUs !== null && r.fitsyncCpuUs !== null) {
        console.log(
          `INFO  ${p.name}: server CPU per request ${r.fitsyncCpuUs.toFixed(0)} µs vs ${r.floorCpuUs.toFixed(0)} µs = ${(100 * (r.floorCpuUs / r.fitsyncCpuUs)).toFixed(1)} % (less disturbed by other load than the rates)`,
        );
      }
    }
    console.log(JSON.stringify({ bench: 'api', generator, connections, seconds, runs, results }));
    return results;
  } finally {
    for (const c of children.reverse()) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchApi({
    runs: Number(process.env.FITSYNC_BENCH_API_RUNS ?? 5),
    connections: Number(process.env.FITSYNC_BENCH_API_CONNECTIONS ?? 16),
    seconds: Number(process.env.FITSYNC_BENCH_API_SECONDS ?? 5),
  });
}
