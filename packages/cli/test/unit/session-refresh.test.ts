import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiClient } from '../../src/client/client.js';
import { CredentialStore } from '../../src/credentials/store.js';
import { AuthError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import type { TokenPair } from '@fitsync/api';
import { credentialsFromPair, jwtExpiry, needsRefresh, SESSION_EXPIRED, Session } from '../../src/session.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { creds, seed, stored } from '../helpers/seed.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { ME, type PlannedCall, problem, tokenPair } from '../helpers/stub-server.js';

describe('transparent refresh', () => {
  const fixture = stubFixture();
  async function setup(plan: PlannedCall[]) {
    const { dir, stub } = await fixture.setup(plan);
    const runtime = new DrivenRuntime();
    const store = new CredentialStore(dir, runtime);
    const session = new Session(new ApiClient({ baseUrl: stub.url, runtime }), store, 'default', runtime);
    return { dir, stub, runtime, store, session };
  }

  test('a token expiring within 60 s is refreshed first, and the new pair stored', async () => {
    const { dir, stub, runtime, session } = await setup([
      { method: 'POST', path: '/v1/auth/refresh', reply: tokenPair({ access_token: 'acc-new', refresh_token: 'ref-new' }) },
      { method: 'GET', path: '/v1/me', reply: ME },
    ]);
    await seed(dir, creds(stub.url, runtime.now(), { accessIssuedAt: runtime.now() - 870_000, accessExpiresAt: runtime.now() + 30_000 }));
    await session.request('GET', '/v1/me');
    stub.verify();
    assert.deepEqual(stub.calls[0]?.body, { refresh_token: 'ref-old' });
    assert.equal(stub.calls[1]?.headers.authorization, 'Bearer acc-new');
    assert.equal((await stored(dir))?.refreshToken.reveal(), 'ref-new');
  });

  test('a valid token is used as is', async () => {
    const { dir, stub, runtime, session } = await setup([{ method: 'GET', path: '/v1/me', reply: ME }]);
    await seed(dir, creds(stub.url, runtime.now()));
    await session.request('GET', '/v1/me');
    stub.verify();
    assert.equal(stub.calls[0]?.headers.authorization, 'Bearer acc-old');
  });

  test('after taking the lock, tokens another process stored are used: no second refresh', async () => {
    const { dir, stub, runtime, session } = await setup([{ method: 'GET', path: '/v1/me', reply: ME }]);
    await seed(dir, creds(stub.url, runtime.now(), { accessExpiresAt: runtime.now() + 1_000 }));
    // This process read the old (expiring) token…
    const old = await session.credentials();
    // …then another process refreshed and stored a new pair.
    await seed(dir, creds(stub.url, runtime.now(), { accessToken: new Secret('acc-other'), refreshToken: new Secret('ref-other') }));
    const next = await session.refresh(old.accessToken);
    assert.equal(next.accessToken.reveal(), 'acc-other');
    await session.request('GET', '/v1/me');
    stub.verify();
    assert.equal(stub.calls.length, 1, 'no refresh call');
  });

  test('401 invalid_token: one refresh, then the request is retried once', async () => {
    const { dir, stub, runtime, session } = await setup([
      { method: 'GET', path: '/v1/me', reply: (c) => (c.headers.authorization === 'Bearer acc-old' ? problem(401, 'invalid_token') : ME), times: 2 },
      { method: 'POST', path: '/v1/auth/refresh', reply: tokenPair({ access_token: 'acc-new' }) },
    ]);
    await seed(dir, creds(stub.url, runtime.now()));
    await session.request('GET', '/v1/me');
    stub.verify();
  });

  test('invalid_grant removes the credentials: "Session expired"', async () => {
    const { dir, stub, runtime, session } = await setup([{ method: 'POST', path: '/v1/auth/refresh', reply: problem(401, 'invalid_grant') }]);
    await seed(dir, creds(stub.url, runtime.now(), { accessExpiresAt: runtime.now() - 1 }));
    await assert.rejects(session.accessToken(), (e: unknown) => e instanceof AuthError && e.message === SESSION_EXPIRED);
    assert.equal(await stored(dir), undefined);
    stub.verify();
  });

  test('tokens of another server are never sent', async () => {
    const { dir, stub, runtime, session } = await setup([]);
    await seed(dir, creds('https://other.example', runtime.now()));
    await assert.rejects(session.accessToken(), /Not signed in to .*signed in to https:\/\/other\.example/);
    stub.verify();
  });

  test('refresh margin: 60 s, or a tenth of the lifetime for short-lived tokens', () => {
    const now = 1_000_000;
    assert.equal(needsRefresh(creds('x', now, { accessIssuedAt: now - 800_000, accessExpiresAt: now + 61_000 }), now), false);
    assert.equal(needsRefresh(creds('x', now, { accessIssuedAt: now - 800_000, accessExpiresAt: now + 59_000 }), now), true);
    assert.equal(needsRefresh(creds('x', now, { accessIssuedAt: now - 1_500, accessExpiresAt: now + 500 }), now), false);
    assert.equal(needsRefresh(creds('x', now, { accessIssuedAt: now - 1_900, accessExpiresAt: now + 100 }), now), true);
  });

  test('the expiry is the JWT exp when that is earlier than expires_in says', () => {
    const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.s`;
    const now = 1_700_000_000_500;
    const c = credentialsFromPair(tokenPair({ access_token: jwt(1_700_000_002), expires_in: 2 }).body as TokenPair, 'x', now);
    assert.equal(c.accessExpiresAt, 1_700_000_002_000);
    assert.equal(jwtExpiry('opaque'), undefined);
    const d = credentialsFromPair(tokenPair({ expires_in: 900 }).body as TokenPair, 'x', now);
    assert.equal(d.accessExpiresAt, now + 900_000);
  });
});
