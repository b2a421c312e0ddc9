// A new user's first day in the browser (issue 14, spec Part 2 §G), against the BUILT server and
// garmin-sim: sign in, turn on MFA from the shown secret, sign in again with a TOTP code and with a
// recovery code, link a Garmin account that asks for Garmin's code, sync and watch it finish, open
// an activity and a health trend, cancel a sync, approve (and deny) a sign-in started by the REAL CLI
// (`auth login --web`), then turn MFA off and disconnect Garmin.
// Every page and state is screenshotted (test-output/web/) and checked by axe-core and for CSP
// violations. The steps build on each other, so they run in order in one browser context.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, checkPage, eventually, GiveUp, launchBrowser, newContext, type PageWatch, SCREENSHOT_DIR, watch } from './helpers/browser.js';
import { expectH1, navigate, recordProgress, shownTotpSecret, submitPassword, tableRows, waitForPath } from './helpers/pages.js';
import { CLI_BIN, cleanEnv, httpJson, recordingBrowser, totpCode, WebStack } from './helpers/web-stack.js';

const USER = 'ada';
const PASSWORD = 'ada web pass phrase 1';
const GARMIN = { email: 'ada@example.com', password: 'garmin-ada-pw', mfa: 'email' as const, activities: 6, days: 14, workouts: 1 };
const STEP_MS = 30_000;

