// CLI export benchmark (`node scripts/bench-export.mjs`, also run by `npm run bench`; issue 10).
// Needs the built bundles (`npm run build`). Against the garmin-sim and fitsync-server binaries:
// one account with N activities (default 500) is synced, then `fitsync activities export --since …
// --format gpx --dir D` (the built CLI, its own process, as a user runs it) is timed against a
// floor: a bare node:http loop in this process that lists the same activities, fetches the same
// N GPX exports with the same parallelism (4, the CLI's) and writes them to files. Both write the
// same bytes (checked). R CLI runs are interleaved with R + 1 floor runs; each CLI run is compared
// with the mean of the floors before and after it, and the median ratio (floor s / CLI s) counts.
// The CLI's time includes its start-up, sign-in state and the listing. Prints a readable line and
// a JSON line. FITSYNC_BENCH_EXPORT_ACTIVITIES (N), FITSYNC_BENCH_EXPORT_RUNS (R, default 3).
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { cleanEnv, linkedUser, SIM_BIN, spawnUrl, startServer, stop, waitJob } from './bench-sync.mjs';
import { pool } from './bench/floor-download.mjs';
import { agent, json } from './bench/http-json.mjs';
import { median } from './bench/timing.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI_BIN = join(root, 'packages/cli/bin/fitsync.js');
/** The CLI's parallelism (packages/cli/src/activities/export-files.ts EXPORT_PARALLELISM). */
const PARALLEL = 4;

/** Runs the built CLI; resolves its exit code and stderr. */
function cli(args, env, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI_BIN, ...args], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c) => {
      err += c;
    });
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, err }));
    p.stdin.end(input ?? '');
  });
}

/** Bytes in the files of `dir`, and their count. */
function dirBytes(dir) {
  const files = readdirSync(dir);
  return { files: files.length, bytes: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
}

/** The bare loop: list, then GET every GPX export, PARALLEL at a time, each streamed to its file; returns counts. */
async function floorExport(base, token, dir) {
  await mkdir(dir, { recursive: true });
  const ids = [];
  let refused = 0;
  for (let cursor = null; ; ) {
    const page = await json('GET', `${base}/v1/activities?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    ids.push(...page.body.activities.map((a) => a.activity_id));
    cursor = page.body.next_cursor;
    if (!cursor || page.body.activities.length === 0) break;
  }
  await pool(ids, PARALLEL, async (id) => {
    const res = await new Promise((resolve, reject) => {
      http.get(`${base}/v1/activities/${id}/export?format=gpx`, { agent, headers: { authorization: `Bearer ${token}` } }, resolve).on('error', reject);
    });
    // 422: an indoor activity has no track (nothing_to_export); the CLI reports and skips it too.
    if (res.statusCode === 422) {
      res.resume();
      refused++;
      return;
    }
    if (res.statusCode !== 200) throw new Error(`floor: export ${id} → ${res.statusCode}`);
    await pipeline(res, createWriteStream(join(dir, `${id}.gpx`)));
  });
  return { listed: ids.length, refused };
}

export async function benchExport({ activities = 500, runs = 3 } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'fitsync-bench-export-'));
  const children = [];
  try {
    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-export'], cleanEnv({}));
    children.push(sim.child);
    await json('POST', `${sim.url}/__sim/users`, { body: { email: 'export@example.com', password: 'garmin-pw', activities, days: 1, workouts: 0 } });
    const srv = await startServer(sim.url, tmp, 'server');
    children.push(srv.child);
    const token = await linkedUser(srv, 'exporter', 'export@example.com');
    const job = await json('POST', `${srv.url}/v1/sync/jobs`, { token, body: { sync_type: 'activities', full: true } });
    const end = await waitJob(srv.url, token, job.body.job_id, 200, 30 * 60_000);
    if (end.status !== 'completed') throw new Error(`sync ${end.status}: ${end.error_message}`);
    // The CLI signs in as a user does; its own config dir.
    const home = join(tmp, 'cli-home');
    await mkdir(home, { recursive: true });
    const env = cleanEnv({ HOME: home, FITSYNC_CONFIG_DIR: home, NO_COLOR: '1' });
    const login = await cli(['auth', 'login', '--server', srv.url, '--username', 'exporter', '--password-stdin'], env, 'exporter pass phrase\n');
    if (login.code !== 0) throw new Error(`cli login: ${login.err}`);
    process.stdout.write(`export benchmark: ${activities} activities to GPX, ${PARALLEL} at a time, ${runs} CLI runs\n`);

    let n = 0;
    const floorRun = async () => {
      const dir = join(tmp, `floor-${n++}`);
      const t = performance.now();
      const counts = await floorExport(srv.url, token, dir);
      const s = (performance.now() - t) / 1000;
      const size = dirBytes(dir);
      rmSync(dir, { recursive: true, force: true });
      return { s, ...counts, ...size };
    };
    const cliRun = async () => {
      const dir = join(tmp, `cli-${n++}`);
      const t = performance.now();
      const r = await cli(['activities', 'export', '--since', '1970-01-01', '--format', 'gpx', '--dir', dir], env);
      const s = (performance.now() - t) / 1000;
      // Exit 5 when some activities had no track (reported and skipped, as the floor skips them).
      if (r.code !== 0 && r.code !== 5) throw new Error(`cli export exited ${r.code}: ${r.err.slice(-500)}`);
      const size = dirBytes(dir);
      rmSync(dir, { recursive: true, force: true });
      return { s, ...size };
    };
    await floorRun(); // warm-up: the server's renderers and caches, this process's agent
    const floors = [await floorRun()];
    const clis = [];
    for (let i = 0; i < runs; i++) {
      const c = await cliRun();
      floors.push(await floorRun());
      const f = (floors.at(-2).s + floors.at(-1).s) / 2;
      clis.push({ ...c, ratio: f / c.s });
    }
    const f0 = floors[0];
    for (const c of clis) {
      if (c.files !== f0.files || c.bytes !== f0.bytes) throw new Error(`the CLI wrote ${c.files} files / ${c.bytes} B, the floor ${f0.files} / ${f0.bytes} B`);
    }
    const ratio = median(clis.map((c) => c.ratio));
    const cliS = median(clis.map((c) => c.s));
    const floorS = median(floors.map((f) => f.s));
    const fmt = (xs, d) => xs.map((x) => x.toFixed(d)).join(' ');
    process.stdout.write(
      `INFO  CLI export of ${f0.listed} activities to GPX (${f0.files} files, ${(f0.bytes / 1e6).toFixed(1)} MB; ${f0.refused} without a track answered 422, skipped by both): ${cliS.toFixed(2)} s (${(f0.files / cliS).toFixed(0)}/s; runs ${fmt(clis.map((c) => c.s), 2)}); bare loop over the API ${floorS.toFixed(2)} s (runs ${fmt(floors.map((f) => f.s), 2)}); ratio floor/CLI ${ratio.toFixed(2)} (median of ${fmt(clis.map((c) => c.ratio), 2)})\n`,
    );
    const results = { activities: f0.listed, files: f0.files, refused: f0.refused, bytes: f0.bytes, cliS, floorS, ratio, cliRunsS: clis.map((c) => c.s), floorRunsS: floors.map((f) => f.s), ratios: clis.map((c) => c.ratio) };
    process.stdout.write(`${JSON.stringify({ bench: 'cli-export', ...results })}\n`);
    return results;
  } finally {
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchExport({
    activities: Number(process.env.FITSYNC_BENCH_EXPORT_ACTIVITIES ?? 500),
    runs: Number(process.env.FITSYNC_BENCH_EXPORT_RUNS ?? 3),
  });
}
