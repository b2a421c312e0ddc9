// The browser side of the web app's security (issue 14, docs/web.md "Browser sessions"): what page
// scripts can see of the session, and what a page on another origin can make the browser do with
// it. The HTTP-level rules (headers, CSRF token, Origin) are tested by the server's own web-*
// tests; here a real chromium holds the cookie, as a user's browser does.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, checkPage, launchBrowser, newContext, watch } from './helpers/browser.js';
import { expectH1, submitPassword, waitForPath } from './helpers/pages.js';
import { httpJson, WebStack } from './helpers/web-stack.js';

const USER = 'bob';
const PASSWORD = 'bob web pass phrase 1';
const COOKIE = 'fitsync_session';

/** A page with one form posting `body` as text/plain (the closest a form gets to JSON) to `action`. */
function attackPage(action: string, body: Record<string, unknown>): string {
  // text/plain forms send `name=value`: the name carries the JSON up to a dummy key, the value closes it.
  const json = JSON.stringify({ ...body, pad: '' });
  const name = json.slice(0, -2);
  const value = json.slice(-2);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html><html lang="en"><title>Win a prize</title><form method="post" enctype="text/plain" action="${esc(action)}"><input type="hidden" name="${esc(name)}" value="${esc(value)}"><button>Claim</button></form></html>`;
}

describe('web app: the session in the browser', { skip: browserSkip(), timeout: 300_000 }, () => {
  let stack: WebStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let attacker: Server;
  let attackerPort = 0;
  let token = '';
  /** Pages the "other origin" serves, by path. */
  const attackPages = new Map<string, string>();

  before(async () => {
    stack = await new WebStack().start({ FITSYNC_GARMIN_RPS: '0', FITSYNC_GARMIN_DEPLOYMENT_RPS: '0' });
    stack.addUser(USER, PASSWORD);
    // A linked Garmin account, so that a forged "start a sync" WOULD succeed if it got through.
    await stack.addGarminUser({ email: 'bob@example.com', password: 'garmin-bob-pw', days: 2 });
    token = await stack.token(USER, PASSWORD);
    const link = await httpJson('PUT', `${stack.url}/v1/garmin/connection`, { token, body: { email: 'bob@example.com', password: 'garmin-bob-pw' } });
    assert.equal(link.status, 200, JSON.stringify(link.json));

    attacker = createServer((req, res) => {
      const html = attackPages.get(req.url ?? '');
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html ?? 'not found');
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerPort = (attacker.address() as AddressInfo).port;

    browser = await launchBrowser();
    context = await newContext(browser, stack.url);
    page = await context.newPage();
    const w = watch(page);
    await page.goto('/sign-in');
    await submitPassword(page, USER, PASSWORD);
    await waitForPath(page, '/sync');
    await expectH1(page, 'Sync');
    await checkPage(page, w, 'security-signed-in');
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await stack?.close();
  });

  async function sessionCookie() {
    return (await context.cookies(stack.url)).find((c) => c.name === COOKIE);
  }

  async function syncJobCount(): Promise<number> {
    const r = await httpJson('GET', `${stack.url}/v1/sync/jobs`, { token });
    assert.equal(r.status, 200);
    return (r.json as { jobs: unknown[] }).jobs.length;
  }

  test('the session cookie is HttpOnly, SameSite=Strict, Path=/, and page scripts cannot read it', async () => {
    const c = await sessionCookie();
    assert.ok(c, 'the browser holds the session cookie');
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Strict');
    assert.equal(c.path, '/');
    assert.equal(c.secure, false, 'plain HTTP here: Secure (and __Host-) only under TLS');
    assert.ok(c.value.length >= 40, 'about 256 random bits');
    const visible = await page.evaluate(() => document.cookie);
    assert.ok(!visible.includes(COOKIE) && !visible.includes(c.value), `document.cookie shows: ${visible}`);
  });

  test('no token in localStorage, sessionStorage or any answer a page script reads', async () => {
    const c = await sessionCookie();
    assert.ok(c);
    // No named functions inside: the test's TypeScript transform would wrap them in a helper the page lacks.
    const stored = await page.evaluate(() =>
      [localStorage, sessionStorage].flatMap((s) => Array.from({ length: s.length }, (_, i) => s.key(i) ?? '').map((k) => `${k}=${s.getItem(k)}`)),
    );
    const session = await page.evaluate(async () => (await fetch('/v1/web/session', { credentials: 'same-origin' })).text());
    assert.ok(session.includes(USER), session);
    for (const text of [...stored, session]) {
      assert.ok(!text.includes(c.value), 'the cookie secret is not readable by the page');
      assert.doesNotMatch(text, /eyJ[\w-]{8,}\.[\w-]{8,}/, 'no JWT-shaped token');
      assert.doesNotMatch(text, /access_token|refresh_token/);
    }
    const csrf = (JSON.parse(session) as { csrf_token?: string }).csrf_token ?? '';
    assert.ok(csrf.length > 0, 'the CSRF token comes from GET /v1/web/session');
    for (const s of stored) assert.ok(!s.includes(csrf), 'nor is the CSRF token kept in storage');
  });

  test('a form on another origin of the same site: the cookie goes along, the CSRF check refuses', async () => {
    const before = await syncJobCount();
    attackPages.set('/sync', attackPage(`${stack.url}/v1/sync/jobs`, { sync_type: 'all' }));
    const evil = await context.newPage();
    await evil.goto(`http://127.0.0.1:${attackerPort}/sync`);
    const answer = evil.waitForResponse((r) => r.url() === `${stack.url}/v1/sync/jobs` && r.request().method() === 'POST');
    await evil.getByRole('button', { name: 'Claim' }).click();
    const res = await answer;
    assert.equal(res.status(), 403, await res.text());
    assert.equal(((await res.json()) as { code: string }).code, 'csrf_failed');
    assert.equal(await syncJobCount(), before, 'no sync job was started');
    await evil.close();
  });

  test('a form on another site: SameSite=Strict keeps the cookie home', async () => {
    const before = await syncJobCount();
    attackPages.set('/sync-cross-site', attackPage(`${stack.url}/v1/sync/jobs`, { sync_type: 'all' }));
    const evil = await context.newPage();
    // localhost and 127.0.0.1 are different sites to the browser.
    await evil.goto(`http://localhost:${attackerPort}/sync-cross-site`);
    const answer = evil.waitForResponse((r) => r.url() === `${stack.url}/v1/sync/jobs` && r.request().method() === 'POST');
    await evil.getByRole('button', { name: 'Claim' }).click();
    const res = await answer;
    assert.equal(res.status(), 401, 'the request arrived without the session');
    assert.equal(await syncJobCount(), before);
    await evil.close();
  });

  test('a forged sign-in from another origin does not swap the session (login CSRF)', async () => {
    stack.addUser('mallory', 'mallory pass phrase 1');
    const mine = await sessionCookie();
    attackPages.set('/login', attackPage(`${stack.url}/v1/web/session`, { username: 'mallory', password: 'mallory pass phrase 1' }));
    const evil = await context.newPage();
    await evil.goto(`http://127.0.0.1:${attackerPort}/login`);
    const answer = evil.waitForResponse((r) => r.url() === `${stack.url}/v1/web/session` && r.request().method() === 'POST');
    await evil.getByRole('button', { name: 'Claim' }).click();
    const res = await answer;
    assert.ok([403, 415].includes(res.status()), `refused: ${res.status()}`);
    assert.equal(res.headers()['set-cookie'], undefined, 'no cookie set');
    await evil.close();
    assert.equal((await sessionCookie())?.value, mine?.value);
    const who = await page.evaluate(async () => (await (await fetch('/v1/web/session')).json()) as { user: { username: string } });
    assert.equal(who.user.username, USER);
  });

  test('the app itself, with the CSRF token, can start a sync (the same request the forms could not make)', async () => {
    const before = await syncJobCount();
    await page.getByRole('button', { name: 'Start sync', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /Sync (finished|failed|cancelled)/ }).waitFor({ timeout: 120_000 });
    assert.equal(await syncJobCount(), before + 1);
  });

  test('Sign out: the cookie is cleared and its old value is dead at the server', async () => {
    const old = await sessionCookie();
    assert.ok(old);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await waitForPath(page, /^\/sign-in/);
    assert.equal(await sessionCookie(), undefined);
    const replay = await httpJson('GET', `${stack.url}/v1/web/session`, { headers: { cookie: `${COOKIE}=${old.value}` } });
    assert.equal(replay.status, 401);
    await page.goto('/sync');
    await waitForPath(page, '/sign-in?next=%2Fsync');
  });
});
