import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { creds, seed, stored } from '../helpers/seed.js';
import { ME, problem, StubServer, tokenPair } from '../helpers/stub-server.js';

/** A loopback URL where nothing listens. */
async function deadUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return `http://127.0.0.1:${port}`;
}

describe('auth status / token / logout', () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });
  async function setup(plan: Parameters<typeof StubServer.start>[0], seeded = true) {
    const dir = tempConfigDir();
    const stub = await StubServer.start(plan);
    cleanups.push(() => stub.close(), () => removeDir(dir));
    if (seeded) await seed(dir, creds(stub.url, Date.now()));
    return { dir, stub };
  }

  test('status signed in: server, user, MFA, expiries; never a token', async () => {
    const { dir, stub } = await setup([{ method: 'GET', path: '/v1/me', reply: ME }]);
    const r = await runMain(['auth', 'status'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Status: +signed in/);
    assert.match(r.out, new RegExp(`Server: +${stub.url}`));
    assert.match(r.out, /User: +ada/);
    assert.match(r.out, /MFA verified: +no/);
    assert.match(r.out, /Session expires: +\d{4}-/);
    assert.ok(!(r.out + r.err).includes('acc-old') && !(r.out + r.err).includes('ref-old'));
    stub.verify();
  });

  test('status -o json is one document', async () => {
    const { dir, stub } = await setup([{ method: 'GET', path: '/v1/me', reply: ME }]);
    const r = await runMain(['auth', 'status', '-o', 'json'], { configDir: dir });
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.out);
    assert.equal(doc.status, 'signed in');
    assert.equal(doc.mfa_enabled, false);
    stub.verify();
  });

  test('status not signed in: exit 3', async () => {
    const { dir, stub } = await setup([], false);
    const r = await runMain(['auth', 'status', '--server', stub.url], { configDir: dir });
    assert.equal(r.code, 3);
    assert.match(r.err, /Not signed in to/);
    assert.match(r.out, /not signed in/);
    stub.verify();
  });

  test('status with a revoked session: exit 3 and credentials removed', async () => {
    const { dir, stub } = await setup([
      { method: 'GET', path: '/v1/me', reply: problem(401, 'invalid_token') },
      { method: 'POST', path: '/v1/auth/refresh', reply: problem(401, 'invalid_grant') },
    ]);
    const r = await runMain(['auth', 'status'], { configDir: dir });
    assert.equal(r.code, 3);
    assert.match(r.err, /Session expired\. Run `fitsync auth login`\./);
    assert.equal(await stored(dir), undefined);
    stub.verify();
  });

  test('status with the server unreachable: exit 6, local details still shown', async () => {
    const dir = tempConfigDir();
    cleanups.push(() => removeDir(dir));
    const url = await deadUrl();
    await seed(dir, creds(url, Date.now()));
    const r = await runMain(['auth', 'status'], { configDir: dir, env: {} });
    assert.equal(r.code, 6);
    assert.match(r.out, /server unreachable/);
    assert.match(r.out, /User: +ada/);
    assert.match(r.err, new RegExp(`cannot reach ${url}`));
  });

  test('token prints the access token; refreshes when expiring', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/auth/refresh', reply: tokenPair({ access_token: 'acc-fresh' }) }], false);
    await seed(dir, creds(stub.url, Date.now(), { accessExpiresAt: Date.now() + 10_000 }));
    const r = await runMain(['auth', 'token'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'acc-fresh\n');
    stub.verify();
  });

  test('logout revokes with the refresh token and removes the credentials', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/auth/logout', reply: { status: 204 } }]);
    const r = await runMain(['auth', 'logout'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(stub.calls[0]?.body, { refresh_token: 'ref-old' });
    assert.equal(await stored(dir), undefined);
    assert.match(r.err, /Signed out of/);
    stub.verify();
  });

  test('logout -o json|csv: one document on stdout saying whether the server revoked the session', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/auth/logout', reply: { status: 204 } }]);
    const r = await runMain(['auth', 'logout', '-o', 'json'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { status: 'signed out', server: stub.url, profile: 'default', revoked: true });
    const again = await runMain(['auth', 'logout', '--server', stub.url, '-o', 'csv'], { configDir: dir });
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(again.out.trim().split('\n'), ['status,server,profile,revoked', `not signed in,${stub.url},default,false`]);
    stub.verify();
  });

  test('logout with the server down still removes the credentials, with a warning', async () => {
    const dir = tempConfigDir();
    cleanups.push(() => removeDir(dir));
    await seed(dir, creds(await deadUrl(), Date.now()));
    const r = await runMain(['auth', 'logout'], { configDir: dir });
    assert.equal(r.code, 0);
    assert.match(r.err, /warning: .*not revoked on the server/);
    assert.equal(await stored(dir), undefined);
  });

  test('logout when not signed in is a no-op (exit 0)', async () => {
    const { dir, stub } = await setup([], false);
    const r = await runMain(['auth', 'logout', '--server', stub.url], { configDir: dir });
    assert.equal(r.code, 0);
    assert.match(r.err, /Not signed in/);
    stub.verify();
  });

  test('profiles keep separate credentials', async () => {
    const { dir, stub } = await setup([{ method: 'GET', path: '/v1/me', reply: ME }]);
    const r = await runMain(['auth', 'status', '--profile', 'work', '--server', stub.url], { configDir: dir });
    assert.equal(r.code, 3);
    const ok = await runMain(['auth', 'status'], { configDir: dir, env: { FITSYNC_PROFILE: 'default' } });
    assert.equal(ok.code, 0);
    stub.verify();
  });
});
