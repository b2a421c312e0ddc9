// CLI start-up benchmarks (`npm run bench`). Ratios are measured in the same
// run, so they hold on any machine: median wall time of N runs each, after a
// warm-up, with the two commands of a pair interleaved so background load hits
// both alike. A missed target prints MISS but exits 0; only errors exit non-zero.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.FITSYNC_BENCH_RUNS ?? 20);
const WARMUP = 3;
const node = process.execPath;
const cli = join(root, 'packages/cli/bin/fitsync.js');
const serverBin = join(root, 'packages/server/bin/fitsync-server.js');

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

/** Interleaved runs of a baseline and a candidate; returns both medians. */
function pair(base, cand) {
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
  return { base: median(a), cand: median(b) };
}

async function startServer(dataDir) {
  const child = spawn(node, [serverBin, 'start', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FITSYNC_LOG_LEVEL: 'warn' } });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start within 15 s')), 15_000);
    child.once('exit', (c) => reject(new Error(`server exited with ${c}`)));
    lines.once('line', (l) => {
      clearTimeout(t);
      resolve(l.trim());
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  return { child, url };
}

const rows = [];
function report(name, res, target) {
  const ratio = res.cand / res.base;
  rows.push({ name, base: res.base, cand: res.cand, ratio, target, ok: ratio <= target });
}

let server;
const tmp = mkdtempSync(join(tmpdir(), 'fitsync-bench-'));
try {
  must(spawnSync(node, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', encoding: 'utf8' }), 'build');
  const cleanEnv = { PATH: process.env.PATH, HOME: tmp, FITSYNC_CONFIG_DIR: tmp };

  report('fitsync --version  vs  node -e 0', pair([node, ['-e', '0'], cleanEnv], [node, [cli, '--version'], cleanEnv]), 1.15);

  const dataDir = join(tmp, 'data');
  server = await startServer(dataDir);
  must(spawnSync(node, [serverBin, 'user', 'add', 'bench', '--password-stdin', '--data-dir', dataDir], { input: 'bench-password-1\n', encoding: 'utf8' }), 'user add');
  const env = { ...cleanEnv, FITSYNC_SERVER: server.url };
  must(spawnSync(node, [cli, 'auth', 'login', '--username', 'bench', '--password-stdin'], { env, input: 'bench-password-1\n', encoding: 'utf8' }), 'auth login');
  const token = must(spawnSync(node, [cli, 'auth', 'token'], { env, encoding: 'utf8' }), 'auth token').stdout.trim();
  // The baseline: the same single GET /v1/me with node:http and nothing else.
  const plain = join(tmp, 'plain-get.mjs');
  writeFileSync(
    plain,
    `import { request } from 'node:http';
const req = request(process.env.URL + '/v1/me', { headers: { authorization: 'Bearer ' + process.env.TOKEN } }, (res) => {
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => { process.stdout.write(body + '\\n'); process.exitCode = res.statusCode === 200 ? 0 : 1; });
});
req.end();
`,
  );
  report('fitsync auth status  vs  plain node:http GET /v1/me', pair([node, [plain], { ...cleanEnv, URL: server.url, TOKEN: token }], [node, [cli, 'auth', 'status'], env]), 1.3);
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  server?.child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}

if (rows.length > 0) {
  console.log(`\nCLI start-up, median wall time of ${RUNS} runs each (after ${WARMUP} warm-up runs, interleaved)\n`);
  const head = ['benchmark', 'baseline ms', 'fitsync ms', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [r.name, r.base.toFixed(1), r.cand.toFixed(1), `${r.ratio.toFixed(2)}x`, `<= ${r.target.toFixed(2)}x`, r.ok ? 'PASS' : 'MISS']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  for (const line of [head, widths.map((w) => '-'.repeat(w)), ...body]) console.log(line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}
