// Start-up benchmark of `fitsync sync status JOB_ID` (node scripts/bench-cli-sync.mjs),
// the companion of scripts/bench.mjs with the same method: median wall time of
// N interleaved runs against a baseline doing the same single GET with plain
// node:http. It needs a real job, so it starts garmin-sim and fitsync-server,
// links a small Garmin account and runs one sync first. A missed target prints
// MISS but exits 0; only errors exit non-zero.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.FITSYNC_BENCH_RUNS ?? 20);
const WARMUP = 3;
const TARGET = 1.3;
const node = process.execPath;
const cli = join(root, 'packages/cli/bin/fitsync.js');
const serverBin = join(root, 'packages/server/bin/fitsync-server.js');
const simBin = join(root, 'packages/garmin-sim/bin/garmin-sim.js');

function must(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr}`);
  return r;
}

function timeOnce(cmd, args, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  must(r, `${cmd} ${args.join(' ')}`);
  return ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function startService(args, env) {
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args[0]} did not start within 15 s`)), 15_000);
    child.once('exit', (c) => reject(new Error(`${args[0]} exited with ${c}`)));
    lines.once('line', (l) => {
      clearTimeout(t);
      resolve(l.trim());
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  return { child, url };
}

function postJson(url, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`POST ${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const children = [];
const tmp = mkdtempSync(join(tmpdir(), 'fitsync-bench-sync-'));
try {
  must(spawnSync(node, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', encoding: 'utf8' }), 'build');
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
  });
  children.push(server.child);
  must(spawnSync(node, [serverBin, 'user', 'add', 'bench', '--password-stdin', '--data-dir', dataDir], { input: 'bench-password-1\n', encoding: 'utf8' }), 'user add');
  const env = { PATH: process.env.PATH, HOME: tmp, FITSYNC_CONFIG_DIR: tmp, FITSYNC_SERVER: server.url };
  must(spawnSync(node, [cli, 'auth', 'login', '--username', 'bench', '--password-stdin'], { env, input: 'bench-password-1\n', encoding: 'utf8' }), 'auth login');
  await postJson(`${sim.url}/__sim/users`, { email: 'bench@example.com', password: 'garmin-bench-1', mfa: null, activities: 5, days: 5, workouts: 1 });
  must(spawnSync(node, [cli, 'garmin', 'connect', '--email', 'bench@example.com', '--password-stdin'], { env, input: 'garmin-bench-1\n', encoding: 'utf8' }), 'garmin connect');
  const job = JSON.parse(must(spawnSync(node, [cli, 'sync', 'start', '--wait', '-o', 'json'], { env, encoding: 'utf8' }), 'sync start --wait').stdout);
  const token = must(spawnSync(node, [cli, 'auth', 'token'], { env, encoding: 'utf8' }), 'auth token').stdout.trim();
  const plain = join(tmp, 'plain-get.mjs');
  writeFileSync(
    plain,
    `import { request } from 'node:http';
const req = request(process.env.URL + '/v1/sync/jobs/' + process.env.JOB, { headers: { authorization: 'Bearer ' + process.env.TOKEN } }, (res) => {
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => { process.stdout.write(body + '\\n'); process.exitCode = res.statusCode === 200 ? 0 : 1; });
});
req.end();
`,
  );
  const base = [node, [plain], { PATH: process.env.PATH, URL: server.url, TOKEN: token, JOB: job.job_id }];
  const cand = [node, [cli, 'sync', 'status', job.job_id], env];
  for (let i = 0; i < WARMUP; i++) {
    timeOnce(...base);
    timeOnce(...cand);
  }
  const a = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(timeOnce(...base));
    b.push(timeOnce(...cand));
  }
  const ratio = median(b) / median(a);
  console.log(`\nfitsync sync status JOB_ID  vs  plain node:http GET /v1/sync/jobs/JOB_ID, median of ${RUNS} interleaved runs`);
  console.log(
    `baseline ${median(a).toFixed(1)} ms  fitsync ${median(b).toFixed(1)} ms  ratio ${ratio.toFixed(2)}x  target <= ${TARGET.toFixed(2)}x  ${ratio <= TARGET ? 'PASS' : 'MISS'}`,
  );
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
