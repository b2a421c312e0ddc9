import assert from 'node:assert/strict';
import nodeHttp from 'node:http';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, http, mobileLogin, signIn } from './helpers.js';

const putJson = (url: string, method: string, body: unknown) =>
  http(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('faults, stats and control validation', () => {
  let sim: RunningSim;
  let token: string;

  before(async () => {
    sim = await startSim({ seed: 'faults' });
    sim.createUser({ email: 'f@example.com', password: 'pw', activities: 5 });
    token = (await signIn(sim.url, 'f@example.com', 'pw')).access_token;
  });
  after(() => sim.close());

  const count = () => http(`${sim.url}/activitylist-service/activities/count`, { headers: bearer(token) });
  const setFaults = (rules: unknown[]) => putJson(`${sim.url}/__sim/faults`, 'PUT', { rules });

  test('429 with Retry-After on the sign-in path (sign-in throttling)', async () => {
    assert.equal((await setFaults([{ path_prefix: '/mobile/api/login', kind: '429', rate: 1, retry_after_s: 120 }])).status, 200);
    const res = await mobileLogin(sim.url, new Map(), 'f@example.com', 'pw');
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '120');
    assert.equal((await count()).status, 200, 'other paths are untouched');
  });

  test('500 and 503 answers', async () => {
    await setFaults([{ path_prefix: '/activitylist-service/', kind: '503', rate: 1, retry_after_s: 5 }]);
    const r503 = await count();
    assert.equal(r503.status, 503);
    assert.equal(r503.headers['retry-after'], '5');
    await setFaults([{ path_prefix: '/activitylist-service/', kind: '500', rate: 1 }]);
    assert.equal((await count()).status, 500);
  });

  test('reset drops the connection; truncate sends half the promised body', async () => {
    await setFaults([{ path_prefix: '/activitylist-service/', kind: 'reset', rate: 1 }]);
    await assert.rejects(count(), (err: NodeJS.ErrnoException) => /ECONNRESET|socket hang up/.test(`${err.code} ${err.message}`));
    await setFaults([{ path_prefix: '/userprofile-service/', kind: 'truncate', rate: 1 }]);
    await assert.rejects(http(`${sim.url}/userprofile-service/socialProfile`, { headers: bearer(token) }));
  });

  test('fault decisions are deterministic from the seed', async () => {
    const pattern = async (s: RunningSim, tok: string) => {
      s.setFaults([{ path_prefix: '/activitylist-service/', kind: '500', rate: 0.5 }]);
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        out.push((await http(`${s.url}/activitylist-service/activities/count`, { headers: bearer(tok) })).status);
      }
      return out.join(',');
    };
    const twin = await startSim({ seed: 'faults' });
    const stranger = await startSim({ seed: 'another' });
    try {
      twin.createUser({ email: 'f@example.com', password: 'pw', activities: 5 });
      stranger.createUser({ email: 'f@example.com', password: 'pw', activities: 5 });
      const a = await pattern(sim, token);
      const b = await pattern(twin, (await signIn(twin.url, 'f@example.com', 'pw')).access_token);
      const c = await pattern(stranger, (await signIn(stranger.url, 'f@example.com', 'pw')).access_token);
      assert.equal(a, b);
      assert.notEqual(a, c);
      assert.ok(a.includes('500') && a.includes('200'));
    } finally {
      await twin.close();
      await stranger.close();
    }
  });

  test('faults never touch /__sim paths', async () => {
    await setFaults([{ path_prefix: '/', kind: '500', rate: 1 }]);
    assert.equal((await http(`${sim.url}/__sim/stats`)).status, 200);
    assert.equal((await count()).status, 500);
    assert.equal((await setFaults([])).status, 200);
    assert.equal((await count()).status, 200);
  });

  test('stats count upstream requests by path, route and status; reset-stats zeroes them', async () => {
    assert.equal((await http(`${sim.url}/__sim/reset-stats`, { method: 'POST' })).status, 204);
    await count();
    await count();
    await http(`${sim.url}/activitylist-service/activities/count`, { headers: bearer('bad') });
    const id = sim.truth('f@example.com').activities[0]!.activity_id;
    await http(`${sim.url}/download-service/files/activity/${id}`, { headers: bearer(token) });
    await setFaults([{ path_prefix: '/activitylist-service/', kind: 'reset', rate: 1 }]);
    await count().catch(() => undefined);
    await setFaults([]);
    const stats = (await http(`${sim.url}/__sim/stats`)).json<{
      total: number;
      by_path: Record<string, Record<string, number>>;
      by_route: Record<string, Record<string, number>>;
    }>();
    assert.equal(stats.total, 5);
    assert.deepEqual(stats.by_path['/activitylist-service/activities/count'], { '200': 2, '401': 1, reset: 1 });
    assert.deepEqual(stats.by_route['/download-service/files/activity/{id}'], { '200': 1 });
    assert.deepEqual(stats.by_path[`/download-service/files/activity/${id}`], { '200': 1 });
    assert.equal(Object.keys(stats.by_path).filter((p) => p.startsWith('/__sim')).length, 0);
    await http(`${sim.url}/__sim/reset-stats`, { method: 'POST' });
    assert.deepEqual((await http(`${sim.url}/__sim/stats`)).json(), { total: 0, in_flight: 0, by_path: {}, by_route: {}, sim_endpoints: {}, by_account: {}, max_per_second: 0 });
  });

  test('control inputs are validated with 400 and a message', async () => {
    const bad = [
      {},
      { email: 'not-an-email', password: 'x' },
      { email: 'x@example.com', password: '' },
      { email: 'x@example.com', password: 'x', mfa: 'carrier-pigeon' },
      { email: 'x@example.com', password: 'x', activities: -1 },
      { email: 'x@example.com', password: 'x', activities: 1.5 },
      { email: 'x@example.com', password: 'x', days: 0 },
      { email: 'x@example.com', password: 'x', extra: 1 },
    ];
    for (const body of bad) {
      const res = await putJson(`${sim.url}/__sim/users`, 'POST', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.json<{ message: string }>().message);
    }
    const raw = await http(`${sim.url}/__sim/users`, { method: 'POST', body: '{not json' });
    assert.equal(raw.status, 400);
    assert.equal((await putJson(`${sim.url}/__sim/users`, 'POST', { email: 'F@example.com', password: 'p' })).status, 409);
    const badFaults = [
      { rules: 'x' },
      { rules: [{ path_prefix: 'nope', kind: '500', rate: 1 }] },
      { rules: [{ path_prefix: '/x', kind: '418', rate: 1 }] },
      { rules: [{ path_prefix: '/x', kind: '500', rate: 2 }] },
      { rules: [{ path_prefix: '/x', kind: '429', rate: 1, retry_after_s: -3 }] },
      { rules: [{ path_prefix: '/__sim/stats', kind: '500', rate: 1 }] },
    ];
    for (const body of badFaults) assert.equal((await putJson(`${sim.url}/__sim/faults`, 'PUT', body)).status, 400, JSON.stringify(body));
    assert.equal((await putJson(`${sim.url}/__sim/users/f%40example.com/activities`, 'POST', { count: 0 })).status, 400);
    assert.equal((await putJson(`${sim.url}/__sim/users/nobody%40example.com/activities`, 'POST', { count: 1 })).status, 404);
    assert.equal((await http(`${sim.url}/__sim/users/nobody%40example.com/truth`)).status, 404);
    assert.equal((await http(`${sim.url}/__sim/users/f%40example.com/mfa-code`)).status, 404);
    assert.equal((await putJson(`${sim.url}/__sim/config`, 'PUT', { access_token_ttl_s: 0 })).status, 400);
    assert.equal((await putJson(`${sim.url}/__sim/config`, 'PUT', { bogus: 1 })).status, 400);
    assert.equal((await putJson(`${sim.url}/__sim/config`, 'PUT', { access_token_ttl_s: 30 })).json<{ access_token_ttl_s: number }>().access_token_ttl_s, 30);
    assert.equal((await http(`${sim.url}/__sim/nothing`)).status, 404);
  });
});

