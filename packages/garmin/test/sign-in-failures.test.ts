/**
 * Sign-in failure rules against a scripted local server: throttling stops at
 * once with the wait, CAPTCHA/Cloudflare fall through to the classic flow,
 * DI client ids are tried in order, unknown answers are named.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GarminAuth, GarminRateLimitedError, GarminUnexpectedAnswerError } from '../src/index.js';
import { makeJwt } from './helpers/fixtures.js';
import { json, type ScriptedServer, type Step, startScripted, status } from './helpers/scripted-server.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const runtime = { now: () => NOW, sleep: async () => {}, random: () => 0 };
const warmup = status(200, { 'content-type': 'text/html', 'set-cookie': 'SESSION=s1; Path=/; Secure; HttpOnly' }, '<title>Garmin SSO Portal</title>');
const html = (code: number, body: string, headers: Record<string, string> = {}): Step => status(code, { 'content-type': 'text/html;charset=UTF-8', ...headers }, body);
const token = json({ access_token: makeJwt({ exp: NOW / 1000 + 3600 }), refresh_token: 'rt', expires_in: 3600 });
const classicSteps = (ticket: string): Step[] => [
  html(200, '<title>GAuth Embedded Version</title>'),
  html(200, '<title>GARMIN Authentication Application</title><input type="hidden" name="_csrf" value="C1" />'),
  html(200, `<title>Success</title><script>var response_url = "https:\\/\\/sso.garmin.com\\/sso\\/embed?ticket=${ticket}";</script>`),
];

async function run(steps: Step[], fn: (auth: GarminAuth, server: ScriptedServer) => Promise<void>): Promise<void> {
  const server = await startScripted(steps);
  try {
    await fn(new GarminAuth({ endpoints: { ssoUrl: server.url, apiUrl: server.url, diauthUrl: server.url }, runtime }), server);
    assert.deepEqual(server.failures, []);
  } finally {
    await server.close();
  }
}

describe('sign-in throttling and fallbacks', () => {
  test('HTTP 429 on sign-in: no retry, no other strategy, the wait reported', async () => {
    await run([warmup, json({ message: 'too many' }, 429, { 'retry-after': '1800' })], async (auth, server) => {
      const err = await auth.login('a@example.com', 'pw').catch((e: unknown) => e);
      assert.ok(err instanceof GarminRateLimitedError);
      assert.equal(err.retryAfterSeconds, 1800);
      assert.equal(err.code, 'rate_limited');
      assert.equal(server.seen.length, 2);
    });
  });

  test('JSON status-code "429" with HTTP 200, no Retry-After: 15 min default', async () => {
    await run([warmup, json({ 'status-code': '429', 'status-message': 'Too Many Requests' })], async (auth, server) => {
      await assert.rejects(auth.login('a@example.com', 'pw'), { code: 'rate_limited', retryAfterSeconds: 900 });
      assert.equal(server.seen.length, 2);
    });
  });

  test('429 on the warm-up page already stops', async () => {
    await run([status(429, { 'retry-after': '60' })], async (auth) => {
      await assert.rejects(auth.login('a@example.com', 'pw'), { code: 'rate_limited', retryAfterSeconds: 60 });
    });
  });

  test('CAPTCHA_REQUIRED → classic widget flow signs in', async () => {
    await run(
      [warmup, json({ responseStatus: { type: 'CAPTCHA_REQUIRED' } }), ...classicSteps('ST-42-abc-cas'), token],
      async (auth, server) => {
        const r = await auth.login('a@example.com', 'pw');
        assert.equal(r.status, 'authenticated');
        const post = server.seen[4]!;
        assert.equal(post.method, 'POST');
        assert.deepEqual(Object.fromEntries(new URLSearchParams(post.body)), {
          username: 'a@example.com',
          password: 'pw',
          embed: 'true',
          _csrf: 'C1',
        });
        const di = new URLSearchParams(server.seen[5]!.body);
        assert.equal(di.get('service_ticket'), 'ST-42-abc-cas');
        assert.equal(di.get('service_url'), `${server.url}/sso/embed`);
      },
    );
  });

  test('Cloudflare 403 HTML → classic; if classic fails too, its typed error names the page title', async () => {
    await run(
      [
        warmup,
        html(403, '<title>Just a moment...</title>'),
        html(200, '<title>GAuth Embedded Version</title>'),
        html(200, '<input name="_csrf" value="C1">'),
        html(200, '<title>Update Phone Number</title>'),
      ],
      async (auth) => {
        const err = await auth.login('a@example.com', 'secret-pw').catch((e: unknown) => e);
        assert.ok(err instanceof GarminUnexpectedAnswerError);
        assert.match(err.message, /"Update Phone Number"/);
        assert.ok(!err.message.includes('secret-pw'));
      },
    );
  });

  test('Cloudflare on every strategy → cloudflare_blocked', async () => {
    await run([warmup, html(403, '<title>Attention Required! | Cloudflare</title>'), html(403, '<title>Attention Required!</title>')], async (auth) => {
      await assert.rejects(auth.login('a@example.com', 'pw'), { code: 'cloudflare_blocked' });
    });
  });

  test('an unknown responseStatus.type is named in the error', async () => {
    await run([warmup, json({ responseStatus: { type: 'ACCOUNT_NEEDS_CONSENT' } })], async (_auth, server) => {
      const only = new GarminAuth({ endpoints: { ssoUrl: server.url, diauthUrl: server.url }, runtime, strategies: ['mobile'] });
      await assert.rejects(only.login('a@example.com', 'pw'), { code: 'unexpected_answer', message: /ACCOUNT_NEEDS_CONSENT/ });
    });
  });

  test('Garmin 5xx on sign-in: unavailable, no other strategy', async () => {
    await run([warmup, json({ message: 'oops' }, 503)], async (auth, server) => {
      await assert.rejects(auth.login('a@example.com', 'pw'), { code: 'unavailable', message: /HTTP 503/ });
      assert.equal(server.seen.length, 2);
    });
  });

  test('DI client ids are tried in order until one is accepted', async () => {
    await run(
      [warmup, json({ serviceTicketId: 'ST-1', responseStatus: { type: 'SUCCESSFUL' } }), json({ error: 'invalid_client' }, 401), token],
      async (auth, server) => {
        const r = await auth.login('a@example.com', 'pw');
        assert.ok(r.status === 'authenticated');
        assert.equal(r.tokens.clientId, 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4');
        assert.equal(new URLSearchParams(server.seen[2]!.body).get('client_id'), 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2');
        assert.equal(new URLSearchParams(server.seen[3]!.body).get('client_id'), 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4');
        assert.equal(new URLSearchParams(server.seen[3]!.body).get('service_url'), 'https://mobile.integration.garmin.com/gcm/android');
      },
    );
  });

  test('bad input never reaches Garmin', async () => {
    await run([], async (auth) => {
      await assert.rejects(auth.login('', 'pw'), { code: 'invalid_input' });
      await assert.rejects(auth.login('a@example.com', ''), { code: 'invalid_input' });
      await assert.rejects(auth.resumeLogin({} as never, '123456'), { code: 'invalid_input' });
    });
  });

  test('a pending sign-in older than the limit is expired', async () => {
    await run([], async (auth) => {
      const pending = {
        version: 1 as const,
        strategy: 'mobile' as const,
        params: { clientId: 'GCM_ANDROID_DARK', service: 'https://mobile.integration.garmin.com/gcm/android', locale: 'en-US' },
        cookies: [],
        mfaMethod: 'email',
        startedAt: NOW - 31 * 60_000,
      };
      await assert.rejects(auth.resumeLogin(pending, '123456'), { code: 'mfa_expired' });
    });
  });
});
