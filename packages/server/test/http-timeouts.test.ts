import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { cryptoRandom, newId } from '../src/random.js';
import { insertSyncJob } from '../src/repositories/sync-jobs.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { userWithSession } from './helpers/flows.js';

// Small limits so the test is quick; real deployments default to 10 s / 30 s / 5 s.
const HEADERS_S = 0.5;
const REQUEST_S = 1;
const KEEP_ALIVE_S = 0.5;
// A client this slow would keep its socket for TRICKLE_MS if nothing cut it off.
const TRICKLE_MS = 20_000;
// Cut-off time + Node's checking interval + a loaded machine's slack, far below TRICKLE_MS.
const CLOSED_WITHIN_MS = 6_000;

interface Trickler {
  socket: Socket;
  /** Resolves when the server closes the connection: what it sent and how long the socket lived. */
  closed: Promise<{ data: string; ms: number }>;
}

/** Connects, sends `head` at once, then one byte of `drip` every 100 ms until the server hangs up. */
function trickle(url: string, head: string, drip: string): Trickler {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  const socket = connect(Number(port), hostname);
  let data = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (c: string) => {
    data += c;
  });
  socket.on('error', () => {});
  socket.on('connect', () => {
    if (head) socket.write(head);
    let i = 0;
    timer = setInterval(() => {
      if (drip && socket.writable) socket.write(drip[i++ % drip.length]!);
    }, 100);
  });
  const closed = new Promise<{ data: string; ms: number }>((resolve) => {
    const giveUp = setTimeout(() => socket.destroy(), TRICKLE_MS);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ data, ms: Date.now() - started });
    });
  });
  return { socket, closed };
}

describe('slow clients are cut off; long responses are not', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      env: {
        FITSYNC_HTTP_HEADERS_TIMEOUT_S: String(HEADERS_S),
        FITSYNC_HTTP_REQUEST_TIMEOUT_S: String(REQUEST_S),
        FITSYNC_HTTP_KEEP_ALIVE_TIMEOUT_S: String(KEEP_ALIVE_S),
        FITSYNC_WORKERS: '0',
      },
    });
  });
  after(() => s?.close());

  test('clients trickling headers, trickling bodies, or silent, are closed (408) within the limits', async () => {
    const body = '{"username":"slow","password":"never finished"}';
    const clients = [
      ...Array.from({ length: 10 }, () => ({ kind: 'headers', t: trickle(s.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: a\r\n') })),
      ...Array.from({ length: 10 }, () => ({
        kind: 'body',
        t: trickle(
          s.url,
          `POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 1000}\r\n\r\n`,
          body,
        ),
      })),
      ...Array.from({ length: 5 }, () => ({ kind: 'silent', t: trickle(s.url, '', '') })),
    ];
    for (const { kind, t } of clients) {
      const { data, ms } = await t.closed;
      assert.ok(ms < CLOSED_WITHIN_MS, `a ${kind} trickler kept its socket ${ms} ms`);
      if (kind !== 'silent') {
        assert.match(data, /^HTTP\/1\.1 408 /, `${kind}: ${data}`);
        assert.match(data, /application\/problem\+json/);
      }
    }
    // The server still serves everyone else.
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const t = trickle(s.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', '');
    const { data, ms } = await t.closed;
    assert.match(data, /^HTTP\/1\.1 200 /);
    assert.ok(ms < CLOSED_WITHIN_MS, `idle keep-alive socket lived ${ms} ms`);
  });

  test('a sync event stream outlives the request timeout and ends normally', async () => {
    const pair = await userWithSession(s.app, s.db, 'streamer');
    const me = await call(s.app, 'GET', '/v1/me', { token: pair.access_token });
    const jobId = newId(cryptoRandom);
    await insertSyncJob(s.db, {
      jobId,
      userId: me.body.user_id,
      syncType: 'all',
      trigger: 'manual',
      since: null,
      until: null,
      full: false,
      countsJson: '{}',
      now: Date.now(),
      idempotencyKey: null,
      requestHash: null,
    });
    const opened = Date.now();
    let text = '';
    const ended = new Promise<{ ok: boolean; ms: number }>((resolve, reject) => {
      const req = http.get(`${s.url}/v1/sync/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${pair.access_token}` } }, (res) => {
        assert.equal(res.statusCode, 200);
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ ok: true, ms: Date.now() - opened }));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    // Quiet for three request timeouts (no events, no heartbeat yet), then the job changes.
    await new Promise((r) => setTimeout(r, 3 * REQUEST_S * 1000));
    assert.match(text, /"status":"pending"/, 'the first snapshot arrived');
    const cancel = await call(s.app, 'POST', `/v1/sync/jobs/${jobId}/cancel`, { token: pair.access_token });
    assert.equal(cancel.status, 202);
    const { ms } = await ended;
    assert.ok(ms >= 3 * REQUEST_S * 1000);
    assert.match(text, /"status":"cancelled"/, 'the terminal snapshot arrived on the same stream');
  });
});

test('HTTP timeouts: defaults, fractions of seconds, and refused values', () => {
  assert.deepEqual(loadConfig({}, {}).http, { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
  const env = { FITSYNC_HTTP_HEADERS_TIMEOUT_S: '2.5', FITSYNC_HTTP_REQUEST_TIMEOUT_S: '60', FITSYNC_HTTP_KEEP_ALIVE_TIMEOUT_S: '75' };
  assert.deepEqual(loadConfig({}, env).http, { headersTimeoutMs: 2_500, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 75_000 });
  for (const [name, value, pattern] of [
    ['FITSYNC_HTTP_REQUEST_TIMEOUT_S', '0', /between 0\.1 and 3600/],
    ['FITSYNC_HTTP_REQUEST_TIMEOUT_S', 'soon', /number of seconds/],
    ['FITSYNC_HTTP_KEEP_ALIVE_TIMEOUT_S', '-1', /number of seconds/],
    ['FITSYNC_HTTP_HEADERS_TIMEOUT_S', '31', /must not exceed FITSYNC_HTTP_REQUEST_TIMEOUT_S/],
  ] as const) {
    assert.throws(() => loadConfig({}, { [name]: value }), (e) => e instanceof ConfigError && pattern.test(e.message), `${name}=${value}`);
  }
});
