import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../src/api.js';
import { errorText } from '../../src/errors.js';

const problem = (status: number, code: string, detail: string | undefined, extra: object = {}) =>
  new ApiError(status, code, detail ?? 'Title', { status, code, detail, ...extra }, detail);

test('the detail of a problem, else its title', () => {
  assert.equal(errorText(problem(409, 'sync_in_progress', 'A sync is already running (job j1).')), 'A sync is already running (job j1).');
  assert.equal(errorText(problem(500, 'internal', undefined)), 'Title');
  assert.equal(errorText(new Error('Enter your username and password.')), 'Enter your username and password.');
  assert.equal(errorText('??'), 'Something went wrong. Try again.');
});

test('a throttled answer says how long to wait, in words', () => {
  const wait = (s: number) => errorText(problem(429, 'too_many_attempts', `Too many failed attempts. Try again in ${s} s.`, { retry_after: s }));
  assert.equal(wait(1), 'Too many attempts. Try again in 1 second.');
  assert.equal(wait(42), 'Too many attempts. Try again in 42 seconds.');
  assert.equal(wait(60), 'Too many attempts. Try again in 1 minute.');
  assert.equal(wait(900), 'Too many attempts. Try again in 15 minutes.');
});

test('a wrong code says how many tries are left', () => {
  assert.equal(errorText(problem(401, 'invalid_mfa_code', 'The code is not valid.', { attempts_left: 2 })), 'The code is not valid. 2 attempts left.');
  assert.equal(errorText(problem(401, 'invalid_mfa_code', 'Garmin rejected the code.', { attempts_left: 1 })), 'Garmin rejected the code. 1 attempt left.');
});
