// `npm run demo`: FitSync end to end on this machine, in well under a minute.
// Starts garmin-sim (standing in for Garmin Connect) and fitsync-server (the
// built binaries, embedded SQLite in a temporary data dir), then drives the REAL
// CLI through a user's first day: sign in, turn on MFA, sign in again with a
// TOTP code, link a Garmin account that has Garmin's own MFA, sync with a
// progress display, and look at the data. Everything it starts is stopped and
// the temporary directory removed, also on errors and Ctrl-C; any failed step
// makes it exit non-zero (CI runs it).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = {
  cli: join(root, 'packages/cli/bin/fitsync.js'),
  server: join(root, 'packages/server/bin/fitsync-server.js'),
  sim: join(root, 'packages/garmin-sim/bin/garmin-sim.js'),
};
const STEP_TIMEOUT_MS = 60_000;
const started = Date.now();
const children = new Set();
let tmp;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
let stepNo = 0;
function step(text) {
  stepNo++;
  console.log(`\n${paint('1', `${stepNo}. ${text}`)}`);
}
const note = (text) => console.log(`   ${text}`);
const ok = (text) => console.log(`   ${paint('32', '✓')} ${text}`);
const show = (text) => {
  for (const line of text.trimEnd().split('\n')) console.log(`   │ ${line}`);
};

class DemoError extends Error {}

// ---- processes -----------------------------------------------------------

/** Starts a long-running binary whose first stdout line is its base URL. */
async function startService(name, args, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let logs = '';
  child.stderr.on('data', (c) => {
    logs += c;
  });
  child.once('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new DemoError(`${name} did not start within 30 s:\n${logs}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new DemoError(`${name} exited with ${code}:\n${logs}`));
    });
    lines.once('line', (line) => {
      clearTimeout(t);
      resolve(line.trim());
    });
  });
  lines.on('line', (l) => {
    logs += `${l}\n`;
  });
  if (!/^https?:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new DemoError(`${name} printed an unexpected first line: ${url}`);
  return { child, url, logs: () => logs };
}

/**
 * Runs the real CLI. stdout is captured (it is data); stderr goes to the
 * terminal as it is, so a terminal shows the live progress bar.
 */
function fitsync(args, { input, env = {}, liveStderr = false, liveStdout = false, configDir = cfgDir() } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN.cli, '--config-dir', configDir, ...args], {
      env: { PATH: process.env.PATH, HOME: configDir, NO_COLOR: color ? '' : '1', ...env },
      stdio: ['pipe', liveStdout ? 'inherit' : 'pipe', liveStderr ? 'inherit' : 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (c) => {
      out += c;
    });
    child.stderr?.on('data', (c) => {
      err += c;
    });
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new DemoError(`fitsync ${args.join(' ')} did not finish within ${STEP_TIMEOUT_MS / 1000} s`));
    }, STEP_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      children.delete(child);
      resolve({ code: code ?? -1, out, err });
    });
    child.stdin.end(input ?? '');
  });
}

/** A CLI step that must exit with `want` (0 by default). */
async function must(args, opts = {}, want = 0) {
  const r = await fitsync(args, opts);
  if (r.code !== want) {
    throw new DemoError(`\`fitsync ${args.join(' ')}\` exited ${r.code}, expected ${want}\n${r.err}${r.out}`);
  }
  return r;
}

function cfgDir() {
  return join(tmp, 'config');
}

