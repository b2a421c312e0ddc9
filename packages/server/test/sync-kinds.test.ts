import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SYNC_TYPES } from '@fitsync/api/codes';
import { parseCounts } from '../src/sync/kind-counts.js';
import { checkKindsContract } from '../src/sync/kinds/check-kinds-contract.js';
import { DATA_KINDS, KIND_NAMES, kindsOf } from '../src/sync/kinds/index.js';

describe('the data kind registry', () => {
  test('names exactly the kinds of the API contract (sync types and counts)', () => {
    checkKindsContract();
    assert.deepEqual([...KIND_NAMES].sort(), SYNC_TYPES.filter((t) => t !== 'all').sort());
  });

  test('a kind on one side only stops the server at start-up', () => {
    assert.throws(() => checkKindsContract([...KIND_NAMES, 'sleep']), /data kinds \(.*sleep.*\) differ from the API contract's SYNC_TYPES/);
    assert.throws(() => checkKindsContract(KIND_NAMES.slice(1)), /differ from the API contract/);
  });

  test("'all' runs every kind in registry order; a kind's own type runs only it", () => {
    assert.deepEqual(
      kindsOf('all').map((k) => k.name),
      DATA_KINDS.map((k) => k.name),
    );
    for (const name of KIND_NAMES) assert.deepEqual(kindsOf(name).map((k) => k.name), [name]);
    assert.deepEqual(kindsOf('no-such-kind'), []);
  });

  test('stored counts are read per registered kind, tolerating old or partial JSON', () => {
    const counts = parseCounts(JSON.stringify({ [KIND_NAMES[0]!]: { new: 3, updated: -1 }, retired: { new: 9 } }), KIND_NAMES);
    assert.deepEqual(Object.keys(counts), [...KIND_NAMES]);
    assert.deepEqual(counts[KIND_NAMES[0]!], { new: 3, updated: 0, unchanged: 0 });
    assert.deepEqual(parseCounts('not json', KIND_NAMES)[KIND_NAMES[1]!], { new: 0, updated: 0, unchanged: 0 });
  });
});