describe('slow faults wait on the sim runtime', () => {
  const rt = new FakeRuntime({ now: Date.UTC(2026, 5, 1) });
  let sim: RunningSim;
  let token: string;
  const path = '/activitylist-service/activities/count';

  before(async () => {
    sim = await startSim({ seed: 'slow', runtime: rt });
    sim.createUser({ email: 's@example.com', password: 'pw', activities: 3 });
    token = (await signIn(sim.url, 's@example.com', 'pw')).access_token;
  });
  after(() => sim.close());

  /** Waits (real time, bounded) for the sim to reach a state over real sockets. */
  async function until(what: string, cond: () => boolean): Promise<void> {
    const end = Date.now() + 3000;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  test('slow delays the answer by delay_ms of the sim clock', async () => {
    sim.setFaults([{ path_prefix: '/activitylist-service/', kind: 'slow', rate: 1, delay_ms: 5000 }]);
    let answered = false;
    const res = http(`${sim.url}${path}`, { headers: bearer(token) }).finally(() => {
      answered = true;
    });
    await until('the request to be held', () => sim.stats().in_flight === 1 && rt.pending === 1);
    await rt.advance(4999);
    assert.equal(answered, false);
    await rt.advance(1);
    assert.equal((await res).status, 200);
    assert.equal(sim.stats().in_flight, 0);
  });

  test('a client that closes the connection during a slow answer is counted as aborted', async () => {
    sim.resetStats();
    sim.setFaults([{ path_prefix: '/activitylist-service/', kind: 'slow', rate: 1, delay_ms: 60_000 }]);
    const req = nodeHttp.get(`${sim.url}${path}`, { headers: bearer(token) });
    req.on('error', () => {}); // the reset of our own destroy
    await until('the request to be held', () => sim.stats().in_flight === 1);
    req.destroy();
    await until('the sim to see the close', () => sim.stats().in_flight === 0);
    assert.deepEqual(sim.stats().by_path[path], { aborted: 1 });
    assert.equal(rt.pending, 0, 'the wait ended with the connection');
  });
});