function http(method, url, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        if ((res.statusCode ?? 0) >= 300) reject(new DemoError(`${method} ${url} answered ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(json);
      });
    });
    req.setTimeout(10_000, () => req.destroy(new DemoError(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function stopAll() {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

// ---- TOTP (RFC 6238: SHA-1, 6 digits, 30 s), as an authenticator app would ----

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i === -1) throw new DemoError('the TOTP secret is not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret, timeMs) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 30_000)));
  const h = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = h[h.length - 1] & 0x0f;
  return String((h.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// ---- the demo --------------------------------------------------------------

async function demo() {
  if (!Object.values(BIN).every(existsSync) || !['cli', 'server', 'garmin-sim'].every((p) => existsSync(join(root, `packages/${p}/dist/main.js`)))) {
    step('Building the bundles (node scripts/build.mjs)');
    const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    if (b.status !== 0) throw new DemoError('the build failed');
  }
  tmp = mkdtempSync(join(tmpdir(), 'fitsync-demo-'));
  const dataDir = join(tmp, 'data');
  const baseEnv = { PATH: process.env.PATH, HOME: tmp };

  step('Starting garmin-sim, a local stand-in for Garmin Connect (SSO, MFA, OAuth, data, FIT files)');
  const sim = await startService('garmin-sim', [BIN.sim, '--port', '0', '--seed', 'demo'], baseEnv);
  ok(`garmin-sim at ${sim.url}`);

  step('Starting fitsync-server on embedded SQLite, pointed at the sim');
  const serverEnv = {
    ...baseEnv,
    FITSYNC_DATA_DIR: dataDir,
    FITSYNC_GARMIN_SSO_URL: sim.url,
    FITSYNC_GARMIN_API_URL: sim.url,
    FITSYNC_GARMIN_DIAUTH_URL: sim.url,
    // Politeness towards real Garmin is 4 calls/s per job; the local sim does not need it.
    FITSYNC_GARMIN_RPS: '0',
    FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    // So the demo can show two scheduled runs in half a minute (the default minimum is 15m).
    FITSYNC_SCHEDULE_MIN_INTERVAL: '15s',
    FITSYNC_LOG_LEVEL: 'warn',
  };
  const server = await startService('fitsync-server', [BIN.server, 'start', '--port', '0', '--data-dir', dataDir], serverEnv);
  ok(`fitsync-server at ${server.url} (data in ${dataDir})`);

  step('Creating the FitSync user "demo" (fitsync-server user add demo --password-stdin)');
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  const add = spawnSync(process.execPath, [BIN.server, 'user', 'add', 'demo', '--password-stdin', '--data-dir', dataDir], {
    input: `${password}\n`,
    env: serverEnv,
    encoding: 'utf8',
  });
  if (add.status !== 0) throw new DemoError(`user add failed: ${add.stderr}`);
  ok('user "demo" created (password given on stdin, never in argv)');

  step('fitsync auth login');
  const cliEnv = { FITSYNC_SERVER: server.url };
  await must(['auth', 'login', '--username', 'demo', '--password-stdin'], { input: `${password}\n`, env: cliEnv });
  ok('signed in');

  step('fitsync mfa enable — turning on TOTP (the script plays the authenticator app)');
  const pending = JSON.parse((await must(['mfa', 'enable', '-o', 'json'], { env: cliEnv })).out);
  note(`secret received; URI ${pending.otpauth_uri.replace(/secret=[^&]+/, 'secret=…')}`);
  const confirmedAt = Date.now();
  const codes = JSON.parse((await must(['mfa', 'enable', '--code', totp(pending.secret, confirmedAt), '-o', 'json'], { env: cliEnv })).out);
  ok(`MFA on; ${codes.recovery_codes.length} single-use recovery codes issued`);

  step('fitsync auth logout, then auth login again — now the server asks for a TOTP code');
  await must(['auth', 'logout'], { env: cliEnv });
  // A time step is accepted once; the confirmation used this one, so sign in with
  // the next one (inside the ±1 step window, spec: Security rules).
  const loginCode = totp(pending.secret, confirmedAt + 30_000);
  await must(['auth', 'login', '--username', 'demo', '--password-stdin'], { input: `${password}\n`, env: { ...cliEnv, FITSYNC_MFA_CODE: loginCode } });
  const status = JSON.parse((await must(['auth', 'status', '-o', 'json'], { env: cliEnv })).out);
  if (status.mfa_verified !== true) throw new DemoError('the new session is not MFA-verified');
  ok(`signed in as ${status.username}, MFA verified`);

  step('Creating a Garmin account with Garmin MFA on the sim: 60 activities over 90 days, 10 workouts');
  const email = 'demo.runner@example.com';
  const garminPassword = `garmin-${randomBytes(9).toString('base64url')}`;
  await http('POST', `${sim.url}/__sim/users`, { email, password: garminPassword, mfa: 'email', activities: 60, days: 90, workouts: 10 });
  ok(`${email} created`);

  step('fitsync garmin connect — Garmin e-mails a code; without a terminal it is two calls');
  const first = await must(['garmin', 'connect', '--email', email, '--password-stdin', '-o', 'json'], { input: `${garminPassword}\n`, env: cliEnv }, 2);
  const challenge = JSON.parse(first.out);
  if (challenge.status !== 'mfa_required') throw new DemoError(`expected a Garmin MFA challenge, got ${first.out}`);
  note(`Garmin accepted the password and wants its code (challenge expires in ${challenge.expires_in} s)`);
  const { code: garminCode } = await http('GET', `${sim.url}/__sim/users/${encodeURIComponent(email)}/mfa-code`);
  note('read the e-mailed code from the sim (GET /__sim/users/{email}/mfa-code)');
  await must(['garmin', 'connect', '--challenge', challenge.challenge_id], { env: { ...cliEnv, FITSYNC_GARMIN_MFA_CODE: garminCode } });
  const garmin = JSON.parse((await must(['garmin', 'status', '-o', 'json'], { env: cliEnv })).out);
  ok(`Garmin Connect linked: ${garmin.status} (${garmin.display_name})`);

  step('fitsync sync start --wait — the full history: activities with FIT files, daily health, workouts');
  const syncStarted = Date.now();
  const sync = await must(['sync', 'start', '--wait', '-o', 'json'], { env: cliEnv, liveStderr: true });
  const job = JSON.parse(sync.out);
  const c = job.counts;
  ok(
    `job ${job.job_id} ${job.status} in ${((Date.now() - syncStarted) / 1000).toFixed(1)} s: ` +
      `${c.activities.new} activities, ${c.health.new} health days, ${c.workouts.new} workouts`,
  );

  step('fitsync sync status');
  show((await must(['sync', 'status'], { env: cliEnv })).out);

  step('fitsync activities list --limit 8');
  show((await must(['activities', 'list', '--limit', '8'], { env: cliEnv })).out);

  step('Checking the synced data against the sim’s ground truth');
  const truth = await http('GET', `${sim.url}/__sim/users/${encodeURIComponent(email)}/truth`);
  const all = JSON.parse((await must(['activities', 'list', '--limit', '1000', '-o', 'json'], { env: cliEnv })).out).activities;
  const key = (a) => `${a.activity_id}:${a.fit_sha256}`;
  const want = new Set(truth.activities.map(key));
  if (all.length !== truth.activities.length || !all.every((a) => want.has(key(a)))) {
    throw new DemoError(`the server holds ${all.length} activities; Garmin has ${truth.activities.length} (or the FIT hashes differ)`);
  }
  ok(`all ${all.length} activity ids and FIT sha256 match`);
  const pick = truth.activities[0];
  const fitPath = join(tmp, `${pick.activity_id}.fit`);
  await must(['activities', 'download', pick.activity_id, '--out', fitPath], { env: cliEnv });
  const sha = createHash('sha256').update(readFileSync(fitPath)).digest('hex');
  if (sha !== pick.fit_sha256) throw new DemoError(`downloaded FIT sha256 ${sha} != ${pick.fit_sha256}`);
  ok(`fitsync activities download ${pick.activity_id}: ${readFileSync(fitPath).length} bytes, sha256 matches Garmin's original`);

  // Issue 10: the decoded FIT files. On a terminal `activities show` adds heart-rate and pace
  // charts and the track's outline; piped, the summary and the laps table.
  const live = process.stdout.isTTY === true;
  // The sim's truth says which activities record positions (treadmill and trainer rides do not).
  const tracked = truth.activities.filter((t) => !t.indoor && t.odd === null).map((t) => t.activity_id);
  const outdoor = all.find((a) => a.activity_id === tracked[0]);
  if (!outdoor) throw new DemoError('the sim holds no activity with a track');
  step(`fitsync activities show ${outdoor.activity_id} — summary and laps${live ? ', charts and the track drawn to fit this terminal' : ' (charts and the track appear on a terminal)'}`);
  const shownActivity = await must(['activities', 'show', outdoor.activity_id], { env: cliEnv, liveStdout: live });
  if (!live) show(shownActivity.out);
  const detail = JSON.parse((await must(['activities', 'show', outdoor.activity_id, '-o', 'json'], { env: cliEnv })).out);
  if (detail.decode_error !== null || !(detail.record_count > 0)) throw new DemoError(`activity ${outdoor.activity_id} was not decoded: ${detail.decode_error}`);
  ok(`decoded: ${detail.record_count} records (${detail.record_fields.join(', ')}), ${detail.laps.length} laps, sport ${detail.sport}`);

  const exportIds = tracked.slice(0, 3);
  const gpxDir = join(tmp, 'gpx');
  step(`fitsync activities export ${exportIds.join(' ')} --format gpx --dir ${gpxDir}`);
  const exported = await must(['activities', 'export', ...exportIds, '--format', 'gpx', '--dir', gpxDir], { env: cliEnv });
  show(`${exported.out}${exported.err}`.trimEnd());
  for (const id of exportIds) {
    const text = readFileSync(join(gpxDir, `${id}.gpx`), 'utf8');
    const points = (text.match(/<trkpt /g) ?? []).length;
    if (!/<gpx[^>]* version="1\.1"/.test(text) || points === 0) throw new DemoError(`${id}.gpx is not a GPX 1.1 track`);
  }
  const again = await fitsync(['activities', 'export', ...exportIds, '--format', 'gpx', '--dir', gpxDir], { env: cliEnv });
  if (again.code !== 2 || !again.err.includes('--force')) throw new DemoError(`a second export did not refuse to overwrite (exit ${again.code})`);
  ok(`${exportIds.length} GPX 1.1 files with their track points; exporting again refuses to overwrite them without --force`);

  step('fitsync activities gear, then fitsync activities records — synced with the activities');
  show((await must(['activities', 'gear'], { env: cliEnv })).out);
  show((await must(['activities', 'records'], { env: cliEnv })).out);
  const gear = JSON.parse((await must(['activities', 'gear', '-o', 'json'], { env: cliEnv })).out).gear;
  const prs = JSON.parse((await must(['activities', 'records', '-o', 'json'], { env: cliEnv })).out).records;
  if (JSON.stringify(gear) !== JSON.stringify(truth.gear) || JSON.stringify(prs) !== JSON.stringify(truth.personal_records)) {
    throw new DemoError('gear or personal records differ from the sim’s truth');
  }
  ok(`${gear.length} ${gear.length === 1 ? 'piece' : 'pieces'} of gear and ${prs.length} personal records match Garmin's`);

  step('fitsync health days — every daily metric Garmin keeps (a few columns of the last week here)');
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  show((await must(['health', 'days', '--since', weekAgo, '--fields', 'date,steps,resting_hr,sleep_s,sleep_score,hrv_nightly_avg_ms,body_battery_high'], { env: cliEnv })).out);
  const days = JSON.parse((await must(['health', 'days', '-o', 'json'], { env: cliEnv })).out).days;
  const truthDays = truth.health_days;
  const fieldsOf = (d) => JSON.stringify(Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'series_points')));
  if (days.length !== truthDays.length || days.some((d, i) => fieldsOf(d) !== fieldsOf(truthDays[i]))) {
    throw new DemoError(`the server holds ${days.length} health days; Garmin has ${truthDays.length} (or a field differs)`);
  }
  ok(`all ${days.length} days match Garmin's, field by field (${Object.keys(days[0] ?? {}).length - 1} fields a day)`);

  // On a terminal these draw charts (heart rate, stress / body battery, a sleep-stage strip; a
  // trend line); piped, they print numbers and rows.
  step(`fitsync health show — one day${live ? ', with charts drawn to fit this terminal' : ' (charts appear on a terminal)'}`);
  const shown = await must(['health', 'show'], { env: cliEnv, liveStdout: live });
  if (!live) show(shown.out);
  step(`fitsync health trend resting_hr${live ? ' — a daily field over time, as a chart' : ' (a chart on a terminal; rows when piped)'}`);
  const trend = await must(['health', 'trend', 'resting_hr', '--since', new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)], { env: cliEnv, liveStdout: live });
  if (!live) show(trend.out.split('\n').slice(0, 8).join('\n'));
  const series = JSON.parse((await must(['health', 'series', 'heart_rate', '-o', 'json'], { env: cliEnv })).out);
  ok(`fitsync health series heart_rate: ${series.points.length} readings on ${series.date} (intraday series: heart rate, stress, body battery, respiration, SpO2, steps, sleep stages)`);

  step('Always current: fitsync garmin status, then fitsync sync schedule show — linking gave the account a schedule');
  show((await must(['garmin', 'status'], { env: cliEnv })).out);
  show((await must(['sync', 'schedule', 'show'], { env: cliEnv })).out);
  step('fitsync sync schedule set --every 15s — the demo server allows 15 s; each run first asks Garmin whether anything changed');
  await must(['sync', 'schedule', 'set', '--every', '15s'], { env: cliEnv });
  const scheduled = await waitForScheduledJobs(cliEnv, 2);
  for (const j of scheduled) {
    const n = ['activities', 'health', 'workouts'].reduce((sum, k) => sum + j.counts[k].new + j.counts[k].updated, 0);
    note(`scheduled job ${j.job_id}: ${j.status}, ${n} new or updated${j.message ? ` — ${j.message}` : ''}`);
  }
  if (!scheduled.every((j) => j.status === 'completed' && j.trigger === 'schedule')) throw new DemoError('a scheduled run did not complete');
  if (!scheduled[1].message) throw new DemoError('the second scheduled run fetched again though nothing changed at Garmin');
  await must(['sync', 'schedule', 'off'], { env: cliEnv });
  ok('two scheduled runs completed (the second found nothing new at Garmin); fitsync sync schedule off');
  const completion = await must(['completion', 'bash'], { env: cliEnv });
  ok(`fitsync completion bash|zsh|fish: ${completion.out.split('\n').length} lines of bash; install with source <(fitsync completion bash)`);

  await importDemo(sim, server, serverEnv, dataDir);
  await operationsDemo(server, serverEnv, dataDir);
  await webDemo(server, password, pending.secret, confirmedAt);

  console.log(`\n${paint('32;1', `Demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`)}`);
}

