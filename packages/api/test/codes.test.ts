import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CreateSyncJobBody, ERROR_CODES, FORMATS, LoginBody, Problem } from '../src/index.js';

// The schemas' formats, as the server (Ajv) and the CLI (compiled validators) register them.
for (const [name, check] of Object.entries(FORMATS)) FormatRegistry.Set(name, check);

test('every error code in the spec is listed once', () => {
  const spec = [
    'invalid_credentials', 'mfa_required', 'invalid_mfa_code', 'mfa_challenge_expired', 'too_many_attempts',
    'invalid_token', 'invalid_grant', 'not_found', 'validation_error', 'sync_in_progress', 'garmin_not_connected',
    'garmin_auth_failed', 'job_finished', 'idempotency_key_reused', 'rate_limited', 'upstream_unavailable',
  ];
  for (const c of spec) assert.ok(ERROR_CODES.includes(c as never), c);
  assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
});

test('schemas reject what the contract forbids', () => {
  assert.equal(Value.Check(LoginBody, { username: 'ann', password: 'x' }), true);
  assert.equal(Value.Check(LoginBody, { username: 'ann' }), false);
  assert.equal(Value.Check(LoginBody, { username: 'ann', password: 'x', extra: 1 }), false);
  assert.equal(Value.Check(CreateSyncJobBody, { sync_type: 'all', since: '2026-01-01' }), true);
  assert.equal(Value.Check(CreateSyncJobBody, { sync_type: 'all', since: '01/01/2026' }), false);
  assert.equal(Value.Check(CreateSyncJobBody, { sync_type: 'all', since: '2026-02-30' }), false);
  assert.equal(Value.Check(Problem, { type: 'about:blank', title: 'x', status: 400, code: 'nope' }), false);
});
