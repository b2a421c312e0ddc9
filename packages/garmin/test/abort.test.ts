/**
 * Cancelling data calls: an AbortSignal reaches the socket (the server sees the connection
 * close) and the backoff waits; an aborted call rejects with an AbortError and is never retried.
 * Backoff runs on the FakeRuntime: no retry is sent before the fake clock passes its delay.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { GarminApi, type GarminTokens, Transport } from '../src/index.js';
import { hangNotingClose, json, type ScriptedServer, type Step, startScripted, status } from './helpers/scripted-server.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const TOKENS: GarminTokens = { accessToken: 'at-0', refreshToken: 'rt-0', expiresAt: NOW + 3600_000, clientId: 'CID' };
const PROFILE = { displayName: 'runner-1', profileId: 7, fullName: 'Runner' };
const SEED = 42;

async function withApi(
  steps: Step[],
  fn: (api: GarminApi, ctx: { server: ScriptedServer; rt: FakeRuntime }) => Promise<void>,
): Promise<void> {
  const server = await startScripted(steps);
  // A long transport timeout: only the signal can end a hanging request within the test.
  const http = new Transport({ timeoutMs: 60_000 });
  const rt = new FakeRuntime({ now: NOW, seed: SEED });
  try {
    const api = new GarminApi({ tokens: TOKENS, endpoints: { apiUrl: server.url, diauthUrl: server.url }, http, runtime: rt });
    await fn(api, { server, rt });
    assert.deepEqual(server.failures, []);
  } finally {
    http.close();
    await server.close();
  }
}

/** Waits (real time, bounded) for socket I/O the test cannot drive by hand. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const isAbort = (err: unknown) => err instanceof Error && err.name === 'AbortError';

describe('cancelling Garmin calls', () => {
  test('an abort during a download closes its socket and is not retried', { timeout: 10_000 }, async () => {
    const closed: string[] = [];
    await withApi([hangNotingClose(closed)], async (api, { server, rt }) => {
      const ac = new AbortController();
      const call = api.downloadFit('17', { signal: ac.signal });
      await until('the request to arrive', () => server.seen.length === 1);
      const t0 = Date.now();
      ac.abort('cancel');
      await assert.rejects(call, (err: unknown) => isAbort(err) && (err as Error).cause === 'cancel');
      assert.ok(Date.now() - t0 < 500, 'the call rejects at once');
      await until('the server to see the connection close', () => closed.length === 1);
      assert.deepEqual(closed, ['/download-service/files/activity/17']);
      assert.equal(rt.pending, 0, 'no backoff wait was started');
      await rt.advance(60_000);
      assert.equal(server.seen.length, 1, 'no retry');
    });
  });

  test('an abort during the backoff wait ends it at once; the retry is never sent', { timeout: 10_000 }, async () => {
    await withApi([status(503)], async (api, { server, rt }) => {
      const ac = new AbortController();
      const call = api.getSocialProfile({ signal: ac.signal });
      await until('the backoff wait', () => rt.pending === 1);
      ac.abort('shutdown');
      await assert.rejects(call, isAbort);
      await rt.advance(60_000);
      assert.equal(server.seen.length, 1);
    });
  });

  test('an already aborted signal sends nothing', { timeout: 10_000 }, async () => {
    await withApi([], async (api, { server }) => {
      const ac = new AbortController();
      ac.abort('cancel');
      await assert.rejects(api.listActivities({ limit: 5, signal: ac.signal }), isAbort);
      assert.equal(server.seen.length, 0);
    });
  });

  test('backoff waits on the runtime: the retry goes out only when the fake clock passes the delay', async () => {
    await withApi([status(503), json(PROFILE)], async (api, { server, rt }) => {
      // Equal jitter on the 1000 ms base: 500 ms fixed + 500 ms × the runtime's first draw.
      const delay = Math.round(500 + new FakeRuntime({ seed: SEED }).random() * 500);
      const call = api.getSocialProfile();
      await until('the backoff wait', () => rt.pending === 1);
      await rt.advance(delay - 1);
      assert.equal(server.seen.length, 1, 'no retry before the delay');
      await rt.advance(1);
      assert.equal((await call).displayName, 'runner-1');
      assert.equal(server.seen.length, 2);
    });
  });
});
