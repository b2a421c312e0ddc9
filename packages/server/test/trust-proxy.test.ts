import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';

/** A password sign-in over real HTTP from 127.0.0.1, naming `forwardedFor` in X-Forwarded-For. */
async function login(s: TestServer, username: string, password: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`${s.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Locks the (user, address) pair the server sees for `forwardedFor`: FITSYNC_AUTH_MAX_FAILURES wrong passwords. */
async function lockOut(s: TestServer, username: string, forwardedFor: string): Promise<void> {
  for (let i = 0; i < s.config.auth.maxFailures; i++) assert.equal(await login(s, username, 'wrong', forwardedFor), 401);
  assert.equal(await login(s, username, 'right', forwardedFor), 429, 'the pair is locked');
}

describe('FITSYNC_TRUST_PROXY parsing', () => {
  const parse = (v: string | undefined) => loadConfig({}, { HOME: '/tmp', ...(v === undefined ? {} : { FITSYNC_TRUST_PROXY: v }) }).trustProxy;

  test('off by default and for "off"', () => {
    assert.equal(parse(undefined), null);
    assert.equal(parse('off'), null);
    assert.equal(parse(' OFF '), null);
    assert.equal(parse(''), null, 'empty is unset');
  });

  test('addresses and CIDR blocks, IPv4 and IPv6, spaces ignored', () => {
    assert.deepEqual(parse('127.0.0.1'), ['127.0.0.1']);
    assert.deepEqual(parse('10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8'), ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8']);
  });

  test('anything else is refused with the setting named', () => {
    for (const bad of [',', ' , ', 'proxy.example.com', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '10.0.0.256', 'true', '*']) {
      assert.throws(() => parse(bad), (err: unknown) => err instanceof ConfigError && /FITSYNC_TRUST_PROXY/.test(err.message), bad);
    }
  });
});

for (const { dialect, skip } of await dialects()) {
  describe(`per-address throttling behind a proxy on ${dialect} (real HTTP from 127.0.0.1)`, { skip }, () => {
    describe('with FITSYNC_TRUST_PROXY=127.0.0.1', () => {
      let s: TestServer;
      const logs = new PassThrough();
      let logText = '';
      logs.on('data', (c: Buffer) => {
        logText += c.toString();
      });
      before(async () => {
        s = await startTestServer({ dialect, env: { FITSYNC_TRUST_PROXY: '127.0.0.1,10.0.0.0/8' }, log: { stream: logs, level: 'info' } });
      });
      after(() => s?.close());

      test('two forwarded clients do not share a lockout, and logs name the client', async () => {
        const name = uniqueName('proxied');
        await createUser(s.db, name, 'right');
        await lockOut(s, name, '203.0.113.1');
        assert.equal(await login(s, name, 'right', '203.0.113.2'), 200, 'another client behind the proxy signs in');
        // The last entry is the client the trusted proxy saw (earlier ones are the client's own claims).
        assert.equal(await login(s, name, 'right', '198.51.100.9, 203.0.113.1'), 429);
        const keys = (await s.db.all<{ scope_key: string }>("SELECT scope_key FROM auth_throttle WHERE scope_key LIKE 'ip:%'")).map((r) => r.scope_key);
        assert.ok(keys.includes('ip:203.0.113.1') && !keys.some((k) => k.includes('127.0.0.1')), keys.join(' '));
        assert.match(logText, /"remoteAddress":"203\.0\.113\.2"/);
      });
    });

    for (const [label, setting] of [
      ['off', 'off'],
      ['from an unlisted proxy', '10.1.2.3'],
    ] as const) {
      describe(`with FITSYNC_TRUST_PROXY ${label}`, () => {
        let s: TestServer;
        before(async () => {
          s = await startTestServer({ dialect, env: { FITSYNC_TRUST_PROXY: setting } });
        });
        after(() => s?.close());

        test('X-Forwarded-For is ignored: a forged header does not dodge the lockout', async () => {
          const name = uniqueName('forger');
          await createUser(s.db, name, 'right');
          await lockOut(s, name, '203.0.113.1');
          assert.equal(await login(s, name, 'right', '203.0.113.2'), 429, 'the connection address is what counts');
          const keys = (await s.db.all<{ scope_key: string }>("SELECT scope_key FROM auth_throttle WHERE scope_key LIKE 'ip:%'")).map((r) => r.scope_key);
          assert.deepEqual(keys, ['ip:127.0.0.1']);
        });
      });
    }
  });
}
