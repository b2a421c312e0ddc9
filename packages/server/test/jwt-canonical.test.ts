import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type AccessClaims, signJwt, verifyJwt } from '../src/crypto/jwt.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call } from './helpers/api.js';
import { userWithSession } from './helpers/flows.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Spellings of the same signature that decode to the same bytes but are not the canonical
 * base64url encoding (RFC 7515 §2: base64url without padding). Each must be refused.
 */
function nonCanonicalVariants(token: string): Record<string, string> {
  const [h, p, s] = token.split('.') as [string, string, string];
  // 32 bytes = 43 characters carrying 258 bits: the last character's two low bits are unused.
  const last = B64URL.indexOf(s.at(-1)!);
  const sameBytesLast = B64URL[last ^ 1]!;
  const variants: Record<string, string> = {
    'padded signature': `${h}.${p}.${s}=`,
    'signature with a stray "!"': `${h}.${p}.${s.slice(0, 10)}!${s.slice(10)}`,
    'unused bits set in the last character': `${h}.${p}.${s.slice(0, -1)}${sameBytesLast}`,
    'padded payload': `${h}.${p}=.${s}`,
    'header with a stray "!"': `!${h}.${p}.${s}`,
  };
  if (/[-_]/.test(s)) variants['standard base64 alphabet (+/)'] = `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`;
  return variants;
}

describe('access token JWT: only the canonical base64url encoding is accepted', () => {
  const key = randomBytes(32);
  const now = 1_700_000_000_000;

  test('verifyJwt refuses every non-canonical spelling of a valid token', () => {
    // Sign until the signature holds a "-" or "_" so the +/ variant is exercised too.
    let token = '';
    for (let i = 0; !/[-_]/.test(token.split('.')[2] ?? ''); i++) {
      const claims: AccessClaims = { sub: 'u1', sid: 's1', mfa: false, iat: now / 1000, exp: now / 1000 + 900, jti: `j${i}` };
      token = signJwt(claims, key);
    }
    assert.ok(verifyJwt(token, key, now), 'the canonical token verifies');
    const variants = nonCanonicalVariants(token);
    assert.equal(Object.keys(variants).length, 6);
    for (const [name, v] of Object.entries(variants)) {
      assert.notEqual(v, token);
      assert.equal(verifyJwt(v, key, now), null, `${name} was accepted`);
    }
  });
});

describe('access token JWT: non-canonical spellings get 401 invalid_token over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.close());

  test('each variant of a valid access token is refused by GET /v1/me', async () => {
    const pair = await userWithSession(s.app, s.db, 'canon');
    let token = pair.access_token;
    let refresh = pair.refresh_token;
    // Rotate until the signature holds a "-" or "_" (each token has a fresh jti).
    while (!/[-_]/.test(token.split('.')[2]!)) {
      const r = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: refresh } });
      assert.equal(r.status, 200);
      token = r.body.access_token;
      refresh = r.body.refresh_token;
    }
    assert.equal((await call(s.app, 'GET', '/v1/me', { token })).status, 200);
    for (const [name, v] of Object.entries(nonCanonicalVariants(token))) {
      const res = await call(s.app, 'GET', '/v1/me', { token: v });
      assertProblem(res, 401, 'invalid_token');
      assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"', name);
    }
  });
});
