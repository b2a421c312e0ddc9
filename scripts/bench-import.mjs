// Import benchmark (`node scripts/bench-import.mjs`, also run by `npm run bench`; needs the built
// bundles). An account of N activities (FITSYNC_BENCH_IMPORT_ACTIVITIES, 5000) and D days of daily
// data (FITSYNC_BENCH_IMPORT_DAYS, 3650) in the garmin-sim binary; its data export
// (`/__sim/users/{email}/export.zip`) downloaded to a temp file, then:
//   - floor: scripts/bench/floor-import.mjs streams the archive with yauzl, opens the nested parts
//     and sha256-hashes every FIT member (nothing parsed or stored), in its own process;
//   - measured: the real fitsync-server (built, SQLite, like the sync benchmarks) importing it
//     through the HTTP contract of packages/api/src/imports.ts: POST /v1/imports, one streamed
//     PATCH of the whole file, then the import job to its end. Throughput ratio = floor time / job
//     time (the job's own time, from the PATCH's answer to the job's end; the upload is printed
//     apart), target ≥ 0.5; the server's peak RSS (VmHWM) over the whole upload + import, target ≤ 250 MB.
// The floor runs before and after the import; their mean is the floor. Prints PASS/MISS lines and
// a JSON line; exits non-zero only on errors. Without the import API on the server (404 on
// POST /v1/imports) only the floor is measured and reported.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { cleanEnv, peakRssMb, runBin, SIM_BIN, spawnUrl, startServer, stop, waitJob } from './bench-sync.mjs';
import { json } from './bench/http-json.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const FLOOR = join(root, 'scripts/bench/floor-import.mjs');
const EMAIL = 'import-bench@example.com';

const line = (ok, text) => {
  process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${text}\n`);
  return ok;
};

/** Streams a GET to a file; resolves with the bytes written. */
function downloadTo(url, file) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`GET ${new URL(url).pathname} → ${res.statusCode}`));
        }
        pipeline(res, createWriteStream(file)).then(() => resolve(statSync(file).size), reject);
      })
      .on('error', reject);
  });
}

async function sha256File(file) {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c);
  return h.digest('hex');
}

function floor(file) {
  const r = spawnSync(process.execPath, [FLOOR, file], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) throw new Error(`floor failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** One PATCH streaming the whole file from offset 0; resolves with the answer (status, JSON body). */
function patchFile(url, token, file, size) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'PATCH',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '0',
          'content-length': String(size),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    pipeline(createReadStream(file), req).catch(reject);
  });
}

/** Runs the benchmark; returns the figures. */
export async function benchImport({ activities = 5000, days = 3650 } = {}) {
  const tmp = await mkdtemp(join(tmpdir(), 'fitsync-bench-import-'));
  const children = [];
  try {
    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-import'], cleanEnv({}));
    children.push(sim.child);
    await json('POST', `${sim.url}/__sim/users`, { body: { email: EMAIL, password: 'garmin-pw', activities, days, workouts: 20 } });
    const archive = join(tmp, 'export.zip');
    const t0 = performance.now();
    const size = await downloadTo(`${sim.url}/__sim/users/${encodeURIComponent(EMAIL)}/export.zip`, archive);
    const exportS = (performance.now() - t0) / 1000;
    const simRss = peakRssMb(sim.child.pid);
    await stop(sim.child);
    process.stdout.write(
      `INFO  archive of ${activities} activities and ${days} days: ${(size / 1e6).toFixed(1)} MB, written by garmin-sim in ${exportS.toFixed(1)} s (sim peak RSS ${simRss === null ? '?' : simRss.toFixed(0)} MB)\n`,
    );

    const before = floor(archive);
    const srv = await startServer(sim.url, tmp, 'server');
    children.push(srv.child);
    await runBin(['user', 'add', 'importer', '--password-stdin'], cleanEnv({ FITSYNC_DATA_DIR: srv.dataDir }), 'importer pass phrase');
    const login = await json('POST', `${srv.url}/v1/auth/login`, { body: { username: 'importer', password: 'importer pass phrase' } });
    const token = login.body.access_token;
    const sha256 = await sha256File(archive);
    const created = await json('POST', `${srv.url}/v1/imports`, { token, body: { format: 'garmin-export', size_bytes: size, sha256 }, ok: [404] });
    if (created.status === 404) {
      const after = floor(archive);
      const floorS = (before.s + after.s) / 2;
      process.stdout.write(
        `SKIP  import: this server has no POST /v1/imports yet; floor alone: ${before.fits} FIT files (${(before.bytes / 1e6).toFixed(1)} MB) hashed in ${floorS.toFixed(2)} s\n`,
      );
      const results = { activities, days, archiveBytes: size, exportS, floorS, fits: before.fits, importS: null };
      process.stdout.write(`${JSON.stringify({ bench: 'import', ...results })}\n`);
      return results;
    }
    const t1 = performance.now();
    const patched = await patchFile(`${srv.url}/v1/imports/${created.body.import_id}`, token, archive, size);
    const uploadS = (performance.now() - t1) / 1000;
    if (patched.status !== 200) throw new Error(`PATCH → ${patched.status} ${patched.text.slice(0, 300)}`);
    const jobId = patched.body.job_id;
    if (!jobId) throw new Error(`the upload completed without starting a job (status ${patched.body.status})`);
    const t2 = performance.now();
    const end = await waitJob(srv.url, token, jobId, 100, 60 * 60_000);
    const importS = (performance.now() - t2) / 1000;
    const rss = peakRssMb(srv.child.pid);
    if (end.status !== 'completed') throw new Error(`import job ${end.status}: ${end.error_message}`);
    const after = floor(archive);
    const floorS = (before.s + after.s) / 2;
    const ratio = floorS / importS;
    process.stdout.write(`INFO  upload of ${(size / 1e6).toFixed(1)} MB (POST + one PATCH): ${uploadS.toFixed(2)} s\n`);
    line(
      ratio >= 0.5,
      `import of ${activities} activities + ${days} days: job ${importS.toFixed(1)} s vs floor (stream + sha256 of ${before.fits} FIT files) ${floorS.toFixed(2)} s (runs ${before.s.toFixed(2)} ${after.s.toFixed(2)}): ratio ${ratio.toFixed(2)} (target >= 0.50)`,
    );
    if (end.message) process.stdout.write(`INFO  job message: ${end.message}\n`);
    line(rss !== null && rss <= 250, `server peak RSS over upload + import: ${rss === null ? 'n/a' : `${rss.toFixed(0)} MB`} (target <= 250 MB)`);
    const results = { activities, days, archiveBytes: size, exportS, uploadS, importS, floorS, floorRunsS: [before.s, after.s], ratio, peakRssMb: rss, fits: before.fits };
    process.stdout.write(`${JSON.stringify({ bench: 'import', ...results })}\n`);
    return results;
  } finally {
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchImport({
    activities: Number(process.env.FITSYNC_BENCH_IMPORT_ACTIVITIES ?? 5000),
    days: Number(process.env.FITSYNC_BENCH_IMPORT_DAYS ?? 3650),
  });
}
