import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { JwtVerifier, signJwt } from '../src/crypto/jwt.js';
import { deriveKey } from '../src/crypto/secret-box.js';
import { totpCode } from '../src/crypto/totp.js';
import { LocalEventBus } from '../src/events/event-bus.js';
import { httpRequestCounter, Metrics } from '../src/metrics.js';
import { putGarminConnection } from '../src/repositories/garmin-connections.js';
import { publishRevoked } from '../src/services/publish-revoked.js';
import { SessionCache } from '../src/services/session-cache.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';
import { twoInstancesFixture } from './helpers/two-instances.js';

// Issue 13's fast API keeps live sessions and verified token signatures in memory. These tests pin
// what must not change with it: a revoked session is refused on the next request, no answer speaks
// for another user, and the memory is bounded and expires.

const SECRET_KEY = 'fast-path-test-secret-key-0123456789abcdef';

for (const { dialect, skip } of await dialects()) {
  describe(`revocation with the session cache on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({ dialect, runtime: clock, env: { FITSYNC_SECRET_KEY: SECRET_KEY } });
    });
    after(() => s?.close());

    test('sign-out: the next request with the access token is refused', async () => {
      const pair = await userWithSession(s.app, s.db, 'fp-logout');
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200);
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200);
      assert.ok(s.app.deps.tokens.cachedSessions >= 1, 'the session was cached');
      assert.equal((await call(s.app, 'POST', '/v1/auth/logout', { body: { refresh_token: pair.refresh_token } })).status, 204);
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: pair.access_token }), 401, 'invalid_token');
      assertProblem(await call(s.app, 'GET', '/v1/activities', { token: pair.access_token }), 401, 'invalid_token');
    });

    test('refresh-token reuse: every access token of the session is refused at once', async () => {
      const first = await userWithSession(s.app, s.db, 'fp-reuse');
      const second = (await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: first.refresh_token } })).body;
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: second.access_token })).status, 200);
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: first.access_token })).status, 200);
      assertProblem(await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: first.refresh_token } }), 401, 'invalid_grant');
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: second.access_token }), 401, 'invalid_token');
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: first.access_token }), 401, 'invalid_token');
    });

    test('turning on MFA revokes the other sessions: their next request is refused', async () => {
      const mine = await userWithSession(s.app, s.db, 'fp-mfa');
      const other = (await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'fp-mfa', password: 'correct horse' } })).body;
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: other.access_token })).status, 200);
      const setup = await call(s.app, 'POST', '/v1/mfa/totp', { token: mine.access_token });
      const confirm = await call(s.app, 'POST', '/v1/mfa/totp/confirm', {
        token: mine.access_token,
        body: { code: totpCode(setup.body.secret, clock.now()) },
      });
      assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: other.access_token }), 401, 'invalid_token');
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: mine.access_token })).status, 200);
    });

    test('GET /v1/me is cached, and shows an MFA or Garmin change on the very next request', async () => {
      const pair = await userWithSession(s.app, s.db, 'fp-me');
      const me = async () => (await call(s.app, 'GET', '/v1/me', { token: pair.access_token })).body;
      const first = await me();
      assert.equal(first.mfa_enabled, false);
      assert.equal(first.garmin_status, 'not_connected');
      assert.ok(s.app.deps.auth.cachedMe >= 1, 'the answer was cached');

      const setup = await call(s.app, 'POST', '/v1/mfa/totp', { token: pair.access_token });
      const code = totpCode(setup.body.secret, clock.now());
      assert.equal((await call(s.app, 'POST', '/v1/mfa/totp/confirm', { token: pair.access_token, body: { code } })).status, 200);
      assert.equal((await me()).mfa_enabled, true);

      // A link written behind the service's back is not announced; the service's own changes are.
      await putGarminConnection(s.db, { userId: first.user_id, displayName: 'fp-me-garmin', tokensEnc: 'x', now: clock.now() });
      s.app.deps.events.publish('user-changed', first.user_id, { what: 'garmin' });
      assert.equal((await me()).garmin_status, 'connected');
      await s.app.deps.garmin.markReauthRequired(first.user_id);
      const reauth = await me();
      assert.equal(reauth.garmin_status, 'reauth_required');
      assert.equal(reauth.garmin_reauth_required_at, new Date(clock.now()).toISOString());
      assert.equal((await call(s.app, 'DELETE', '/v1/garmin/connection', { token: pair.access_token })).status, 204);
      assert.equal((await me()).garmin_status, 'not_connected');
    });

    test('every answer is the token holder\'s own, and a token naming another user\'s cached session is refused', async () => {
      const a = await userWithSession(s.app, s.db, 'fp-alice');
      const b = await userWithSession(s.app, s.db, 'fp-bob');
      for (let i = 0; i < 20; i++) {
        const [ma, mb] = await Promise.all([
          call(s.app, 'GET', '/v1/me', { token: a.access_token }),
          call(s.app, 'GET', '/v1/me', { token: b.access_token }),
        ]);
        assert.equal(ma.body.username, 'fp-alice');
        assert.equal(mb.body.username, 'fp-bob');
      }
      // Bob's user id with Alice's (cached, live) session, correctly signed: the session is not Bob's.
      const bobId = (await call(s.app, 'GET', '/v1/me', { token: b.access_token })).body.user_id;
      const now = Math.floor(clock.now() / 1000);
      const mixed = signJwt(
        { sub: bobId, sid: a.session_id, mfa: false, iat: now, exp: now + 600, jti: 'mixed' },
        deriveKey(Buffer.from(SECRET_KEY, 'utf8'), 'fitsync access-token v1'),
      );
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: mixed }), 401, 'invalid_token');
    });

    test('a revocation the bus never delivered stops counting after the cache\'s max age (30 s)', async () => {
      const pair = await userWithSession(s.app, s.db, 'fp-missed');
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200);
      // Revoked behind the server's back: no event, as when another instance's NOTIFY was lost.
      await s.db.run('UPDATE sessions SET revoked_at = ? WHERE id = ?', [clock.now(), pair.session_id]);
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200, 'served from the cache');
      await clock.advance(30_000);
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: pair.access_token }), 401, 'invalid_token');
    });

    test('an expired access token is refused although its signature was verified before', async () => {
      const pair = await userWithSession(s.app, s.db, 'fp-expiry');
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200);
      await clock.advance(900_000);
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: pair.access_token }), 401, 'invalid_token');
    });
  });
}

const pg = (await dialects()).find((d) => d.dialect === 'postgres');
describe('revocation across two instances on PostgreSQL', { skip: pg?.skip ?? 'postgres not in FITSYNC_TEST_DIALECTS' }, () => {
  // The clock never moves: the cache's max age cannot be what ends the session on the other instance.
  const clock = new FakeRuntime();
  const start = twoInstancesFixture('fast-path-two', clock);

  test('sign-out on one instance: the other refuses the token once the bus delivers the event', async () => {
    const { a, b } = await start();
    const pair = await userWithSession(a.app, a.db, 'fp-two');
    assert.equal((await call(b.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200);
    assert.equal((await call(b.app, 'GET', '/v1/me', { token: pair.access_token })).status, 200);
    assert.ok(b.app.deps.tokens.cachedSessions >= 1, 'instance b cached the session');
    assert.equal((await call(a.app, 'POST', '/v1/auth/logout', { body: { refresh_token: pair.refresh_token } })).status, 204);
    assertProblem(await call(a.app, 'GET', '/v1/me', { token: pair.access_token }), 401, 'invalid_token');
    const deadline = Date.now() + 5000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await call(b.app, 'GET', '/v1/me', { token: pair.access_token })).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(status, 401, 'instance b still accepted the token 5 s after the sign-out');
  });
});

describe('SessionCache', () => {
  class TestBus extends LocalEventBus {
    missed(): void {
      this.resync();
    }
  }
  const setup = (o: { maxEntries?: number; maxAgeMs?: number } = {}) => {
    const events = new TestBus();
    const clock = new FakeRuntime();
    return { events, clock, cache: new SessionCache({ events, runtime: clock, ...o }) };
  };
  const live = (userId: string) => async () => ({ userId });

  test('a revocation published while the session is read is not lost: nothing is cached', async () => {
    const { events, cache } = setup();
    let reads = 0;
    const got = await cache.lookup('s1', async () => {
      reads++;
      publishRevoked(events, { id: 's1', user_id: 'u1' });
      return { userId: 'u1' };
    });
    assert.equal(got, undefined);
    assert.equal(cache.size, 0);
    assert.equal(events.listenerCount, 0);
    assert.equal(reads, 1);
  });

  test('hits do not read; a revocation and a resync each drop entries with their listeners', async () => {
    const { events, cache } = setup();
    let reads = 0;
    const load = async () => {
      reads++;
      return { userId: 'u1' };
    };
    await cache.lookup('s1', load);
    await cache.lookup('s1', load);
    assert.equal(reads, 1);
    await cache.lookup('s2', live('u2'));
    assert.equal(events.listenerCount, 2);
    publishRevoked(events, { id: 's1', user_id: 'u1' });
    assert.equal(cache.size, 1);
    events.missed();
    assert.equal(cache.size, 0);
    assert.equal(events.listenerCount, 0);
    await cache.lookup('s1', load);
    assert.equal(reads, 2);
  });

  test('peek answers only what lookup would answer without a read: nothing once revoked or too old', async () => {
    const { events, clock, cache } = setup({ maxAgeMs: 1000 });
    assert.equal(cache.peek('s1'), undefined);
    await cache.lookup('s1', live('u1'));
    await cache.lookup('s2', live('u2'));
    assert.deepEqual(cache.peek('s1'), { userId: 'u1' });
    publishRevoked(events, { id: 's1', user_id: 'u1' });
    assert.equal(cache.peek('s1'), undefined, 'revoked');
    await clock.advance(1000);
    assert.equal(cache.peek('s2'), undefined, 'past the max age');
    assert.equal(cache.size, 0);
    assert.equal(events.listenerCount, 0);
  });

  test('unknown sessions are not cached; the size is bounded, oldest out first', async () => {
    const { events, cache } = setup({ maxEntries: 2 });
    assert.equal(await cache.lookup('gone', async () => undefined), undefined);
    assert.equal(cache.size, 0);
    for (const id of ['s1', 's2', 's3']) await cache.lookup(id, live(`u-${id}`));
    assert.equal(cache.size, 2);
    assert.equal(events.listenerCount, 2);
    let reads = 0;
    await cache.lookup('s1', async () => {
      reads++;
      return { userId: 'u-s1' };
    });
    assert.equal(reads, 1, 's1 was evicted');
  });

  test('entries expire after the max age', async () => {
    const { clock, cache } = setup({ maxAgeMs: 1000 });
    let reads = 0;
    const load = async () => {
      reads++;
      return { userId: 'u1' };
    };
    await cache.lookup('s1', load);
    await clock.advance(999);
    await cache.lookup('s1', load);
    assert.equal(reads, 1);
    await clock.advance(1);
    await cache.lookup('s1', load);
    assert.equal(reads, 2);
  });
});

describe('JwtVerifier', () => {
  const key = Buffer.alloc(32, 7);
  const claims = { sub: 'u1', sid: 's1', mfa: false, iat: 1000, exp: 1900, jti: 'x' };
  const token = signJwt(claims, key);

  test('remembers a verified token, checks expiry every time, and never accepts an altered one', () => {
    const v = new JwtVerifier(key, 2);
    assert.deepEqual(v.verify(token, 1_000_000), claims);
    assert.deepEqual(v.verify(token, 1_899_999), claims);
    assert.equal(v.verify(token, 1_900_000), null);
    const [h, p, sig] = token.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1)}`;
    assert.equal(v.verify(flipped, 1_000_000), null);
    assert.equal(v.verify(signJwt(claims, Buffer.alloc(32, 8)), 1_000_000), null);
  });
});

