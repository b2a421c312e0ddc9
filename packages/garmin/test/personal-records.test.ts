import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PR_TYPES, prType } from '../src/index.js';

test('personal-record typeIds: known ones carry a label and unit, unknown ones null', () => {
  assert.deepEqual(prType(1), { label: '1 km', unit: 's' });
  assert.deepEqual(prType(2), { label: '1 mile', unit: 's' });
  assert.deepEqual(prType(7), { label: 'longest run', unit: 'm' });
  assert.deepEqual(prType(12), { label: 'most steps in a day', unit: 'steps' });
  assert.deepEqual(prType(16), { label: null, unit: null });
  assert.deepEqual(prType(-1), { label: null, unit: null });
  assert.deepEqual(Object.keys(PR_TYPES).map(Number), [1, 2, 3, 4, 7, 8, 12, 13, 14]);
  for (const t of Object.values(PR_TYPES)) assert.ok(['s', 'm', 'steps'].includes(t.unit));
});
