// Writes V8's code cache for a freshly built CLI bundle (see packages/cli/bin/load-bundle.js):
// loads the bundle the way the bin does, runs the everyday commands against a stub server on
// 127.0.0.1:0 in this process, so the functions they use are compiled, then saves the cache.
// Run by scripts/build.mjs as `node scripts/cli-code-cache.mjs <dist dir>`; the password for
// `auth login --password-stdin` comes on stdin. The cache only speeds the start, so a command that
// fails here (the contract changed and the stub below did not follow) is a warning, not a failed
// build: the cache then lacks that command's code, and `npm run bench` shows it.
import { renameSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.argv[2];
const { loadBundle } = createRequire(import.meta.url)('../packages/cli/bin/load-bundle.js');

const now = new Date().toISOString();
const counts = { new: 1, updated: 0, unchanged: 2 };
const job = {
  job_id: '0123456789abcdef0123456789abcdef', user_id: 'u1', status: 'completed', sync_type: 'all', progress: 100,
  total_items: 3, processed_items: 3, since: null, until: null, full: false, created_at: now, start_time: now,
  end_time: now, error_message: null, trigger: 'manual', message: null, counts: { activities: counts, health: counts, workouts: counts },
};
const user = { user_id: 'u1', username: 'train', mfa_enabled: false, created_at: now };
const activity = {
  activity_id: '1', name: 'Run', activity_type: 'running', start_time: now, duration_s: 60, distance_m: 100, calories: 10, avg_hr: 120, fit_sha256: null, decode_error: null,
};
const ANSWERS = {
  'POST /v1/auth/login': {
    status: 'authenticated', access_token: 'a.b.c', token_type: 'Bearer', expires_in: 900, refresh_token: 'r', refresh_expires_in: 604800,
    session_id: 's1', mfa_verified: false, user,
  },
  [`GET /v1/sync/jobs/${job.job_id}`]: job,
  'GET /v1/sync/jobs/latest': job,
  'GET /v1/sync/jobs?limit=20': { jobs: [job], next_cursor: null },
  'GET /v1/me': { ...user, garmin_status: 'connected', garmin_reauth_required_at: null },
  'GET /v1/activities?limit=50': { activities: [activity], next_cursor: null },
  'GET /v1/garmin/connection': { status: 'connected', display_name: 'Train', connected_at: now, reauth_required_at: null, time_zone: null, signin_blocked_until: null },
};
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = ANSWERS[`${req.method} ${req.url}`];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' }));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const home = mkdtempSync(join(tmpdir(), 'fitsync-code-cache-'));
Object.assign(process.env, { HOME: home, FITSYNC_CONFIG_DIR: home, FITSYNC_SERVER: `http://127.0.0.1:${server.address().port}`, NO_COLOR: '1' });
for (const k of ['FITSYNC_PROFILE', 'FITSYNC_OUTPUT', 'FITSYNC_DEBUG', 'XDG_CONFIG_HOME']) delete process.env[k];
try {
  const { exports, script, cachePath } = loadBundle({ dist, useCache: false });
  if (!cachePath) throw new Error('the bundle carries no build id');
  for (const argv of [
    ['auth', 'login', '--username', 'train', '--password-stdin'],
    ['sync', 'status', job.job_id],
    ['sync', 'status'],
    ['sync', 'list'],
    ['auth', 'status'],
    ['activities', 'list'],
    ['garmin', 'status'],
    ['sync', 'status', '--help'],
  ]) {
    const code = await exports.main(argv);
    if (code !== 0) console.error(`warning: code cache: fitsync ${argv.join(' ')} exited ${code} against the training stub (update scripts/cli-code-cache.mjs)`);
  }
  const tmp = `${cachePath}.${process.pid}`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, cachePath);
} finally {
  server.close();
  rmSync(home, { recursive: true, force: true });
}
