import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { argon2Hasher } from '../src/crypto/password-hasher.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';

const CHROMIUM = process.env.FITSYNC_TEST_CHROMIUM ?? '/usr/bin/chromium';
const cheap = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

// A page whose module script (the only script, from /assets/, as the CSP allows) plays the web
// app's part: sign in, use the cookie, try a state change without and with the CSRF token, sign out.
// It writes what it saw into the page, which Chromium dumps.
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1.js"></script></head><body><pre id="out">loading</pre><div id="styled" style="color: rgb(255, 0, 0)">x</div><script>document.title = "inline ran"</script></body></html>';
const APP = `
const out = [];
const post = (u, b, h = {}) => fetch(u, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: JSON.stringify(b) });
try {
  const signIn = await (await post('/v1/web/session', { username: 'ann', password: 'correct horse' })).json();
  out.push('signin=' + signIn.status, 'script-sees-cookie=' + document.cookie.includes('fitsync_session'));
  out.push('me=' + (await fetch('/v1/me')).status);
  out.push('without-csrf=' + (await post('/v1/sync/jobs', { sync_type: 'all' })).status);
  out.push('with-csrf=' + (await post('/v1/sync/jobs', { sync_type: 'all' }, { 'x-csrf-token': signIn.csrf_token })).status);
  out.push('sign-out=' + (await fetch('/v1/web/session', { method: 'DELETE', headers: { 'x-csrf-token': signIn.csrf_token } })).status);
  out.push('me-after=' + (await fetch('/v1/me')).status);
  out.push('inline-style-applied=' + (getComputedStyle(document.getElementById('styled')).color === 'rgb(255, 0, 0)'));
  out.push('inline-script-ran=' + (document.title === 'inline ran'));
} catch (err) {
  out.push('error=' + err);
}
document.getElementById('out').textContent = out.join(' ');
`;

/** Loads `url` in headless Chromium (its own profile) and returns what the page wrote. */
async function runPage(url: string, profile: string): Promise<string> {
  // Asynchronous: the server answering the page runs in this very process.
  const { stdout } = await promisify(execFile)(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--ignore-certificate-errors', `--user-data-dir=${profile}`, '--virtual-time-budget=10000', '--dump-dom', url],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return /<pre id="out">(.*?)<\/pre>/s.exec(stdout)?.[1] ?? `no output: ${stdout.slice(0, 300)}`;
}

const EXPECTED =
  'signin=authenticated script-sees-cookie=false me=200 without-csrf=403 with-csrf=409 sign-out=204 me-after=401 inline-style-applied=false inline-script-ran=false';

describe('a real browser with the session cookie and the CSP', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let root: string;
  const servers: TestServer[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fitsync-web-browser-'));
    mkdirSync(join(root, 'web', 'assets'), { recursive: true });
    writeFileSync(join(root, 'web', 'index.html'), INDEX);
    writeFileSync(join(root, 'web', 'assets', 'app-1.js'), APP);
  });
  after(async () => {
    for (const s of servers) await s.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('over HTTP: the cookie is kept and sent but unreadable by scripts; CSRF, sign-out and the CSP hold', async () => {
    const s = await startTestServer({ hasher: cheap, env: { FITSYNC_WORKERS: '0', FITSYNC_WEB_DIR: join(root, 'web') } });
    servers.push(s);
    await createUser(s.db, 'ann', 'correct horse', { hasher: cheap });
    assert.equal(await runPage(`${s.url}/sync`, join(root, 'profile-http')), EXPECTED);
  });

  test('over HTTPS: the same with the __Host- cookie', async (t) => {
    const cert = join(root, 'cert.pem');
    const key = join(root, 'key.pem');
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1']);
    if (gen.status !== 0) return t.skip('openssl is not installed');
    const s = await startTestServer({
      hasher: cheap,
      env: { FITSYNC_WORKERS: '0', FITSYNC_WEB_DIR: join(root, 'web'), FITSYNC_TLS_CERT: cert, FITSYNC_TLS_KEY: key },
    });
    servers.push(s);
    await createUser(s.db, 'ann', 'correct horse', { hasher: cheap });
    assert.equal(await runPage(`${s.url}/sync`, join(root, 'profile-https')), EXPECTED);
  });
});