/**
 * Garmin's data export: another Garmin account with three years of history, its "Export your data"
 * zip downloaded from the sim, imported by a FitSync user who never linked Garmin.
 */
async function importDemo(sim, server, serverEnv, dataDir) {
  step("Importing Garmin's data export — three years of another account, without one Garmin call");
  const email = 'demo.history@example.com';
  await http('POST', `${sim.url}/__sim/users`, { email, password: `garmin-${randomBytes(9).toString('base64url')}`, activities: 150, days: 1095, workouts: 5 });
  const zip = join(tmp, 'garmin-export.zip');
  const bytes = await download(`${sim.url}/__sim/users/${encodeURIComponent(email)}/export.zip`, zip);
  ok(`${email}: its export.zip, ${(bytes / 1e6).toFixed(1)} MB in Garmin's layout (summaries in export units, FIT files in nested zips, daily files in 100-day chunks)`);
  const password = `hist-${randomBytes(9).toString('base64url')}`;
  const add = spawnSync(process.execPath, [BIN.server, 'user', 'add', 'historian', '--password-stdin', '--data-dir', dataDir], {
    input: `${password}\n`,
    env: serverEnv,
    encoding: 'utf8',
  });
  if (add.status !== 0) throw new DemoError(`user add failed: ${add.stderr}`);
  const opts = { env: { FITSYNC_SERVER: server.url }, configDir: join(tmp, 'config-historian') };
  await must(['auth', 'login', '--username', 'historian', '--password-stdin'], { ...opts, input: `${password}\n` });
  note('a second FitSync user, "historian", signed in; it never links Garmin');
  const started = Date.now();
  const run = await must(['import', 'garmin-export', zip, '--wait'], opts);
  show(run.out);
  const [job] = JSON.parse((await must(['sync', 'list', '--limit', '1', '-o', 'json'], opts)).out).jobs;
  if (job?.sync_type !== 'import' || job.status !== 'completed') throw new DemoError(`the import job did not complete: ${JSON.stringify(job)}`);
  ok(`import job ${job.job_id} completed in ${((Date.now() - started) / 1000).toFixed(1)} s (upload included): ${job.message}`);
  const truth = await http('GET', `${sim.url}/__sim/users/${encodeURIComponent(email)}/truth`);
  const list = JSON.parse((await must(['activities', 'list', '--limit', '1000', '-o', 'json'], opts)).out).activities;
  const key = (a) => `${a.activity_id}:${a.fit_sha256}`;
  const want = new Set(truth.activities.map(key));
  const dayList = JSON.parse((await must(['health', 'days', '--since', truth.days.at(-1), '-o', 'json'], opts)).out).days;
  if (list.length !== truth.activities.length || !list.every((a) => want.has(key(a))) || dayList.length !== truth.days.length) {
    throw new DemoError(`imported ${list.length} activities and ${dayList.length} days; the sim holds ${truth.activities.length} and ${truth.days.length}`);
  }
  ok(`all ${list.length} activity ids with their FIT sha256, and all ${dayList.length} days with data, match the sim's truth`);
}

