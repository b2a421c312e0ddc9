import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type RunningSim, startSim } from '../src/index.js';
import { ANDROID_SERVICE, bearer, http, mobileLogin, type Tokens } from './helpers.js';

const CONSUMER = { key: 'fc3e99d2-118c-44b8-8ae3-03370dde24c0', secret: 'garmin-sim-consumer-secret' };

const pct = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** An OAuth 1.0a HMAC-SHA1 Authorization header (RFC 5849), as garth/requests-oauthlib send it. */
function oauthHeader(method: string, url: string, extra: Record<string, string>, token?: { key: string; secret: string }) {
  const u = new URL(url);
  const oauth: Record<string, string> = {
    oauth_consumer_key: CONSUMER.key,
    oauth_nonce: '1234567890',
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: '1773811983',
    oauth_version: '1.0',
    ...(token ? { oauth_token: token.key } : {}),
  };
  const params = [...Object.entries(oauth), ...u.searchParams, ...Object.entries(extra)]
    .map(([k, v]) => [pct(k), pct(v)])
    .sort((a, b) => (a[0]! === b[0]! ? a[1]!.localeCompare(b[1]!) : a[0]! < b[0]! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${method}&${pct(`${u.origin}${u.pathname}`)}&${pct(params)}`;
  const sig = createHmac('sha1', `${pct(CONSUMER.secret)}&${pct(token?.secret ?? '')}`).update(base).digest('base64');
  oauth.oauth_signature = sig;
  return `OAuth ${Object.entries(oauth)
    .map(([k, v]) => `${k}="${pct(v)}"`)
    .join(', ')}`;
}

describe('legacy OAuth1 (garth tokens)', () => {
  let sim: RunningSim;
  before(async () => {
    sim = await startSim({ seed: 'oauth1' });
    sim.createUser({ email: 'g@example.com', password: 'pw' });
    sim.createUser({ email: 'gm@example.com', password: 'pw', mfa: 'email' });
  });
  after(() => sim.close());

  const exchange = (token: { key: string; secret: string }, form: Record<string, string>, tamper = false) => {
    const url = `${sim.url}/oauth-service/oauth/exchange/user/2.0`;
    let auth = oauthHeader('POST', url, form, token);
    if (tamper) auth = auth.replace(/oauth_signature="[^"]+"/, 'oauth_signature="AAAA"');
    return http(url, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  };

  test('an imported OAuth1 token exchanges for working OAuth2 tokens; bad signatures are refused', async () => {
    const minted = (await http(`${sim.url}/__sim/users/g%40example.com/oauth1-token`, { method: 'POST' })).json<{
      oauth_token: string;
      oauth_token_secret: string;
    }>();
    const token = { key: minted.oauth_token, secret: minted.oauth_token_secret };
    assert.equal((await exchange(token, {}, true)).status, 401);
    assert.equal((await exchange({ key: token.key, secret: 'wrong' }, {})).status, 401);
    const ok = await exchange(token, {});
    assert.equal(ok.status, 200);
    const t = ok.json<Tokens>();
    assert.equal(t.token_type, 'Bearer');
    assert.equal((await http(`${sim.url}/userprofile-service/socialProfile`, { headers: bearer(t.access_token) })).status, 200);
    sim.revokeTokens('g@example.com');
    assert.equal((await exchange(token, {})).status, 401);
  });

  test('MFA accounts need the mfa_token in the exchange form', async () => {
    const minted = (await http(`${sim.url}/__sim/users/gm%40example.com/oauth1-token`, { method: 'POST' })).json<{
      oauth_token: string;
      oauth_token_secret: string;
      mfa_token: string;
    }>();
    const token = { key: minted.oauth_token, secret: minted.oauth_token_secret };
    assert.equal((await exchange(token, {})).status, 401);
    assert.equal((await exchange(token, { mfa_token: minted.mfa_token })).status, 200);
  });

  test('preauthorized answers 401 (as since March 2026) unless enabled, then turns a ticket into OAuth1', async () => {
    const ticketFor = async () =>
      (await mobileLogin(sim.url, new Map(), 'g@example.com', 'pw')).json<{ serviceTicketId: string }>().serviceTicketId;
    const pre = async () => {
      const url = `${sim.url}/oauth-service/oauth/preauthorized?ticket=${await ticketFor()}&login-url=${encodeURIComponent(ANDROID_SERVICE)}&accepts-mfa-tokens=true`;
      return http(url, { headers: { authorization: oauthHeader('GET', url, {}) } });
    };
    assert.equal((await pre()).status, 401);
    sim.configure({ oauth1_preauthorized: true });
    const ok = await pre();
    assert.equal(ok.status, 200);
    const form = new URLSearchParams(ok.text);
    const token = { key: form.get('oauth_token')!, secret: form.get('oauth_token_secret')! };
    assert.equal((await exchange(token, {})).status, 200);
  });
});
