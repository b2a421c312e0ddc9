import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatUserCode, normalizeUserCode } from '../src/index.js';

test('user codes: any case, dash and spaces optional; nothing outside the 20 letters', () => {
  for (const typed of ['BCDF-GHJK', 'bcdfghjk', ' bcdf ghjk ', 'Bcdf-gHjk']) assert.equal(normalizeUserCode(typed), 'BCDFGHJK', typed);
  for (const junk of ['', 'BCDF-GHJ', 'BCDF-GHJKL', 'ABCD-GHJK', 'BCDF-GHJ1', 'BCDF_GHJK']) assert.equal(normalizeUserCode(junk), undefined, junk);
  assert.equal(formatUserCode('BCDFGHJK'), 'BCDF-GHJK');
});
