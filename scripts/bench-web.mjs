// Web app benchmark (`node scripts/bench-web.mjs`, also run by `npm run bench`; needs the built
// bundles and a chromium at /usr/bin/chromium or FITSYNC_CHROMIUM; issue 14). Against the built
// fitsync-server and garmin-sim, in headless chromium driven by playwright-core:
// (a) JavaScript shipped: every script the browser loaded for the first page (/sign-in, a fresh
//     visitor) and for the sync page (/sync, signed in), each fetched again with
//     `Accept-Encoding: gzip` and its transferred bytes counted; target <= 100 KB each.
// (b) First meaningful paint of /sync (signed in, a few finished jobs in its history): the Element
//     Timing entry `sync-ready` (the page puts elementtiming="sync-ready" on the history table's
//     caption once the data is there), its renderTime from a buffered PerformanceObserver, median
//     of N fresh navigations (a new browser context each: cold cache, the session cookie copied
//     in), interleaved with the same number of a floor: a static page of the same look
//     (`floor.html`: the app's stylesheet, the nav, the h1, the same caption with the same
//     attribute, no script) served by the SAME server from its web dir (FITSYNC_WEB_DIR: a temp
//     copy of packages/server/dist/web plus floor.html). Prints both, the first contentful paint
//     of both, and the ratio floor/page (a ratio, not a verdict on absolute times).
// FITSYNC_BENCH_WEB_RUNS (10) sets N. Prints PASS/MISS/INFO lines and a JSON line; exits non-zero
// only on errors (a missing chromium prints a SKIP line).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { json } from './bench/http-json.mjs';
import { median } from './bench/timing.mjs';
import { cleanEnv, runBin, SIM_BIN, spawnUrl, stop, waitJob } from './bench-sync.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const SERVER_BIN = join(root, 'packages/server/bin/fitsync-server.js');
const WEB_DIST = join(root, 'packages/server/dist/web');
const CHROMIUM = process.env.FITSYNC_CHROMIUM ?? '/usr/bin/chromium';
const BUDGET_BYTES = 100 * 1024;
const USER = 'webbench';
const PASSWORD = 'web bench pass phrase';

/** Bytes on the wire of `url` asked for with `Accept-Encoding: gzip` (node:http does not decode). */
function gzipBytes(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (c) => {
        n += c.length;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ bytes: n, encoding: res.headers['content-encoding'] ?? 'identity' }) : reject(new Error(`${url} → ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

/** The static floor: the app's own stylesheet and landmarks, the history caption painted with no script at all. */
function floorHtml(indexHtml) {
  const css = /<link[^>]+rel="stylesheet"[^>]*>/.exec(indexHtml)?.[0] ?? '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sync · FitSync</title>${css}</head>
<body>
<header><nav aria-label="Main"><a href="/sync">Sync</a> <a href="/activities">Activities</a> <a href="/health">Health</a> <a href="/settings">Settings</a> <button type="button">Sign out</button></nav></header>
<main>
<h1>Sync</h1>
<table><caption elementtiming="sync-ready">Sync history</caption>
<thead><tr><th>Started</th><th>Type</th><th>Status</th><th>Items</th><th>Duration</th></tr></thead>
<tbody><tr><td>today</td><td>all</td><td>completed</td><td>10</td><td>0:00:02</td></tr></tbody></table>
</main>
</body>
</html>
`;
}

/** Scripts a fresh navigation to `path` loads (until `ready` resolves), with their gzip bytes. */
async function scriptsShipped(browser, base, path, storageState, ready) {
  const context = await browser.newContext({ storageState });
  const page = await context.newPage();
  const urls = new Set();
  page.on('request', (r) => {
    if (r.resourceType() === 'script') urls.add(r.url());
  });
  await page.goto(`${base}${path}`);
  await ready(page);
  // Lazily imported chunks the page asked for while settling count too.
  await page.waitForLoadState('networkidle');
  await context.close();
  const files = [];
  for (const u of urls) files.push({ url: new URL(u).pathname, ...(await gzipBytes(u)) });
  return { files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
}

/** One fresh navigation: the `sync-ready` element's renderTime and the first contentful paint (ms since navigation start). */
async function paintTimes(browser, url, storageState) {
  const context = await browser.newContext({ storageState });
  const page = await context.newPage();
  await page.goto(url);
  const times = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no sync-ready element timing within 30 s')), 30_000);
        const out = { ready: null, fcp: null };
        const done = () => {
          if (out.ready !== null && out.fcp !== null) {
            clearTimeout(t);
            resolve(out);
          }
        };
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.identifier === 'sync-ready' && out.ready === null) out.ready = e.renderTime || e.loadTime;
          }
          done();
        }).observe({ type: 'element', buffered: true });
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') out.fcp = e.startTime;
          done();
        }).observe({ type: 'paint', buffered: true });
      }),
  );
  await context.close();
  return times;
}

/** Signs `USER` in through the page itself; returns the browser's storage state (the session cookie). */
async function signedInState(browser, base) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Username', { exact: true }).fill(USER);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Sync', exact: true }).waitFor({ timeout: 30_000 });
  const state = await context.storageState();
  await context.close();
  if (!state.cookies.some((c) => c.name.endsWith('fitsync_session'))) throw new Error('signing in set no session cookie');
  return state;
}

