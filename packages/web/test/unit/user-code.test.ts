import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeUserCode } from '../../src/user-code.js';

test('a user code is accepted in any case, with or without the dash or spaces', () => {
  for (const typed of ['BCDF-GHJK', 'bcdfghjk', ' bcdf ghjk ', 'Bcdf-ghjk']) assert.equal(normalizeUserCode(typed), 'BCDF-GHJK', typed);
});

test('anything else is passed on as typed (trimmed, upper case) for the server to refuse', () => {
  assert.equal(normalizeUserCode('bcd'), 'BCD');
  assert.equal(normalizeUserCode('BCDF-GHJ1K'), 'BCDF-GHJ1K');
  assert.equal(normalizeUserCode('  '), '');
});
