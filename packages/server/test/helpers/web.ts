import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';

/** A response as a browser's network layer sees it (real HTTP, no cookie jar). */
export interface WebRes {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Set-Cookie lines, possibly none. */
  setCookie: string[];
  raw: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers the assertions navigate freely
  body: any;
}

export interface WebReqOpts {
  /** JSON body (sent as application/json unless `contentType` says otherwise) or raw text. */
  body?: unknown;
  contentType?: string;
  /** The Cookie header, e.g. `fitsync_session=…`. */
  cookie?: string;
  csrf?: string;
  origin?: string;
  token?: string;
  headers?: Record<string, string>;
}

/** One real HTTP(S) request to a test server (certificates are not checked: tests use self-signed ones). */
export function webRequest(baseUrl: string, method: string, path: string, o: WebReqOpts = {}): Promise<WebRes> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...o.headers };
  let payload: Buffer | undefined;
  if (o.body !== undefined) {
    payload = Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
    headers['content-type'] = o.contentType ?? 'application/json';
  } else if (o.contentType) headers['content-type'] = o.contentType;
  if (o.cookie) headers.cookie = o.cookie;
  if (o.csrf) headers['x-csrf-token'] = o.csrf;
  if (o.origin) headers.origin = o.origin;
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // The path is sent as given (a URL object would resolve `..` and `%2e%2e` before sending).
    const target = { hostname: url.hostname, port: url.port, path };
    const req = lib.request({ ...target, method, headers, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const type = String(res.headers['content-type'] ?? '');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          setCookie: res.headers['set-cookie'] ?? [],
          raw,
          body: type.includes('json') && raw.length > 0 ? JSON.parse(raw.toString('utf8')) : raw.toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The cookie a response set, parsed: name, value and attributes (lower-cased names). */
export function parseSetCookie(line: string): { name: string; value: string; attrs: Map<string, string | true> } {
  const [pair, ...rest] = line.split(';');
  const eq = pair!.indexOf('=');
  const attrs = new Map<string, string | true>();
  for (const a of rest) {
    const [k, ...v] = a.trim().split('=');
    attrs.set(k!.toLowerCase(), v.length ? v.join('=') : true);
  }
  return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attrs };
}

/** Signs the web app in (no MFA); returns the Cookie header to send and the CSRF token. */
export async function webSignIn(baseUrl: string, username: string, password = 'correct horse') {
  const res = await webRequest(baseUrl, 'POST', '/v1/web/session', { body: { username, password } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, 'authenticated');
  assert.equal(res.setCookie.length, 1);
  const c = parseSetCookie(res.setCookie[0]!);
  return { cookie: `${c.name}=${c.value}`, secret: c.value, csrf: res.body.csrf_token as string, res };
}
