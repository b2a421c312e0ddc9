import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { CONTENT_SECURITY_POLICY } from '../src/web/security-headers.js';
import { APP_PATHS, NOT_BUILT, pickEncoding } from '../src/web/web-app.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { webRequest, type WebRes } from './helpers/web.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body></body></html>';
const JS = `export const x = "${'fitsync '.repeat(200)}";\n`;
const CSS = 'body { color: black }\n';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>';

/** A built web app as scripts/build.mjs lays it out, plus things that must never be served. */
function fixture(root: string): string {
  const dir = join(root, 'web');
  mkdirSync(join(dir, 'assets', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'favicon.svg'), SVG);
  writeFileSync(join(dir, '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'assets', 'app-1a2b3c.js'), JS);
  writeFileSync(join(dir, 'assets', 'app-1a2b3c.js.gz'), gzipSync(JS));
  writeFileSync(join(dir, 'assets', 'app-1a2b3c.js.br'), brotliCompressSync(JS));
  writeFileSync(join(dir, 'assets', 'style-9f8e.css'), CSS);
  writeFileSync(join(dir, 'assets', 'sub', 'chunk-77.js'), 'export {};\n');
  writeFileSync(join(root, 'outside.txt'), 'not part of the app');
  symlinkSync(join(root, 'outside.txt'), join(dir, 'assets', 'link.txt'));
  return dir;
}

function securityHeaders(res: WebRes, what: string) {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(res.headers['x-frame-options'], 'DENY', what);
}

describe('serving the web app', () => {
  let s: TestServer;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'fitsync-web-'));
    s = await startTestServer({ env: { FITSYNC_WORKERS: '0', FITSYNC_WEB_DIR: fixture(root) } });
  });
  after(async () => {
    await s?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('every app path answers index.html, revalidated, with the CSP and the security headers', async () => {
    assert.equal(CONTENT_SECURITY_POLICY, CSP);
    assert.ok(!CSP.includes('unsafe-inline') && !CSP.includes('unsafe-eval'));
    for (const path of [...APP_PATHS.filter((p) => !p.includes(':')), '/activities/abc123', '/device?user_code=BCDF-GHJK', '/sign-in?next=%2Fsync']) {
      const res = await webRequest(s.url, 'GET', path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', path);
      assert.equal(res.body, INDEX, path);
      assert.equal(res.headers['cache-control'], 'no-cache', path);
      assert.equal(res.headers['content-security-policy'], CSP, path);
      assert.match(String(res.headers.etag), /^"[A-Za-z0-9_-]+"$/, path);
      securityHeaders(res, path);
    }
  });

  test('ETag and 304; HEAD answers the headers alone', async () => {
    const first = await webRequest(s.url, 'GET', '/sync');
    const etag = String(first.headers.etag);
    const again = await webRequest(s.url, 'GET', '/settings', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.raw.length, 0);
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers['cache-control'], 'no-cache');
    assert.equal((await webRequest(s.url, 'GET', '/', { headers: { 'if-none-match': `"other", W/${etag}` } })).status, 304);
    assert.equal((await webRequest(s.url, 'GET', '/', { headers: { 'if-none-match': '"other"' } })).status, 200);
    const head = await webRequest(s.url, 'HEAD', '/');
    assert.equal(head.status, 200);
    assert.equal(head.raw.length, 0);
    assert.equal(head.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(head.headers['content-security-policy'], CSP);
    const headAsset = await webRequest(s.url, 'HEAD', '/assets/app-1a2b3c.js', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(headAsset.status, 200);
    assert.equal(headAsset.raw.length, 0);
    assert.equal(headAsset.headers['content-encoding'], 'gzip');
    assert.equal(headAsset.headers['content-length'], String(gzipSync(JS).length));
  });

  test('assets: precompressed by Accept-Encoding, immutable, Vary, an ETag per encoding', async () => {
    const get = (ae?: string, extra: Record<string, string> = {}) =>
      webRequest(s.url, 'GET', '/assets/app-1a2b3c.js', { headers: { ...(ae === undefined ? {} : { 'accept-encoding': ae }), ...extra } });
    const br = await get('gzip, deflate, br');
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.raw).toString('utf8'), JS);
    assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(br.headers.vary, 'Accept-Encoding');
    assert.equal(br.headers['content-security-policy'], undefined, 'CSP only on HTML');
    securityHeaders(br, 'asset');
    const gz = await get('gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.raw).toString('utf8'), JS);
    const noBr = await get('br;q=0, gzip;q=0.5');
    assert.equal(noBr.headers['content-encoding'], 'gzip');
    for (const plain of [await get(), await get('identity'), await get('deflate'), await get('gzip;q=0, br;q=0')]) {
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.body, JS);
      assert.equal(plain.headers.vary, 'Accept-Encoding');
    }
    const etags = new Set([br.headers.etag, gz.headers.etag, (await get()).headers.etag]);
    assert.equal(etags.size, 3, 'each representation has its own ETag');
    assert.equal((await get('br', { 'if-none-match': String(br.headers.etag) })).status, 304);
    assert.equal((await get('gzip', { 'if-none-match': String(br.headers.etag) })).status, 200, 'the br ETag does not match the gzip body');
    // An asset without compressed forms is served as it is, still with Vary and immutable caching.
    const css = await webRequest(s.url, 'GET', '/assets/style-9f8e.css', { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(css.status, 200);
    assert.equal(css.body, CSS);
    assert.equal(css.headers['content-encoding'], undefined);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.headers.vary, 'Accept-Encoding');
    assert.equal(css.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal((await webRequest(s.url, 'GET', '/assets/sub/chunk-77.js')).status, 200);
  });

  test('top-level files are revalidated; dot files, directories, traversal and symlinks are 404', async () => {
    const icon = await webRequest(s.url, 'GET', '/favicon.svg');
    assert.equal(icon.status, 200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], 'no-cache');
    assert.equal(icon.body, SVG);
    for (const path of [
      '/.env',
      '/%2eenv',
      '/assets',
      '/assets/',
      '/assets/sub',
      '/assets/sub/',
      '/assets/../index.html',
      '/assets/%2e%2e/index.html',
      '/assets/..%2f..%2foutside.txt',
      '/assets/%2e%2e%2f%2e%2e%2foutside.txt',
      '/assets/link.txt',
      '/assets/app-1a2b3c.js.gz',
      '/assets/nope.js',
      '/outside.txt',
      '/..%2foutside.txt',
      '/nope.html',
      '/sync/extra',
    ]) {
      const res = await webRequest(s.url, 'GET', path);
      assert.equal(res.status, 404, `${path}: ${res.status}`);
      assert.ok(!res.raw.toString('utf8').includes('not part of the app') && !res.raw.toString('utf8').includes('SECRET'), path);
      securityHeaders(res, path);
    }
    assert.equal((await webRequest(s.url, 'POST', '/', { body: {} })).status, 404);
  });

  test('every answer of the server carries the security headers; the API gets no CSP', async () => {
    for (const [method, path] of [
      ['GET', '/v1/me'],
      ['GET', '/healthz'],
      ['GET', '/openapi.json'],
      ['GET', '/v1/nope'],
      ['POST', '/v1/auth/login'],
      ['GET', '/v1/%zz'],
    ] as const) {
      const res = await webRequest(s.url, method, path, method === 'POST' ? { body: {} } : {});
      securityHeaders(res, `${method} ${path} (${res.status})`);
      assert.equal(res.headers['content-security-policy'], undefined, path);
    }
  });

  test('the OpenAPI document lists the browser-session routes and none of the page routes', async () => {
    const doc = await webRequest(s.url, 'GET', '/openapi.json');
    const paths = Object.keys(doc.body.paths);
    assert.ok(paths.includes('/v1/web/session'), paths.join(' '));
    assert.ok(paths.includes('/v1/web/session/mfa'));
    assert.deepEqual(paths.filter((p) => !p.startsWith('/v1/') && !['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs'].includes(p)), []);
    assert.deepEqual(Object.keys(doc.body.components.securitySchemes).sort(), ['bearer', 'cookie']);
  });

  test('Accept-Encoding parsing', () => {
    const both = { br: Buffer.alloc(1), gz: Buffer.alloc(1) };
    assert.equal(pickEncoding('br', both), 'br');
    assert.equal(pickEncoding('GZIP', both), 'gzip');
    assert.equal(pickEncoding('*', both), 'br');
    assert.equal(pickEncoding('*;q=0, gzip', both), 'gzip');
    assert.equal(pickEncoding('br;q=0', both), null);
    assert.equal(pickEncoding('br;q=abc', both), null);
    assert.equal(pickEncoding('br', { br: null, gz: Buffer.alloc(1) }), null);
    assert.equal(pickEncoding(undefined, both), null);
  });
});

describe('a server whose web app is not built', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fitsync-web-none-'));
    s = await startTestServer({ env: { FITSYNC_WORKERS: '0', FITSYNC_WEB_DIR: join(dir, 'web') } });
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('app paths answer 503 with what to do, the API works, and a later build is picked up', async () => {
    for (const path of ['/', '/sync', '/activities/1']) {
      const res = await webRequest(s.url, 'GET', path);
      assert.equal(res.status, 503, path);
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(res.body, NOT_BUILT);
      assert.equal(NOT_BUILT, 'the web app is not built: run npm run build');
      securityHeaders(res, path);
    }
    assert.equal((await webRequest(s.url, 'GET', '/assets/app.js')).status, 404);
    assert.equal((await webRequest(s.url, 'GET', '/healthz')).status, 200);
    mkdirSync(join(dir, 'web'));
    writeFileSync(join(dir, 'web', 'index.html'), INDEX);
    const built = await webRequest(s.url, 'GET', '/');
    assert.equal(built.status, 200);
    assert.equal(built.body, INDEX);
  });
});
