import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from './web-stack.js';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM = process.env.FITSYNC_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of every page checked, for a human to look at (gitignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output/web');

/**
 * The `skip` option of a browser suite: false when chromium is there, or when CI
 * requires the tools (FITSYNC_TEST_REQUIRE_TOOLS=1, set by .ci/run) so that a
 * missing browser fails there; otherwise the reason shown on a developer machine.
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM) || process.env.FITSYNC_TEST_REQUIRE_TOOLS === '1') return false;
  return `no browser at ${CHROMIUM} (Debian package: apt-get install chromium; or set FITSYNC_CHROMIUM)`;
}

/** One headless chromium per test file; contexts (fresh cookies and storage) per scenario. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
}

/** A fresh context for one scenario, with generous default waits (a shared 2-core machine). */
export async function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1200, height: 900 } });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(30_000);
  // Runs in every document before its own scripts (injected by the DevTools protocol, so the
  // page's CSP does not apply to it): records every CSP violation the page would otherwise only log.
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return context;
}

/** What a page said on its console and threw, collected from the start. */
export class PageWatch {
  readonly console: string[] = [];
  readonly errors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => {
      this.console.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => {
      this.errors.push(e.message);
    });
  }

  /** Console lines about the Content-Security-Policy (chromium logs every blocked load or inline code). */
  cspMessages(): string[] {
    return this.console.filter((l) => /content security policy|content-security-policy/i.test(l));
  }
}

export function watch(page: Page): PageWatch {
  return new PageWatch(page);
}

const axeSource = createRequire(import.meta.url)('axe-core').source as string;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * The checks made on every page and state: a screenshot to test-output/web/<name>.png,
 * axe-core (no serious or critical violations; the rest printed), no CSP violation
 * (events and console) and no uncaught page error so far.
 */
export async function checkPage(page: Page, w: PageWatch, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`# screenshot: ${file}`);

  // page.evaluate is not subject to the page's CSP (a <script> tag added to the page would be).
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of violations.filter((x) => !bad.includes(x))) {
    console.log(`# axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
  }
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`),
    [],
    `axe-core on ${name}`,
  );

  const events = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
  assert.deepEqual(events, [], `securitypolicyviolation events on ${name}`);
  assert.deepEqual(w.cspMessages(), [], `CSP messages on the console of ${name}`);
  assert.deepEqual(w.errors, [], `uncaught errors on ${name}`);
}

/** Thrown inside `eventually` to stop polling at once (waiting longer cannot help). */
export class GiveUp extends Error {}

/** Polls `fn` (an assertion) until it passes or `timeoutMs` ends, then throws its last error. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
