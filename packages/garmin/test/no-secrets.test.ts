/** Planted secrets never appear in errors (message, string form, JSON, inspect). */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { GarminApi, GarminAuth } from '../src/index.js';
import { json, startScripted, status } from './helpers/scripted-server.js';

const SECRETS = ['Pl4nted-Passw0rd', '918273', 'at-PLANTED-access', 'rt-PLANTED-refresh', 'SESSION-PLANTED-cookie', 'ST-PLANTED-ticket'];

function assertClean(err: unknown): void {
  assert.ok(err instanceof Error);
  const shown = [err.message, String(err), JSON.stringify(err), inspect(err, { depth: 5 })].join('\n');
  for (const s of SECRETS) assert.ok(!shown.includes(s), `error shows ${s}: ${shown}`);
}

test('sign-in, MFA, refresh and data failures never show secrets', async () => {
  const warm = status(200, { 'content-type': 'text/html', 'set-cookie': `SESSION=${SECRETS[4]}; Path=/` }, '<title>x</title>');
  const server = await startScripted([
    warm,
    json({ responseStatus: { type: 'INVALID_USERNAME_PASSWORD' } }, 401),
    warm,
    json({ responseStatus: { type: 'MFA_REQUIRED' }, customerMfaInfo: { mfaLastMethodUsed: 'email' } }),
    json({ responseStatus: { type: 'MFA_CODE_INVALID' } }, 400),
    status(401, { 'www-authenticate': 'Bearer error="invalid_token", error_description="Token is not active"' }),
    json({ error: 'invalid_grant', error_description: `refresh token ${SECRETS[3]} revoked` }, 400),
    warm,
    json({ serviceTicketId: SECRETS[5], responseStatus: { type: 'SUCCESSFUL' } }),
    json({ error: 'invalid_client' }, 400),
  ]);
  try {
    const endpoints = { ssoUrl: server.url, apiUrl: server.url, diauthUrl: server.url };
    const auth = new GarminAuth({ endpoints, strategies: ['mobile'], diClientIds: ['ONLY_ONE'] });
    assertClean(await auth.login('a@example.com', SECRETS[0]!).catch((e: unknown) => e));
    const r = await auth.login('a@example.com', SECRETS[0]!);
    assert.ok(r.status === 'mfa_required');
    const mfaErr = await auth.resumeLogin(r.pending, SECRETS[1]!).catch((e: unknown) => e);
    assert.equal((mfaErr as { code: string }).code, 'mfa_invalid');
    assertClean(mfaErr);
    const api = new GarminApi({
      tokens: { accessToken: SECRETS[2]!, refreshToken: SECRETS[3]!, expiresAt: Date.now() + 3600_000, clientId: 'C' },
      endpoints,
    });
    assertClean(await api.getSocialProfile().catch((e: unknown) => e));
    assertClean(await auth.login('a@example.com', SECRETS[0]!).catch((e: unknown) => e));
    assert.deepEqual(server.failures, []);
  } finally {
    await server.close();
  }
});
