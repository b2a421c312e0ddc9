/**
 * Politeness and token rules of data calls against a real local server:
 * bounded retries with backoff (fake sleep records waits), Retry-After,
 * resets, truncated bodies, timeouts, refresh ahead of expiry and after a 401.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GarminApi, type GarminApiOptions, type GarminTokens, Transport, writeZip } from '../src/index.js';
import { makeJwt } from './helpers/fixtures.js';
import { cutJson, hang, json, reset, type ScriptedServer, type Step, startScripted, status, truncated } from './helpers/scripted-server.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const PROFILE = { displayName: 'runner-1', profileId: 7, fullName: 'Runner' };
const TOKENS: GarminTokens = { accessToken: 'at-0', refreshToken: 'rt-0', expiresAt: NOW + 3600_000, clientId: 'CID' };

async function scenario(
  steps: Step[],
  fn: (api: GarminApi, ctx: { sleeps: number[]; saved: GarminTokens[]; server: ScriptedServer }) => Promise<void>,
  opts: Partial<GarminApiOptions> = {},
): Promise<void> {
  const server = await startScripted(steps);
  const sleeps: number[] = [];
  const saved: GarminTokens[] = [];
  const http = opts.http ?? new Transport({ timeoutMs: 2000 });
  try {
    const api = new GarminApi({
      tokens: TOKENS,
      onTokens: (t) => {
        saved.push(t);
      },
      endpoints: { apiUrl: server.url, diauthUrl: server.url, ssoUrl: server.url },
      runtime: {
        now: () => NOW,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        random: () => 0.5,
      },
      http,
      ...opts,
    });
    await fn(api, { sleeps, saved, server });
    assert.deepEqual(server.failures, []);
  } finally {
    (http as Transport).close?.();
    await server.close();
  }
}

const tokenAnswer = (access: string, refresh: string | undefined, ttl = 3600) =>
  json({ access_token: access, ...(refresh ? { refresh_token: refresh } : {}), token_type: 'Bearer', expires_in: ttl });

describe('bounded retries on data GETs', () => {
  test('503 then 200: retried once after a backoff', async () => {
    await scenario([status(503), json(PROFILE)], async (api, { sleeps, server }) => {
      assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
      assert.equal(server.seen.length, 2);
      assert.deepEqual(sleeps, [750], 'base 1000 ms with equal jitter at random 0.5');
    });
  });

  test('backoff grows exponentially and is capped; after the last attempt: unavailable naming the failure', async () => {
    await scenario(
      [status(503), status(502), status(500), status(503)],
      async (api, { sleeps, server }) => {
        const err = await api.getSocialProfile().catch((e: unknown) => e);
        assert.ok(err instanceof Error);
        assert.equal((err as { code?: string }).code, 'unavailable');
        assert.match(err.message, /socialProfile failed after 4 attempts: HTTP 503/);
        assert.equal(server.seen.length, 4);
        assert.deepEqual(sleeps, [750, 1500, 2250]);
      },
      { retry: { maxDelayMs: 3000 } },
    );
  });

  test('a reset connection is retried', async () => {
    await scenario([reset, json(PROFILE)], async (api, { server }) => {
      assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
      assert.equal(server.seen.length, 2);
    });
  });

  test('a body shorter than its content-length is retried', async () => {
    await scenario([truncated(JSON.stringify(PROFILE)), json(PROFILE)], async (api, { server }) => {
      assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
      assert.equal(server.seen.length, 2);
    });
  });

  test('a JSON body cut short without a length is retried', async () => {
    await scenario([cutJson(JSON.stringify(PROFILE)), json(PROFILE)], async (api, { server }) => {
      assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
      assert.equal(server.seen.length, 2);
    });
  });

  test('a request timeout is retried', async () => {
    await scenario(
      [hang, json(PROFILE)],
      async (api, { server }) => {
        assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
        assert.equal(server.seen.length, 2);
      },
      { http: new Transport({ timeoutMs: 200 }) },
    );
  });

  test('429 with Retry-After: waits exactly that long, then succeeds', async () => {
    await scenario([status(429, { 'retry-after': '7' }), json(PROFILE)], async (api, { sleeps }) => {
      assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
      assert.deepEqual(sleeps, [7000]);
    });
  });

  test('429 with a Retry-After beyond the cap: rate-limited error with the wait, no retry', async () => {
    await scenario([status(429, { 'retry-after': '3600' })], async (api, { sleeps, server }) => {
      await assert.rejects(api.getSocialProfile(), { code: 'rate_limited', retryAfterSeconds: 3600 });
      assert.deepEqual(sleeps, []);
      assert.equal(server.seen.length, 1);
    });
  });
});

describe('token lifecycle', () => {
  test('401 → refresh once → retried with the new token; rotated refresh token persisted first', async () => {
    await scenario([status(401), tokenAnswer('at-1', 'rt-1'), json(PROFILE)], async (api, { saved, server }) => {
      assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
      assert.equal(server.seen[0]!.headers.authorization, 'Bearer at-0');
      const refresh = new URLSearchParams(server.seen[1]!.body);
      assert.equal(server.seen[1]!.path, '/di-oauth2-service/oauth/token');
      assert.equal(refresh.get('grant_type'), 'refresh_token');
      assert.equal(refresh.get('refresh_token'), 'rt-0');
      assert.equal(refresh.get('client_id'), 'CID');
      assert.equal(server.seen[1]!.headers.authorization, `Basic ${Buffer.from('CID:').toString('base64')}`);
      assert.equal(server.seen[2]!.headers.authorization, 'Bearer at-1');
      assert.equal(saved.length, 1);
      assert.equal(saved[0]!.refreshToken, 'rt-1');
      assert.equal(api.tokens.refreshToken, 'rt-1');
    });
  });

  test('a second 401 after the refresh → token invalid (reauth required)', async () => {
    await scenario([status(401), tokenAnswer('at-1', 'rt-1'), status(401)], async (api) => {
      await assert.rejects(api.getSocialProfile(), { code: 'token_invalid', message: /reauth required/ });
    });
  });

  test('a rejected refresh → token invalid', async () => {
    await scenario([status(401), json({ error: 'invalid_grant' }, 400)], async (api, { saved }) => {
      await assert.rejects(api.getSocialProfile(), { code: 'token_invalid', message: /invalid_grant/ });
      assert.equal(saved.length, 0);
    });
  });

  test('refreshes ahead of expiry (15 min margin); a refresh without a new refresh token keeps the old one', async () => {
    await scenario(
      [tokenAnswer('at-1', undefined), json(PROFILE)],
      async (api, { saved, server }) => {
        await api.getSocialProfile();
        assert.equal(server.seen[0]!.path, '/di-oauth2-service/oauth/token');
        assert.equal(server.seen[1]!.headers.authorization, 'Bearer at-1');
        assert.equal(saved[0]!.refreshToken, 'rt-0');
        assert.equal(saved[0]!.expiresAt, NOW + 3600_000);
      },
      { tokens: { ...TOKENS, expiresAt: NOW + 10 * 60_000 } },
    );
  });

  test('a refused refresh ahead of expiry: with onRefreshLost the live access token keeps working, reported once', async () => {
    let lost = 0;
    await scenario(
      [json({ error: 'invalid_grant' }, 400), json(PROFILE), json(PROFILE)],
      async (api, { saved, server }) => {
        assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
        assert.equal((await api.getSocialProfile()).displayName, 'runner-1');
        assert.equal(lost, 1, 'reported once');
        assert.equal(saved.length, 0);
        assert.deepEqual(server.seen.map((r) => r.path), ['/di-oauth2-service/oauth/token', '/userprofile-service/socialProfile', '/userprofile-service/socialProfile']);
        assert.equal(server.seen[1]!.headers.authorization, 'Bearer at-0', 'no second refresh: the old access token is used');
      },
      { tokens: { ...TOKENS, expiresAt: NOW + 10 * 60_000 }, onRefreshLost: () => {
        lost += 1;
      } },
    );
    // Without the callback, or once the access token has expired, the refusal is thrown.
    await scenario([json({ error: 'invalid_grant' }, 400)], async (api) => {
      await assert.rejects(api.getSocialProfile(), { code: 'token_invalid' });
    }, { tokens: { ...TOKENS, expiresAt: NOW + 10 * 60_000 } });
    await scenario([json({ error: 'invalid_grant' }, 400)], async (api) => {
      await assert.rejects(api.getSocialProfile(), { code: 'token_invalid' });
    }, { tokens: { ...TOKENS, expiresAt: NOW - 1000 }, onRefreshLost: () => assert.fail('not for an expired access token') });
  });

  test('short-lived tokens: the margin shrinks to a quarter of the lifetime', async () => {
    const issuedAt = NOW - 30_000;
    await scenario(
      [json(PROFILE)],
      async (api, { server }) => {
        await api.getSocialProfile();
        assert.equal(server.seen.length, 1, 'a 120 s token with 90 s left is not refreshed yet');
      },
      { tokens: { ...TOKENS, issuedAt, expiresAt: issuedAt + 120_000 } },
    );
  });

  test('JWT exp wins over expires_in', async () => {
    const exp = NOW / 1000 + 7200;
    await scenario([status(401), tokenAnswer(makeJwt({ exp, iat: NOW / 1000 }), 'rt-1', 60), json(PROFILE)], async (api, { saved }) => {
      await api.getSocialProfile();
      assert.equal(saved[0]!.expiresAt, exp * 1000);
      assert.equal(saved[0]!.issuedAt, NOW);
    });
  });

  test('concurrent calls share one refresh', async () => {
    await scenario(
      [tokenAnswer('at-1', 'rt-1'), json(PROFILE), json(PROFILE)],
      async (api, { saved }) => {
        await Promise.all([api.getSocialProfile(), api.getSocialProfile()]);
        assert.equal(saved.length, 1);
      },
      { tokens: { ...TOKENS, expiresAt: NOW + 1000 } },
    );
  });
});

describe('FIT download', () => {
  const fit = Buffer.concat([Buffer.from([14, 0x10, 0, 0, 4, 0, 0, 0]), Buffer.from('.FIT'), Buffer.alloc(60, 7)]);
  const zipStep =
    (zip: Buffer): Step =>
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-zip-compressed' }).end(zip);
    };

  test('the zip is read and the .fit bytes returned (64-bit id in the path)', async () => {
    const id = '9223372036854775000';
    await scenario([zipStep(writeZip([{ name: `${id}_ACTIVITY.fit`, data: fit }]))], async (api, { server }) => {
      const out = await api.downloadFit(id);
      assert.deepEqual(out, fit);
      assert.equal(server.seen[0]!.path, `/download-service/files/activity/${id}`);
    });
  });

  test('a zip failing its CRC is retried, then unavailable', async () => {
    const bad = writeZip([{ name: '1_ACTIVITY.fit', data: fit }]);
    bad.writeUInt32LE(0xdeadbeef, 14); // local header CRC is not read; corrupt the central one
    const cen = bad.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bad.writeUInt32LE(0xdeadbeef, cen + 16);
    await scenario([zipStep(bad), zipStep(bad)], async (api) => {
      await assert.rejects(api.downloadFit('1'), { code: 'unavailable', message: /CRC-32/ });
    }, { retry: { maxAttempts: 2 } });
  });
});