/**
 * Running it for many users: a consistent backup of the SQLite database taken while the server
 * runs (and read back), and what /metrics says about the queue, the sync's phases and Garmin calls.
 */
async function operationsDemo(server, serverEnv, dataDir) {
  step('Operations: fitsync-server backup FILE while the server runs, then GET /metrics');
  const file = join(tmp, 'fitsync-backup.db');
  const backup = spawnSync(process.execPath, [BIN.server, 'backup', file, '--data-dir', dataDir], { env: serverEnv, encoding: 'utf8' });
  if (backup.status !== 0) throw new DemoError(`backup failed: ${backup.stderr}`);
  show(backup.stdout);
  // Restore is starting on the copy; here the admin CLI reads it the way a server would.
  const users = spawnSync(process.execPath, [BIN.server, 'user', 'list', '--data-dir', dataDir], {
    env: { ...serverEnv, FITSYNC_DATABASE_URL: file },
    encoding: 'utf8',
  });
  if (users.status !== 0 || !/\bdemo\b/.test(users.stdout) || !/\bhistorian\b/.test(users.stdout)) {
    throw new DemoError(`the backup does not hold both users: ${users.stdout}${users.stderr}`);
  }
  ok('the copy opens as a database of its own and holds both users (restore = start on it)');
  const metrics = await getText(`${server.url}/metrics`);
  const lines = metrics.split('\n');
  const pick = (prefix, n) =>
    lines
      .filter((l) => l.startsWith(prefix))
      .sort((x, y) => Number(y.split(' ').at(-1)) - Number(x.split(' ').at(-1)))
      .slice(0, n);
  const shown = [
    ...pick('fitsync_sync_queue_depth', 2),
    ...pick('fitsync_garmin_requests_total', 3),
    ...pick('fitsync_sync_phase_seconds_count', 3),
  ];
  if (shown.length < 5) throw new DemoError('/metrics lacks the queue, Garmin call or phase series');
  show(shown.join('\n'));
  note('also there: fitsync_sync_phase_seconds buckets, fitsync_purged_rows_total, fitsync_blob_gc_removed_total (docs/operations.md)');
}

