import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { eventually } from './browser.js';

/** Fills the sign-in form (docs/web.md "/sign-in") and presses Sign in. */
export async function submitPassword(page: Page, username: string, password: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Sign in to FitSync' }).waitFor();
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The path (and query) the page shows, once it equals `expected` (client-side routing: no load event to wait for). */
export async function waitForPath(page: Page, expected: string | RegExp): Promise<void> {
  await eventually(
    async () => {
      const u = new URL(page.url());
      const here = u.pathname + u.search;
      if (typeof expected === 'string' ? here !== expected : !expected.test(here)) throw new Error(`at ${here}`);
    },
    30_000,
    `path ${expected}`,
  );
}

/** The page's one h1 (docs/web.md: every page has exactly one). */
export async function expectH1(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  assert.equal(await page.locator('h1').count(), 1, 'one h1 per page');
}

/** Follows a link of the main navigation (client-side routing, as a user clicks). */
export async function navigate(page: Page, link: 'Sync' | 'Activities' | 'Health' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
}

/**
 * The TOTP secret as the enrolment shows it "as text": base32, possibly in groups
 * separated by spaces. Read from the page like a user would copy it.
 */
export async function shownTotpSecret(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node; the rendered text keeps the breaks between blocks
  const text = await page.locator('main').innerText();
  const m = /\b((?:[A-Z2-7]{4}[ -]?){4,}[A-Z2-7]*=*)(?=\s|$)/.exec(text);
  assert.ok(m?.[1], `no base32 secret shown on the page:\n${text}`);
  return m[1].replace(/[ -]/g, '');
}

/**
 * Records every aria-valuenow a progressbar shows from now on (a MutationObserver
 * in the page), so a quick job's last value is seen even if the bar is gone by the
 * time the test looks.
 */
export async function recordProgress(page: Page): Promise<() => Promise<{ values: number[]; names: string[] }>> {
  await page.evaluate(() => {
    const w = window as unknown as { __progress: number[]; __progressNames: string[] };
    w.__progress = [];
    w.__progressNames = [];
    // An anonymous callback: tsx would wrap a named one in a helper (__name) the page does not have.
    const observer = new MutationObserver(() => {
      for (const el of document.querySelectorAll('[role="progressbar"]')) {
        const v = el.getAttribute('aria-valuenow');
        if (v !== null && w.__progress[w.__progress.length - 1] !== Number(v)) w.__progress.push(Number(v));
        const name = el.getAttribute('aria-label') ?? (el.getAttribute('aria-labelledby') ? document.getElementById(el.getAttribute('aria-labelledby') ?? '')?.textContent : null);
        if (name && !w.__progressNames.includes(name)) w.__progressNames.push(name);
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  return () =>
    page.evaluate(() => {
      const w = window as unknown as { __progress: number[]; __progressNames: string[] };
      return { values: [...w.__progress], names: [...w.__progressNames] };
    });
}

/** Rows of the table with this caption, as cell texts (header row excluded). */
export async function tableRows(page: Page, caption: string): Promise<string[][]> {
  const table = page.getByRole('table', { name: caption, exact: true });
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td,th')].map((c) => (c.textContent ?? '').trim())));
}