describe('web app: a first day in the browser', { skip: browserSkip(), timeout: 600_000 }, () => {
  let stack: WebStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let w: PageWatch;
  let secret = '';
  let recoveryCodes: string[] = [];
  /** The activity opened by the activity step (checked again on a narrow screen). */
  let activityPath = '';
  let activityName = '';
  /** TOTP steps already used: the server accepts each step once. */
  const usedSteps = new Set<number>();
  const tmpDirs: string[] = [];
  /** CLI processes started, killed in `after` if a failed test left one waiting. */
  const clis: ChildProcess[] = [];

  /**
   * A TOTP code of a step not used yet (the server accepts each step once, and one step either
   * side of now). When both the current and the next step are spent, waits for the clock to move:
   * the server's clock is real time, which a black-box test cannot inject.
   */
  async function freshCode(): Promise<string> {
    let step = Math.floor(Date.now() / STEP_MS);
    while (usedSteps.has(step)) step++;
    await eventually(async () => assert.ok(Math.floor(Date.now() / STEP_MS) >= step - 1), 2 * STEP_MS, 'a usable TOTP step');
    usedSteps.add(step);
    return totpCode(secret, step * STEP_MS);
  }

  async function setFaults(rules: unknown[]): Promise<void> {
    const r = await httpJson('PUT', `${stack.simUrl}/__sim/faults`, { body: { rules } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }

  before(async () => {
    stack = await new WebStack().start({
      // Faster polling for the CLI's device login; pacing off so only the slow fault below sets the sync's pace.
      FITSYNC_DEVICE_POLL_INTERVAL: '1s',
      FITSYNC_GARMIN_RPS: '0',
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    });
    stack.addUser(USER, PASSWORD);
    await stack.addGarminUser(GARMIN);
    browser = await launchBrowser();
    context = await newContext(browser, stack.url);
    page = await context.newPage();
    w = watch(page);
    console.log(`# screenshots go to ${SCREENSHOT_DIR}`);
  });

  after(async () => {
    for (const c of clis) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await browser?.close();
    await stack?.close();
    for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  });

  test('a page that needs a session sends a fresh visitor to sign in, then back', async () => {
    await page.goto('/settings');
    await waitForPath(page, '/sign-in?next=%2Fsettings');
    await expectH1(page, 'Sign in to FitSync');
    await checkPage(page, w, 'sign-in');

    await submitPassword(page, USER, 'not the password');
    await page.getByRole('alert').waitFor();
    await checkPage(page, w, 'sign-in-error');

    await submitPassword(page, USER, PASSWORD);
    await waitForPath(page, '/settings');
    await expectH1(page, 'Settings');
    await checkPage(page, w, 'settings');
    // The password is not kept on the page once it is used.
    assert.ok(!(await page.content()).includes(PASSWORD));
  });

  test('turn on two-factor authentication from the QR code and the shown secret', async () => {
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    assert.match((await qr.getAttribute('src')) ?? '', /^data:image\//, 'the QR code is drawn in the page (img-src self data:)');
    secret = await shownTotpSecret(page);
    assert.ok(secret.length >= 16, secret);
    await checkPage(page, w, 'settings-mfa-qr');

    await page.getByLabel('Authentication code', { exact: true }).fill(await freshCode());
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: 'Recovery codes' }).waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node; the rendered text keeps the breaks between blocks
    const text = await page.locator('main').innerText();
    recoveryCodes = [...new Set(text.match(/\b[a-z0-9]{4,6}(?:-[a-z0-9]{4,6})+\b/gi) ?? [])];
    assert.equal(recoveryCodes.length, 10, `10 recovery codes shown:\n${text}`);
    await checkPage(page, w, 'settings-recovery-codes');

    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByText('Two-factor authentication is on').waitFor();
    await checkPage(page, w, 'settings-mfa-on');
  });

  test('sign out, then sign in with a TOTP code', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await waitForPath(page, /^\/sign-in/);
    await page.goto('/sync');
    await waitForPath(page, '/sign-in?next=%2Fsync');
    await submitPassword(page, USER, PASSWORD);
    const code = page.getByLabel('Authentication code', { exact: true });
    await code.waitFor();
    await checkPage(page, w, 'sign-in-mfa');
    await code.fill(await freshCode());
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await waitForPath(page, '/sync');
    await expectH1(page, 'Sync');
    await page.goto('/');
    await waitForPath(page, '/sync');
  });

  test('a recovery code signs in too (another browser)', async () => {
    const other = await newContext(browser, stack.url);
    try {
      const p = await other.newPage();
      const pw = watch(p);
      await p.goto('/sign-in');
      await submitPassword(p, USER, PASSWORD);
      await p.getByRole('button', { name: 'Use a recovery code instead' }).click();
      const field = p.getByLabel('Recovery code', { exact: true });
      await field.waitFor();
      await checkPage(p, pw, 'sign-in-recovery-code');
      await field.fill(recoveryCodes[0] as string);
      await p.getByRole('button', { name: 'Verify', exact: true }).click();
      await waitForPath(p, '/sync');
      await expectH1(p, 'Sync');
    } finally {
      await other.close();
    }
  });

  test('link Garmin with the code Garmin sends', async () => {
    await navigate(page, 'Settings');
    await expectH1(page, 'Settings');
    await page.getByLabel('Garmin email', { exact: true }).fill(GARMIN.email);
    await page.getByLabel('Garmin password', { exact: true }).fill(GARMIN.password);
    await page.getByRole('button', { name: 'Link Garmin', exact: true }).click();
    const codeField = page.getByLabel('Garmin code', { exact: true });
    await codeField.waitFor();
    await checkPage(page, w, 'settings-garmin-code');
    await codeField.fill(await stack.garminMfaCode(GARMIN.email));
    await page.getByRole('button', { name: 'Send code', exact: true }).click();
    await page.getByText(/^Linked to Garmin as .+/).waitFor();
    await checkPage(page, w, 'settings-garmin-linked');
    assert.ok(!(await page.content()).includes(GARMIN.password));
  });

  test('start a sync and watch it reach 100 % and finish', async () => {
    // Each FIT download takes a while, so the running state can be seen and checked.
    await setFaults([{ path_prefix: '/download-service/', kind: 'slow', rate: 1, delay_ms: 700 }]);
    await navigate(page, 'Sync');
    await expectH1(page, 'Sync');
    await page.getByRole('table', { name: 'Sync history' }).waitFor();
    await checkPage(page, w, 'sync');
    await page.getByLabel('What to sync', { exact: true }).selectOption({ label: 'All' });
    const progress = await recordProgress(page);
    await page.getByRole('button', { name: 'Start sync', exact: true }).click();

    const bar = page.getByRole('progressbar', { name: 'Sync progress' });
    await bar.waitFor();
    await page.getByRole('button', { name: 'Cancel sync', exact: true }).waitFor();
    await checkPage(page, w, 'sync-running');

    await page.getByRole('status').filter({ hasText: 'Sync finished' }).waitFor({ timeout: 120_000 });
    const seen = await progress();
    assert.deepEqual(seen.names, ['Sync progress']);
    assert.ok(seen.values.length >= 2, `progress moved: ${seen.values.join(', ')}`);
    assert.equal(Math.max(...seen.values), 100, `the bar reached 100: ${seen.values.join(', ')}`);
    for (let i = 1; i < seen.values.length; i++) assert.ok((seen.values[i] as number) >= (seen.values[i - 1] as number), `progress never goes back: ${seen.values.join(', ')}`);
    await checkPage(page, w, 'sync-finished');

    await eventually(async () => {
      const rows = await tableRows(page, 'Sync history');
      assert.equal(rows.length, 1, JSON.stringify(rows));
    });
    await setFaults([]);
  });

  test('open an activity: its track and laps', async () => {
    await navigate(page, 'Activities');
    await expectH1(page, 'Activities');
    const table = page.getByRole('table', { name: 'Activities', exact: true });
    await eventually(async () => assert.equal(await table.locator('tbody tr').count(), GARMIN.activities));
    await checkPage(page, w, 'activities');

    const link = table.locator('tbody tr').first().getByRole('link');
    const name = ((await link.textContent()) ?? '').trim();
    assert.ok(name);
    await link.click();
    await waitForPath(page, /^\/activities\/[^/]+$/);
    await expectH1(page, name);
    activityPath = new URL(page.url()).pathname;
    activityName = name;
    await page.getByRole('heading', { level: 2, name: 'Summary' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Track' }).waitFor();
    const track = page.getByRole('img', { name: 'Track', exact: true });
    await track.waitFor();
    assert.ok((await track.locator('path, polyline').count()) >= 1, 'the track is drawn');
    await page.getByRole('heading', { level: 2, name: 'Laps' }).waitFor();
    assert.ok((await tableRows(page, 'Laps')).length >= 1, 'at least one lap');
    await page.getByRole('img', { name: 'Heart rate chart' }).or(page.getByRole('heading', { level: 2, name: 'Heart rate' })).first().waitFor();
    await page.getByRole('link', { name: 'Download FIT file' }).waitFor();
    await checkPage(page, w, 'activity');
  });

  test('a health trend as a chart and as a table', async () => {
    await navigate(page, 'Health');
    await expectH1(page, 'Health');
    await page.getByLabel('Metric', { exact: true }).selectOption({ label: 'Steps' });
    await page.getByLabel('Period', { exact: true }).selectOption({ label: '30 days' });
    const chart = page.getByRole('img', { name: 'Steps trend', exact: true });
    await chart.waitFor();
    await checkPage(page, w, 'health');

    await page.locator('details summary', { hasText: 'Show as table' }).click();
    await eventually(async () => assert.ok((await tableRows(page, 'Steps by day')).length >= GARMIN.days - 1));
    await checkPage(page, w, 'health-table');
  });

  test('cancel a running sync', async () => {
    // New activities whose FIT downloads hang for a while, so the job is surely running when cancelled.
    const add = await httpJson('POST', `${stack.simUrl}/__sim/users/${encodeURIComponent(GARMIN.email)}/activities`, { body: { count: 3 } });
    assert.equal(add.status, 201);
    await setFaults([{ path_prefix: '/download-service/', kind: 'slow', rate: 1, delay_ms: 3000 }]);
    try {
      await navigate(page, 'Sync');
      await expectH1(page, 'Sync');
      await page.getByLabel('What to sync', { exact: true }).selectOption({ label: 'Activities' });
      await page.getByRole('button', { name: 'Start sync', exact: true }).click();
      await page.getByRole('progressbar', { name: 'Sync progress' }).waitFor();
      await page.getByRole('button', { name: 'Cancel sync', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Sync cancelled' }).waitFor({ timeout: 60_000 });
      await checkPage(page, w, 'sync-cancelled');
      await eventually(async () => {
        const rows = await tableRows(page, 'Sync history');
        assert.equal(rows.length, 2, JSON.stringify(rows));
        assert.match((rows[0] ?? []).join(' '), /cancel/i);
      });
    } finally {
      await setFaults([]);
    }
  });

  /**
   * Starts the BUILT CLI's `auth login --web` with $BROWSER recording the URL it is given; resolves
   * once it has "opened the browser", with that URL, the code shown, and a way to await its end.
   */
  async function startWebLogin(): Promise<{ url: string; userCode: string; dir: string; output: () => string; exit: () => Promise<number> }> {
    const dir = mkdtempSync(join(tmpdir(), 'fitsync-web-e2e-cli-'));
    tmpDirs.push(dir);
    const fakeBrowser = recordingBrowser(dir);
    const cli = spawn(process.execPath, [CLI_BIN, 'auth', 'login', '--web', '--server', stack.url], {
      env: { ...cleanEnv(), HOME: dir, FITSYNC_CONFIG_DIR: dir, BROWSER: fakeBrowser.script },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    clis.push(cli);
    let out = '';
    cli.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    cli.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number>((resolve) => cli.once('exit', (code) => resolve(code ?? -1)));
    const url = await eventually(async () => {
      const u = fakeBrowser.url();
      if (!u && cli.exitCode !== null) throw new GiveUp(`the CLI exited (${cli.exitCode}) without opening a browser:\n${out}`);
      assert.ok(u, `the CLI opened no browser yet; it said:\n${out}`);
      return u;
    });
    const target = new URL(url);
    assert.equal(target.origin, stack.url);
    assert.equal(target.pathname, '/device');
    const userCode = target.searchParams.get('user_code') ?? '';
    assert.match(userCode, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.ok(out.includes(userCode), 'the terminal shows the same code');
    const exit = () => Promise.race([exited, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`the CLI did not end within 60 s:\n${out}`)), 60_000).unref())]);
    return { url, userCode, dir, output: () => out, exit };
  }

  /** Opens the URL the CLI gave, checks the prefilled code and goes on to the Approve/Deny step. */
  async function openDevicePage(url: string, userCode: string, shots: boolean): Promise<void> {
    await page.goto(url);
    await expectH1(page, 'Sign in a device');
    const field = page.getByLabel('Code from your terminal', { exact: true });
    assert.equal(await field.inputValue(), userCode, 'filled from ?user_code=');
    if (shots) await checkPage(page, w, 'device');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Deny', exact: true }).waitFor();
    if (shots) await checkPage(page, w, 'device-confirm');
  }

  test('approve a sign-in started by the CLI (fitsync auth login --web)', async () => {
    const login = await startWebLogin();
    await openDevicePage(login.url, login.userCode, true);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Device signed in. You can close this page and return to your terminal.' }).waitFor();
    await checkPage(page, w, 'device-approved');
    assert.equal(await login.exit(), 0, login.output());
    assert.ok(login.output().includes(`Signed in as ${USER} to ${stack.url}`), login.output());

    // The session the CLI stored works.
    const status = spawnSync(process.execPath, [CLI_BIN, 'auth', 'status'], { env: { ...cleanEnv(), HOME: login.dir, FITSYNC_CONFIG_DIR: login.dir }, encoding: 'utf8' });
    assert.equal(status.status, 0, status.stderr);
    assert.ok(status.stdout.includes(USER), status.stdout);
  });

  test('deny a sign-in started by the CLI: the CLI gives up with exit 3', async () => {
    const login = await startWebLogin();
    await openDevicePage(login.url, login.userCode, false);
    await page.getByRole('button', { name: 'Deny', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Request denied.' }).waitFor();
    await checkPage(page, w, 'device-denied');
    assert.equal(await login.exit(), 3, login.output());
    assert.ok(!login.output().includes('Signed in as'), login.output());
  });

  test('turn two-factor authentication off with a code, and disconnect Garmin', async () => {
    await navigate(page, 'Settings');
    await expectH1(page, 'Settings');
    await page.getByText('Two-factor authentication is on').waitFor();
    await page.getByLabel('Authentication code', { exact: true }).fill(await freshCode());
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).waitFor();
    assert.equal(((await httpJson('GET', `${stack.url}/v1/me`, { token: await stack.token(USER, PASSWORD) })).json as { mfa_enabled: boolean }).mfa_enabled, false);

    await page.getByRole('button', { name: 'Disconnect Garmin', exact: true }).click();
    await page.getByLabel('Garmin email', { exact: true }).waitFor();
    await checkPage(page, w, 'settings-off');
  });

  test('a phone-sized screen: the same pages pass the same checks', async () => {
    await page.setViewportSize({ width: 380, height: 800 });
    try {
      for (const [path, h1, shot] of [
        ['/sync', 'Sync', 'narrow-sync'],
        ['/activities', 'Activities', 'narrow-activities'],
        [activityPath, activityName, 'narrow-activity'],
        ['/health', 'Health', 'narrow-health'],
        ['/settings', 'Settings', 'narrow-settings'],
      ] as const) {
        await page.goto(path);
        await expectH1(page, h1);
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sync', exact: true }).waitFor();
        await checkPage(page, w, shot);
      }
    } finally {
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  });

  test('no CSP violation and no uncaught error on any page, and no secret in the server log', async () => {
    assert.deepEqual(w.cspMessages(), []);
    assert.deepEqual(w.errors, []);
    for (const s of [PASSWORD, GARMIN.password, secret, ...recoveryCodes]) assert.ok(!stack.logs().includes(s), 'a secret in the server log');
  });
});
