import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { FakeRuntime } from '@fitsync/runtime/fake';
import { totpCode } from '../../src/crypto/totp.js';
import type { Db } from '../../src/db/db.js';
import { createUser } from '../../src/services/user-admin.js';
import { call } from './api.js';

/** Creates a user and signs in (no MFA); returns the token pair. */
export async function userWithSession(app: FastifyInstance, db: Db, username: string, password = 'correct horse', ip?: string) {
  await createUser(db, username, password);
  const res = await call(app, 'POST', '/v1/auth/login', { body: { username, password }, ip });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, 'authenticated');
  return res.body as { access_token: string; refresh_token: string; session_id: string };
}

/**
 * Creates a user with TOTP enabled through the API; returns the secret and recovery codes.
 * Moves the clock a step forward after confirming so the next code is a fresh step.
 */
export async function userWithMfa(app: FastifyInstance, db: Db, clock: FakeRuntime, username: string, password = 'correct horse') {
  const pair = await userWithSession(app, db, username, password);
  const setup = await call(app, 'POST', '/v1/mfa/totp', { token: pair.access_token });
  assert.equal(setup.status, 200, JSON.stringify(setup.body));
  const secret = setup.body.secret as string;
  const confirm = await call(app, 'POST', '/v1/mfa/totp/confirm', {
    token: pair.access_token,
    body: { code: totpCode(secret, clock.now()) },
  });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  await clock.advance(30_000);
  return { secret, recoveryCodes: confirm.body.recovery_codes as string[], password };
}

/** Starts a password sign-in for an MFA user; returns the challenge id. */
export async function challengeFor(app: FastifyInstance, username: string, password = 'correct horse', ip?: string) {
  const res = await call(app, 'POST', '/v1/auth/login', { body: { username, password }, ip });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.status, 'mfa_required');
  return res.body.challenge_id as string;
}
