import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, http, signIn } from './helpers.js';

// Per-account and overall requests per second of the sim's clock (FakeRuntime: the second a
// request falls in is the test's choice, not the machine's).
describe('per-account per-second request counts', () => {
  let sim: RunningSim;
  const rt = new FakeRuntime({ now: Date.UTC(2026, 2, 2, 12) });
  let a: string;
  let b: string;

  before(async () => {
    sim = await startSim({ seed: 'rate-stats', runtime: rt });
    sim.createUser({ email: 'A@example.com', password: 'pw', activities: 2 });
    sim.createUser({ email: 'b@example.com', password: 'pw', activities: 2 });
    a = (await signIn(sim.url, 'A@example.com', 'pw')).access_token;
    b = (await signIn(sim.url, 'b@example.com', 'pw')).access_token;
  });
  after(() => sim.close());

  const count = (token: string) => http(`${sim.url}/activitylist-service/activities/count`, { headers: bearer(token) });

  test('counts each account per whole second, and all Garmin requests per second', async () => {
    sim.resetStats();
    // The last millisecond of second k: 3 × A, 1 × B; the first of second k+1: 2 × A, 2 × B, and
    // an unauthenticated call (counted overall only).
    await rt.advance(1999 - (rt.now() % 1000));
    for (const t of [a, a, a, b]) assert.equal((await count(t)).status, 200);
    await rt.advance(1);
    for (const t of [a, a, b, b]) await count(t);
    assert.equal((await http(`${sim.url}/activitylist-service/activities/count`)).status, 401);
    const s = sim.stats();
    assert.deepEqual(s.by_account, {
      'a@example.com': { total: 5, max_per_second: 3 },
      'b@example.com': { total: 3, max_per_second: 2 },
    });
    assert.equal(s.max_per_second, 5);
    // The next second starts a new count.
    await rt.advance(1000);
    for (const t of [a, a, a, a, a, a]) await count(t);
    assert.deepEqual(sim.stats().by_account['a@example.com'], { total: 11, max_per_second: 6 });
    assert.equal(sim.stats().max_per_second, 6);
    sim.resetStats();
    assert.deepEqual(sim.stats().by_account, {});
    assert.equal(sim.stats().max_per_second, 0);
  });
});