/**
 * The web app at / (what a browser gets: CSP, compressed cacheable assets), then `fitsync auth login
 * --web` on a "second machine": the CLI shows a code, the demo plays the browser (sign in with
 * password + TOTP through /v1/web/session, approve at /v1/auth/device/approve with the cookie and
 * its CSRF token), and the CLI says "Signed in".
 */
async function webDemo(server, password, totpSecret, confirmedAt) {
  step(`The web app: open ${server.url}/ in a browser (sync live, activities with track and charts, health trends)`);
  const page = await web('GET', `${server.url}/sync`);
  if (page.status !== 200 || !/<script type="module"/.test(page.text)) throw new DemoError(`GET /sync answered ${page.status}`);
  note(`Content-Security-Policy: ${page.headers['content-security-policy']}`);
  // What /sync loads: the entry script and stylesheet, their static imports, and the Sync page's chunk.
  const queue = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const seen = new Set();
  let gz = 0;
  let cache = '';
  while (queue.length > 0) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    const asset = await web('GET', `${server.url}${path}`, undefined, { 'accept-encoding': 'gzip' });
    if (asset.status !== 200 || asset.headers['content-encoding'] !== 'gzip') throw new DemoError(`${path} was not served gzip-compressed`);
    gz += asset.bytes;
    cache = asset.headers['cache-control'];
    if (!path.endsWith('.js')) continue;
    const source = (await web('GET', `${server.url}${path}`)).text;
    for (const m of source.matchAll(/(?:from\s*|import\s*)"\.\/([\w-]+\.js)"|import\("\.\/(sync-[\w-]+\.js)"\)/g)) queue.push(`/assets/${m[1] ?? m[2]}`);
  }
  ok(`the sync page loads ${seen.size} files, ${(gz / 1024).toFixed(1)} KB gzip in all (${cache}); built at install, nothing built at run time`);

  step('fitsync auth login --web on a second machine — the browser approves it (RFC 8628 device login)');
  const cli = spawn(process.execPath, [BIN.cli, '--config-dir', join(tmp, 'laptop'), 'auth', 'login', '--web', '--no-browser'], {
    env: { PATH: process.env.PATH, HOME: tmp, NO_COLOR: '1', FITSYNC_SERVER: server.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(cli);
  let cliErr = '';
  const userCode = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new DemoError(`auth login --web showed no code:\n${cliErr}`)), STEP_TIMEOUT_MS);
    cli.stderr.on('data', (c) => {
      cliErr += c;
      const m = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(cliErr);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    cli.once('exit', (code) => reject(new DemoError(`auth login --web exited ${code}:\n${cliErr}`)));
  });
  show(cliErr.split('\n').filter((l) => /code|open/i.test(l)).join('\n'));
  const exited = new Promise((resolve) => cli.once('close', (code) => resolve(code)));
  // The browser: password, then the TOTP of a time step no earlier sign-in used.
  const first = await web('POST', `${server.url}/v1/web/session`, { username: 'demo', password });
  if (first.json?.status !== 'mfa_required') throw new DemoError(`web sign-in answered ${first.status}: ${first.text.slice(0, 200)}`);
  const code = totp(totpSecret, Math.max(Date.now(), confirmedAt + 60_000));
  const signedIn = await web('POST', `${server.url}/v1/web/session/mfa`, { challenge_id: first.json.challenge_id, code });
  const cookie = String(signedIn.headers['set-cookie'] ?? '').split(';')[0];
  if (signedIn.status !== 200 || !cookie.startsWith('fitsync_session=')) throw new DemoError(`web MFA answered ${signedIn.status}: ${signedIn.text.slice(0, 200)}`);
  note(`browser signed in: cookie ${String(signedIn.headers['set-cookie']).replace(/=[^;]+/, '=…')}`);
  const auth = { cookie, 'x-csrf-token': signedIn.json.csrf_token };
  const refused = await web('POST', `${server.url}/v1/auth/device/approve`, { user_code: userCode, action: 'approve' }, { cookie });
  if (refused.status !== 403 || refused.json?.code !== 'csrf_failed') throw new DemoError(`an approval without the CSRF token answered ${refused.status}`);
  ok('an approval without the page\'s CSRF token is refused (403 csrf_failed)');
  const approved = await web('POST', `${server.url}/v1/auth/device/approve`, { user_code: userCode, action: 'approve' }, auth);
  if (approved.json?.status !== 'approved') throw new DemoError(`the approval answered ${approved.status}: ${approved.text.slice(0, 200)}`);
  const exitCode = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
  if (exitCode !== 0 || !/Signed in as demo/.test(cliErr)) throw new DemoError(`auth login --web ended ${exitCode}:\n${cliErr}`);
  show(cliErr.split('\n').filter((l) => l.startsWith('Signed in')).join('\n'));
  ok('approved in the browser; the CLI polled, stored its own session and signed in');
}