export async function benchWeb({ runs = 10 } = {}) {
  if (!existsSync(CHROMIUM)) {
    process.stdout.write(`SKIP  web app: no browser at ${CHROMIUM} (apt-get install chromium, or set FITSYNC_CHROMIUM)\n`);
    return;
  }
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error(`${WEB_DIST} is not built (npm run build)`);
  const { chromium } = await import('playwright-core');
  const tmp = mkdtempSync(join(tmpdir(), 'fitsync-bench-web-'));
  const children = [];
  let browser;
  try {
    const webDir = join(tmp, 'web');
    cpSync(WEB_DIST, webDir, { recursive: true });
    writeFileSync(join(webDir, 'floor.html'), floorHtml(readFileSync(join(webDir, 'index.html'), 'utf8')));

    const sim = await spawnUrl(SIM_BIN, ['--port', '0', '--seed', 'bench-web'], cleanEnv());
    children.push(sim.child);
    const dataDir = join(tmp, 'data');
    const env = cleanEnv({
      FITSYNC_DATA_DIR: dataDir,
      FITSYNC_WEB_DIR: webDir,
      FITSYNC_GARMIN_SSO_URL: sim.url,
      FITSYNC_GARMIN_API_URL: sim.url,
      FITSYNC_GARMIN_DIAUTH_URL: sim.url,
      FITSYNC_GARMIN_RPS: '0',
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    });
    const srv = await spawnUrl(SERVER_BIN, ['start', '--port', '0'], env);
    children.push(srv.child);

    // A user whose sync history has a few finished jobs, made through the API.
    await runBin(['user', 'add', USER, '--password-stdin'], env, PASSWORD);
    const token = (await json('POST', `${srv.url}/v1/auth/login`, { body: { username: USER, password: PASSWORD } })).body.access_token;
    await json('POST', `${sim.url}/__sim/users`, { body: { email: 'webbench@example.com', password: 'garmin-pw', mfa: null, activities: 5, days: 7, workouts: 1 } });
    await json('PUT', `${srv.url}/v1/garmin/connection`, { token, body: { email: 'webbench@example.com', password: 'garmin-pw' } });
    for (const syncType of ['all', 'activities', 'health']) {
      const job = await json('POST', `${srv.url}/v1/sync/jobs`, { token, body: { sync_type: syncType } });
      await waitJob(srv.url, token, job.body.job_id, 100, 5 * 60_000);
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const state = await signedInState(browser, srv.url);
    const fresh = { cookies: [], origins: [] };

    const first = await scriptsShipped(browser, srv.url, '/sign-in', fresh, (p) => p.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: 30_000 }));
    const sync = await scriptsShipped(browser, srv.url, '/sync', state, (p) => p.getByRole('table', { name: 'Sync history' }).waitFor({ timeout: 30_000 }));
    const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
    const list = (r) => r.files.map((f) => `${f.url} ${kb(f.bytes)}${f.encoding === 'gzip' ? '' : ` (${f.encoding}!)`}`).join(', ');
    for (const [label, r] of [
      ['first page (/sign-in, fresh visitor)', first],
      ['sync page (/sync, signed in)', sync],
    ]) {
      process.stdout.write(`${r.bytes <= BUDGET_BYTES ? 'PASS' : 'MISS'}  web JavaScript shipped, ${label}: ${kb(r.bytes)} gzip in ${r.files.length} scripts (target <= ${kb(BUDGET_BYTES)}): ${list(r)}\n`);
    }

    // Interleaved, so load on the shared machine hits both alike; one warm-up of each first.
    await paintTimes(browser, `${srv.url}/sync`, state);
    await paintTimes(browser, `${srv.url}/floor.html`, state);
    const page = [];
    const floor = [];
    for (let i = 0; i < runs; i++) {
      floor.push(await paintTimes(browser, `${srv.url}/floor.html`, state));
      page.push(await paintTimes(browser, `${srv.url}/sync`, state));
    }
    const med = (xs, k) => median(xs.map((x) => x[k]));
    const results = {
      js_first_page_gzip_bytes: first.bytes,
      js_sync_page_gzip_bytes: sync.bytes,
      sync_ready_ms: med(page, 'ready'),
      floor_ready_ms: med(floor, 'ready'),
      sync_fcp_ms: med(page, 'fcp'),
      floor_fcp_ms: med(floor, 'fcp'),
      runs,
    };
    const ratio = results.floor_ready_ms / results.sync_ready_ms;
    process.stdout.write(
      `INFO  web /sync first meaningful paint (element timing "sync-ready", median of ${runs} fresh navigations, cold cache): page ${results.sync_ready_ms.toFixed(0)} ms, static floor ${results.floor_ready_ms.toFixed(0)} ms, ratio floor/page ${ratio.toFixed(2)}; first contentful paint: page ${results.sync_fcp_ms.toFixed(0)} ms, floor ${results.floor_fcp_ms.toFixed(0)} ms\n`,
    );
    process.stdout.write(`${JSON.stringify({ bench: 'web', ...results, ratio_floor_page: Number(ratio.toFixed(3)) })}\n`);
  } finally {
    await browser?.close();
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchWeb({ runs: Number(process.env.FITSYNC_BENCH_WEB_RUNS ?? 10) });
}
