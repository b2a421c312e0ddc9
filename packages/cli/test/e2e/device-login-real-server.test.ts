import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PtySession } from '../helpers/pty.js';
import { bundlesReady, httpJson, RealServer, runCli, tempDir } from '../helpers/real-server.js';

/** POST (or GET without a body) with a bearer token: what the /device page does for the signed-in user. */
function postAuthed(url: string, token: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) };
    const req = request(url, { method: payload ? 'POST' : 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Waits (bounded) until `file` exists and holds something; returns its text. */
async function waitForFile(file: string, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (text !== '') return text;
    }
    if (Date.now() > deadline) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Black-box: the built CLI against the real fitsync-server binary, approved over the API.
describe('auth login --web against the real server', () => {
  const server = new RealServer({ FITSYNC_DEVICE_POLL_INTERVAL: '1s' });
  const short = new RealServer({ FITSYNC_DEVICE_POLL_INTERVAL: '1s', FITSYNC_DEVICE_CODE_TTL: '2s' });
  const dirs: string[] = [];
  const ptys: PtySession[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  let bearer = '';
  let recorder = '';

  before(async () => {
    await Promise.all([server.start(), short.start()]);
    await server.addUser('webby', 'webby-password-1');
    const login = await httpJson('POST', `${server.url}/v1/auth/login`, { username: 'webby', password: 'webby-password-1' });
    assert.equal(login.status, 200, login.text);
    bearer = (login.json as { access_token: string }).access_token;
    // A "browser" that writes down the address it was given.
    recorder = join(dir(), 'record-url.mjs');
    writeFileSync(recorder, "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], process.argv.at(-1));\n");
  });
  after(async () => {
    for (const p of ptys) p.kill();
    await Promise.all([server.dispose(), short.dispose()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const browser = (file: string) => `${process.execPath} ${recorder} ${file}`;
  const userCodeOf = (url: string) => {
    const m = /[?&]user_code=([A-Z]{4}-[A-Z]{4})$/.exec(url);
    assert.ok(m, `no user code in ${url}`);
    return m[1] as string;
  };

  test('the browser gets the address with the code; approved over the API: signed in, auth status works', async () => {
    const d = dir();
    const urlFile = join(d, 'opened-url');
    const cli = runCli(['auth', 'login', '--web', '--server', server.url], { configDir: d, env: { BROWSER: browser(urlFile) } });
    const opened = await waitForFile(urlFile);
    assert.match(opened, new RegExp(`^${server.url}/device\\?user_code=[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`));
    const userCode = userCodeOf(opened);
    const ok = await postAuthed(`${server.url}/v1/auth/device/approve`, bearer, { user_code: userCode.toLowerCase(), action: 'approve' });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const r = await cli;
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`open ${server.url}/device and enter the code ${userCode}`));
    assert.match(r.err, new RegExp(`Signed in as webby to ${server.url}`));
    assert.equal(r.out, '');
    const status = await runCli(['auth', 'status', '-o', 'json'], { configDir: d });
    assert.equal(status.code, 0, status.err);
    const doc = JSON.parse(status.out) as { username: string; server: string; session_id: string };
    assert.equal(doc.username, 'webby');
    assert.equal(doc.server, server.url);
    // A session of its own: signing this one out leaves the approving one alone.
    assert.equal((await runCli(['auth', 'logout'], { configDir: d })).code, 0);
    const me = await postAuthed(`${server.url}/v1/me`, bearer);
    assert.equal(me.status, 200, 'the approving session still works');
  });

  test('denied in the browser: exit 3 "denied", nothing stored', async () => {
    const d = dir();
    const urlFile = join(d, 'opened-url');
    const cli = runCli(['auth', 'login', '--web', '--server', server.url], { configDir: d, env: { BROWSER: browser(urlFile) } });
    const userCode = userCodeOf(await waitForFile(urlFile));
    const no = await postAuthed(`${server.url}/v1/auth/device/approve`, bearer, { user_code: userCode, action: 'deny' });
    assert.deepEqual(no.json, { status: 'denied' });
    const r = await cli;
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /The sign-in request was denied/);
    assert.equal(existsSync(join(d, 'credentials.toml')), false);
  });

  test('expired before approval: exit 3; --no-browser opens nothing', async () => {
    const d = dir();
    const urlFile = join(d, 'opened-url');
    const r = await runCli(['auth', 'login', '--web', '--no-browser', '--server', short.url], { configDir: d, env: { BROWSER: browser(urlFile) } });
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /The code expired before it was approved/);
    assert.equal(existsSync(urlFile), false, 'no browser was started');
    assert.equal(existsSync(join(d, 'credentials.toml')), false);
  });

  test('usage errors: exit 2', async () => {
    const r = await runCli(['auth', 'login', '--web', '--username', 'webby', '--server', server.url], { configDir: dir() });
    assert.equal(r.code, 2);
    assert.match(r.err, /--web cannot be used with --username/);
  });

  test('on a terminal: the code on screen, a waiting line, then signed in', async () => {
    await bundlesReady();
    const d = dir();
    const p = new PtySession(['auth', 'login', '--web', '--no-browser', '--server', server.url], { HOME: d, FITSYNC_CONFIG_DIR: d }, { linger: true });
    ptys.push(p);
    await p.waitFor('enter the code ');
    await p.waitFor('Waiting for approval in the browser');
    const m = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(p.output);
    assert.ok(m, p.output);
    const ok = await postAuthed(`${server.url}/v1/auth/device/approve`, bearer, { user_code: m[1], action: 'approve' });
    assert.equal(ok.status, 200);
    assert.equal(await p.exitCode(), 0, p.output);
    assert.match(p.output, /Signed in as webby/);
  });
});