/** One request with headers and body kept (for the web step): status, headers, text, JSON, bytes on the wire. */
function web(method, url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = res.headers['content-encoding'] ? '' : raw.toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, bytes: raw.length });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new DemoError(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A GET's body as text (for /metrics). */
function getText(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => ((res.statusCode ?? 0) === 200 ? resolve(text) : reject(new DemoError(`GET ${url} answered ${res.statusCode}`))));
    });
    req.setTimeout(10_000, () => req.destroy(new DemoError(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Streams a GET to a file; resolves with the bytes written. */
function download(url, file) {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new DemoError(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      const out = createWriteStream(file);
      res.pipe(out);
      out.on('finish', () => resolve(out.bytesWritten));
      out.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Waits (at most 90 s) until `count` jobs started by the schedule have ended; oldest first. */
async function waitForScheduledJobs(cliEnv, count) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { jobs } = JSON.parse((await must(['sync', 'list', '--limit', '10', '-o', 'json'], { env: cliEnv })).out);
    const ended = jobs.filter((j) => j.trigger === 'schedule' && !['pending', 'running'].includes(j.status));
    if (ended.length >= count) return ended.slice(0, count).reverse();
    if (Date.now() > deadline) throw new DemoError(`only ${ended.length} of ${count} scheduled runs ended within 90 s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await stopAll();
  process.exit(code);
}
process.on('SIGINT', () => {
  console.error('\ninterrupted; stopping everything');
  void shutdown(130);
});
process.on('SIGTERM', () => void shutdown(143));

try {
  await demo();
  await shutdown(0);
} catch (err) {
  // After Ctrl-C the killed children make the current step fail: that is not news.
  if (!stopping) console.error(`\n${paint('31', 'demo failed:')} ${err instanceof DemoError ? err.message : (err?.stack ?? err)}`);
  await shutdown(1);
}
