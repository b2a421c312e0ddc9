/** Legacy garth token import: OAuth 1.0a signing and the recorded OAuth1 → OAuth2 exchange. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { importGarthToken, oauth1Header, parseGarthToken, readGarthTokenDir } from '../src/index.js';
import { loadFixture } from './helpers/fixtures.js';
import { startReplay } from './helpers/replay-server.js';

const NOW = Date.UTC(2026, 2, 18, 5);

describe('garth import', () => {
  test('OAuth 1.0a HMAC-SHA1 signature matches the RFC 5849 / OAuth 1.0 spec example', () => {
    const h = oauth1Header({
      method: 'GET',
      url: 'http://photos.example.net/photos?file=vacation.jpg&size=original',
      consumer: { key: 'dpf43f3p2l4k3l03', secret: 'kd94hf93k423kf44' },
      token: { key: 'nnch734d00sl2jdk', secret: 'pfkkdhi9sl3r4s00' },
      nonce: 'kllo9940pd9333jh',
      timestamp: 1191242096,
    });
    assert.match(h, /oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D"/);
  });

  test('GARTH_TOKEN string and token folder are read', async () => {
    const oauth1 = { oauth_token: 't1', oauth_token_secret: 's1', mfa_token: 'm1', mfa_expiration_timestamp: '2027-03-18 05:33:02.000', domain: 'garmin.com' };
    const garth = Buffer.from(JSON.stringify([oauth1, { access_token: 'x' }])).toString('base64');
    assert.equal(parseGarthToken(garth).oauth_token, 't1');
    assert.throws(() => parseGarthToken('@@@'), { code: 'invalid_input' });
    const dir = await mkdtemp(join(tmpdir(), 'garth-'));
    try {
      await writeFile(join(dir, 'oauth1_token.json'), JSON.stringify(oauth1));
      assert.equal((await readGarthTokenDir(dir)).mfa_token, 'm1');
      await assert.rejects(readGarthTokenDir(join(dir, 'missing')), { code: 'invalid_input' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the recorded exchange (2026, with mfa_token and audience) gives tokens', async () => {
    const step = structuredClone(loadFixture('mobile-login-mfa').interactions.at(-1)!);
    assert.match(step.request.url, /oauth-service\/oauth\/exchange\/user\/2.0$/);
    delete step.request.headers.authorization; // checked below against our own signature
    step.request.headers['content-type'] = 'application/x-www-form-urlencoded';
    const replay = await startReplay([step]);
    try {
      const consumer = { key: 'ck', secret: 'cs' };
      const tokens = await importGarthToken(
        { oauth_token: 'tok', oauth_token_secret: 'sec', mfa_token: 'mfa' },
        { consumer, endpoints: { apiUrl: replay.url }, runtime: new FakeRuntime({ now: NOW }) },
      );
      replay.assertDone();
      assert.equal(tokens.clientId, 'GARMIN_CONNECT_MOBILE_ANDROID_DI');
      assert.equal(tokens.expiresAt, NOW + 75017_000);
      assert.equal(tokens.refreshExpiresAt, NOW + 2591999_000);
      const auth = String(replay.seen[0]!.headers.authorization);
      const field = (k: string) => decodeURIComponent(new RegExp(`${k}="([^"]*)"`).exec(auth)![1]!);
      assert.equal(field('oauth_token'), 'tok');
      assert.equal(field('oauth_timestamp'), String(NOW / 1000));
      const expected = oauth1Header({
        method: 'POST',
        url: `${replay.url}/oauth-service/oauth/exchange/user/2.0`,
        consumer,
        token: { key: 'tok', secret: 'sec' },
        form: { audience: 'GARMIN_CONNECT_MOBILE_ANDROID_DI', mfa_token: 'mfa' },
        nonce: field('oauth_nonce'),
        timestamp: NOW / 1000,
      });
      assert.equal(auth, expected, 'signed over method, URL, oauth params and form body');
    } finally {
      await replay.close();
    }
  });

  test('a refused OAuth1 token → token invalid', async () => {
    const replay = await startReplay([
      {
        request: { method: 'POST', url: 'https://connectapi.garmin.com/oauth-service/oauth/exchange/user/2.0', headers: {}, body: 'audience=GARMIN_CONNECT_MOBILE_ANDROID_DI' },
        response: { status: 401, headers: { 'content-type': 'application/json' }, body: { message: 'no' } },
      },
    ]);
    try {
      await assert.rejects(
        importGarthToken({ oauth_token: 't', oauth_token_secret: 's' }, { consumer: { key: 'k', secret: 's' }, endpoints: { apiUrl: replay.url } }),
        { code: 'token_invalid' },
      );
      replay.assertDone();
    } finally {
      await replay.close();
    }
  });
});
