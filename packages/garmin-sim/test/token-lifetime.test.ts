import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, CLIENT_ID, http, LOGIN_QUERY, mobileLogin, refresh, type Tokens } from './helpers.js';

// The sign-in obstacles and token lifetimes FitSync's guard is tested against: Cloudflare's block
// page as a fault, the clock set to a time, DI tokens issued without a sign-in, and refresh
// rotation with refresh-token expiry (garmin-protocol.md step 6).
const post = (url: string, body: unknown) =>
  http(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('sign-in blocks and token lifetimes', () => {
  let sim: RunningSim;
  const email = 'life@example.com';
  const profile = (token: string) => http(`${sim.url}/userprofile-service/socialProfile`, { headers: bearer(token) });

  before(async () => {
    sim = await startSim({ seed: 'token-lifetime' });
    sim.createUser({ email, password: 'pw' });
  });
  after(() => sim.close());

  test('cloudflare_block answers every sign-in path it covers with the 403 block page and a cf-ray', async () => {
    const put = await http(`${sim.url}/__sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ path_prefix: '/mobile/api/login', kind: 'cloudflare_block', rate: 1 }, { path_prefix: '/sso/', kind: 'cloudflare_block', rate: 1 }] }),
    });
    assert.equal(put.status, 200);
    try {
      const mobile = await mobileLogin(sim.url, new Map(), email, 'pw');
      const classic = await http(`${sim.url}/sso/signin?${LOGIN_QUERY}`);
      for (const res of [mobile, classic]) {
        assert.equal(res.status, 403);
        assert.match(String(res.headers['content-type']), /text\/html/);
        assert.match(String(res.headers['cf-ray']), /^[0-9a-f]{16}-[A-Z]{3}$/);
        assert.match(res.text, /<title>Attention Required! \| Cloudflare<\/title>/);
        assert.match(res.text, /Sorry, you have been blocked/);
      }
      assert.deepEqual(sim.stats().by_path['/mobile/api/login'], { '403': 1 });
    } finally {
      sim.setFaults([]);
    }
  });

  test('di-token issues a working pair; refresh rotates it and spends the old refresh token at once', async () => {
    const res = await post(`${sim.url}/__sim/users/${encodeURIComponent(email)}/di-token`, {});
    assert.equal(res.status, 201);
    const first = res.json<Tokens & { refresh_token_expires_in: number }>();
    const claims = JSON.parse(Buffer.from(first.access_token.split('.')[1]!, 'base64url').toString()) as { exp: number; client_id: string };
    assert.equal(claims.client_id, CLIENT_ID);
    assert.equal(claims.exp, Math.floor(sim.state.nowMs() / 1000) + first.expires_in);
    assert.equal((await profile(first.access_token)).status, 200);

    const rotated = await refresh(sim.url, first.refresh_token);
    assert.equal(rotated.status, 200);
    const second = rotated.json<Tokens & { refresh_token_expires_in: number }>();
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(second.refresh_token_expires_in, 2592000);
    assert.equal((await refresh(sim.url, first.refresh_token)).status, 400, 'the old refresh token is spent');
    // Rotation does not revoke the previous access token: it lives to its own exp.
    assert.equal((await profile(first.access_token)).status, 200);

    assert.equal((await post(`${sim.url}/__sim/users/${encodeURIComponent(email)}/di-token`, { client_id: 'nope' })).status, 400);
    assert.equal((await post(`${sim.url}/__sim/users/nobody%40example.com/di-token`, {})).status, 404);
  });

  test('clock/set moves the clock; an access token past exp and a refresh token past its expiry are refused', async () => {
    const t = sim.issueDiTokens(email);
    const start = sim.state.nowMs();
    const set = await post(`${sim.url}/__sim/clock/set`, { now: new Date(start + t.expires_in * 1000 + 1000).toISOString() });
    assert.equal(set.status, 200);
    assert.equal((await profile(t.access_token)).status, 401);
    sim.setClock(start + t.refresh_token_expires_in * 1000 + 1000);
    assert.equal((await refresh(sim.url, t.refresh_token)).status, 400, 'a refresh token past its expiry is refused');
    assert.equal((await post(`${sim.url}/__sim/clock/set`, { now: 'tomorrow' })).status, 400);
    sim.setClock(start);
    assert.equal(sim.state.nowMs(), start);
  });
});