describe('Metrics series keys', () => {
  test('label order does not matter, and values that would run together stay apart', async () => {
    const m = new Metrics();
    const c = m.counter('fitsync_test_total', 'test');
    c.inc({ method: 'GET', route: '/v1/me' });
    c.inc({ route: '/v1/me', method: 'GET' });
    c.inc({ a: 'x1:b1:y' });
    c.inc({ a: 'x', b: 'y' });
    assert.equal(c.get({ method: 'GET', route: '/v1/me' }), 2);
    assert.equal(c.get({ a: 'x1:b1:y' }), 1);
    assert.equal(c.get({ a: 'x', b: 'y' }), 1);
    assert.match(await m.render(), /fitsync_test_total\{method="GET",route="\/v1\/me"\} 2/);
  });

  test('the per-request HTTP counter counts into the same series as inc(labels), shown from the first count', async () => {
    const m = new Metrics();
    const c = m.counter('fitsync_test_total', 'test');
    const count = httpRequestCounter(c);
    assert.doesNotMatch(await m.render(), /fitsync_test_total\{/, 'no series before a request is counted');
    c.inc({ method: 'GET', route: '/v1/me', status: '200' });
    count('GET', '/v1/me', 200);
    count('GET', '/v1/me', 200);
    count('GET', '/v1/me', 401);
    count('POST', '/v1/me', 200);
    count('GET', '/v1/activities', 200);
    assert.equal(c.get({ method: 'GET', route: '/v1/me', status: '200' }), 3);
    assert.equal(c.get({ status: '401', route: '/v1/me', method: 'GET' }), 1);
    assert.equal(c.get({ method: 'POST', route: '/v1/me', status: '200' }), 1);
    assert.equal(c.get({ method: 'GET', route: '/v1/activities', status: '200' }), 1);
    const text = await m.render();
    assert.match(text, /^fitsync_test_total\{method="GET",route="\/v1\/me",status="200"\} 3$/m);
    assert.equal(text.match(/^fitsync_test_total\{/gm)?.length, 4, 'one series per label set');
  });
});
