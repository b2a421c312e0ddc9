// The built app as the server serves it (npm test builds first: scripts/build.mjs writes
// packages/server/dist/web). Checks what docs/web.md promises about the files.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';

const root = process.env['FITSYNC_REPO_ROOT'] ?? fileURLToPath(new URL('../../../..', import.meta.url));
const web = join(root, 'packages/server/dist/web');
const html = () => readFileSync(join(web, 'index.html'), 'utf8');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.push(p);
  }
  return out;
}

/** The JS files a module imports statically (`import … from "./x.js"`, `import"./x.js"`), transitively. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(web, 'assets', file), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([^"']+\.js)["']/g)) visit(m[1]!);
  };
  visit(entry);
  return seen;
}

/** Every chunk a module loads lazily (`import("./x.js")`). */
function lazyImports(file: string): string[] {
  const text = readFileSync(join(web, 'assets', file), 'utf8');
  return [...text.matchAll(/\bimport\(\s*["']\.\/([^"']+\.js)["']\s*\)/g)].map((m) => m[1]!);
}

const entryScript = () => /<script type="module" src="\/assets\/(main-[A-Z0-9]+\.js)"><\/script>/.exec(html())![1]!;

describe('the built web app (packages/server/dist/web)', () => {
  test('index.html: lang, title, one module script, one stylesheet, noscript, nothing inline', () => {
    const page = html();
    assert.match(page, /<html lang="en">/);
    assert.match(page, /<title>FitSync<\/title>/);
    assert.equal(page.match(/<script\b/g)?.length, 1);
    assert.match(page, /<script type="module" src="\/assets\/main-[A-Z0-9]+\.js"><\/script>/);
    assert.equal(page.match(/rel="stylesheet"/g)?.length, 1);
    assert.match(page, /<link rel="stylesheet" href="\/assets\/main-[A-Z0-9]+\.css">/);
    assert.match(page, /<noscript>[^<]*\S/);
    // The CSP allows no inline script or style.
    assert.doesNotMatch(page, /<style\b|\sstyle=|\son[a-z]+=/i);
    for (const ref of page.matchAll(/(?:src|href)="(\/[^"]+)"/g)) assert.ok(existsSync(join(web, ref[1]!)), `${ref[1]} is missing`);
  });

  test('a .gz and a .br beside every text file, each the same bytes', () => {
    const all = files(web);
    const text = all.filter((f) => /\.(js|css|svg|html)$/.test(f));
    assert.ok(text.some((f) => f.endsWith('favicon.svg')));
    assert.ok(text.filter((f) => f.endsWith('.css')).length === 1, 'one stylesheet');
    for (const f of text) {
      const raw = readFileSync(f);
      assert.deepEqual(gunzipSync(readFileSync(`${f}.gz`)), raw, `${f}.gz`);
      assert.deepEqual(brotliDecompressSync(readFileSync(`${f}.br`)), raw, `${f}.br`);
    }
  });

  test('every lazily loaded chunk exists, and no bundle asks for a Node module', () => {
    for (const f of readdirSync(join(web, 'assets')).filter((n) => n.endsWith('.js'))) {
      const text = readFileSync(join(web, 'assets', f), 'utf8');
      assert.doesNotMatch(text, /["']node:|\brequire\(["']/, f);
      for (const lazy of lazyImports(f)) assert.ok(existsSync(join(web, 'assets', lazy)), `${f} → ${lazy}`);
      for (const dep of staticGraph(f)) assert.ok(existsSync(join(web, 'assets', dep)), `${f} → ${dep}`);
    }
  });

  test('the first page stays small: entry, its static imports and the stylesheet ≤ 100 KB gzip', () => {
    const css = /href="\/assets\/(main-[A-Z0-9]+\.css)"/.exec(html())![1]!;
    const first = [...staticGraph(entryScript()), css];
    const gz = first.reduce((n, f) => n + gzipSync(readFileSync(join(web, 'assets', f)), { level: 9 }).length, 0);
    assert.ok(gz <= 100 * 1024, `${gz} bytes gzip`);
    // Pages are split off: the entry loads them with import().
    assert.ok(lazyImports(entryScript()).length >= 7, 'one lazy chunk per page');
  });

  test('the QR encoder is its own chunk, loaded only by the settings page when needed', () => {
    const assets = readdirSync(join(web, 'assets')).filter((n) => n.endsWith('.js'));
    const withQr = assets.filter((f) => readFileSync(join(web, 'assets', f), 'utf8').includes('crispEdges'));
    assert.equal(withQr.length, 1, 'one chunk holds the QR encoder');
    const settings = assets.find((f) => f.startsWith('settings-'))!;
    assert.ok(!staticGraph(entryScript()).has(withQr[0]!), 'not on the first page');
    assert.ok(!staticGraph(settings).has(withQr[0]!), 'not with the settings page itself');
    assert.ok(lazyImports(settings).includes(withQr[0]!), 'settings imports it lazily');
  });
});
