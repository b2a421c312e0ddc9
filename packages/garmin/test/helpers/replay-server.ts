/**
 * A real HTTP server on 127.0.0.1:0 that replays recorded Garmin answers in
 * order and checks that each request matches the recorded one (method, path,
 * query parameters, body fields; REDACTED recorded values match anything).
 * Garmin hostnames in recorded URLs, Location headers and bodies are rewritten
 * to this server. Anything unplanned is answered 500 and recorded as a failure
 * that `assertDone()` reports.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Interaction } from './fixtures.js';

const GARMIN_HOSTS = ['sso.garmin.com', 'connectapi.garmin.com', 'diauth.garmin.com'];

/** A request as the replay server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Options of {@link startReplay}. */
export interface ReplayOptions {
  /** Expected path for a recorded path (e.g. to fill a display name the sanitiser blanked). */
  expectPath?: (recordedPath: string) => string;
}

/** A running replay server. */
export interface ReplayServer {
  url: string;
  seen: SeenRequest[];
  failures: string[];
  /** Appends more planned interactions (e.g. the DI token answer, which has no recording). */
  plan(more: Interaction[]): void;
  /** Number of planned interactions not yet requested. */
  remaining(): number;
  /** Asserts no request failed to match and every planned interaction was used. */
  assertDone(): void;
  close(): Promise<void>;
}

/** Rewrites SSO URLs inside bodies, params and headers (other hosts appear there as identifiers, e.g. grant types). */
function rewriter(base: string): (s: string) => string {
  const u = new URL(base);
  return (s: string) => {
    let out = s;
    for (const host of ['sso.garmin.com']) {
      out = out
        .split(`https://${host}`)
        .join(base)
        .split(`https:\\/\\/${host}`)
        .join(`${u.protocol}\\/\\/${u.host}`)
        .split(`https%3A%2F%2F${host}`)
        .join(encodeURIComponent(base));
    }
    return out;
  };
}

function compareValue(expected: unknown, actual: unknown, where: string, problems: string[]): void {
  if (expected === 'REDACTED' || expected === '[REDACTED]') {
    if (actual === undefined) problems.push(`${where}: missing`);
    return;
  }
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) {
      problems.push(`${where}: expected an object`);
      return;
    }
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const ek = Object.keys(e).sort().join(',');
    const ak = Object.keys(a).sort().join(',');
    if (ek !== ak) problems.push(`${where}: fields ${ak} != recorded ${ek}`);
    for (const k of Object.keys(e)) if (k in a) compareValue(e[k], a[k], `${where}.${k}`, problems);
    return;
  }
  try {
    assert.deepEqual(actual, expected);
  } catch {
    problems.push(`${where}: ${JSON.stringify(actual)} != recorded ${JSON.stringify(expected)}`);
  }
}

function formObject(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(s)) out[k] = v;
  return out;
}

/** Starts a replay server for `interactions` (in order). */
export async function startReplay(interactions: Interaction[], opts: ReplayOptions = {}): Promise<ReplayServer> {
  const queue = [...interactions];
  const seen: SeenRequest[] = [];
  const failures: string[] = [];
  let base = '';
  let rewrite: (s: string) => string = (s) => s;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', base);
      seen.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body });
      const next = queue.shift();
      const fail = (why: string) => {
        failures.push(`${req.method} ${url.pathname}: ${why}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('unplanned request');
      };
      if (!next) return fail('no more planned interactions');
      const problems: string[] = [];
      const exp = new URL(next.request.url);
      if (!GARMIN_HOSTS.includes(exp.hostname)) return fail(`recorded request to foreign host ${exp.hostname}`);
      const expPath = opts.expectPath ? opts.expectPath(exp.pathname) : exp.pathname;
      if (req.method !== next.request.method) problems.push(`method ${req.method} != ${next.request.method}`);
      if (url.pathname !== expPath) problems.push(`path ${url.pathname} != ${expPath}`);
      const eq: Record<string, string> = {};
      for (const [k, v] of exp.searchParams) eq[k] = rewrite(v);
      const aq: Record<string, string> = {};
      for (const [k, v] of url.searchParams) aq[k] = v;
      compareValue(eq, aq, 'query', problems);
      const rb = next.request.body;
      const rct = String(next.request.headers['content-type'] ?? '');
      if (rct && String(req.headers['content-type'] ?? '').split(';')[0] !== rct.split(';')[0]) {
        problems.push(`content-type ${req.headers['content-type']} != ${rct}`);
      }
      if (rb !== null && rb !== undefined && rb !== '') {
        if (typeof rb === 'object') {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch {
            problems.push('body is not JSON');
          }
          if (parsed !== undefined) compareValue(rb, parsed, 'body', problems);
        } else if (typeof rb === 'string') {
          const e = formObject(rb);
          for (const k of Object.keys(e)) e[k] = rewrite(e[k]!);
          compareValue(e, formObject(body), 'form', problems);
        }
      }
      const auth = next.request.headers.authorization;
      if (auth && !auth.includes('REDACTED') && req.headers.authorization !== auth) problems.push('authorization header differs');
      if (auth?.includes('REDACTED') && String(req.headers.authorization ?? '').split(' ')[0] !== auth.split(' ')[0]) {
        problems.push('authorization scheme differs');
      }
      if (problems.length > 0) return fail(problems.join('; '));

      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(next.response.headers)) {
        headers[k] = Array.isArray(v) ? v.map(rewrite) : rewrite(String(v));
      }
      const b = next.response.body;
      const ct = String(headers['content-type'] ?? '');
      let payload = '';
      if (typeof b === 'string') payload = rewrite(b);
      else if (b !== null && b !== undefined) payload = JSON.stringify(b);
      else if (ct.includes('json')) payload = 'null';
      if (next.response.status === 204) payload = '';
      res.writeHead(next.response.status, headers);
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rewrite = rewriter(base);
  return {
    url: base,
    seen,
    failures,
    plan: (more) => queue.push(...more),
    remaining: () => queue.length,
    assertDone() {
      assert.deepEqual(failures, [], 'every request matches the recording');
      assert.equal(queue.length, 0, `all ${queue.length} remaining recorded interactions were requested`);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A planned DI token answer (no public recording exists; shape from garmin-protocol.md). */
export function diTokenInteraction(opts: {
  form: Record<string, string>;
  clientId: string;
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}): Interaction {
  return {
    request: {
      method: 'POST',
      url: 'https://diauth.garmin.com/di-oauth2-service/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${opts.clientId}:`).toString('base64')}`,
      },
      body: new URLSearchParams(opts.form).toString(),
    },
    response: {
      status: opts.status ?? 200,
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: opts.body,
    },
  };
}
