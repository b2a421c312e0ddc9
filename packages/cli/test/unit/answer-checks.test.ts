import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ANSWER_CHECKS_PATH, answerChecksSource } from '../../../../scripts/gen-answer-checks.js';

test('the compiled answer validators are generated from the current @fitsync/api schemas', () => {
  assert.ok(
    readFileSync(ANSWER_CHECKS_PATH, 'utf8') === answerChecksSource(),
    'src/client/answer-checks.ts is stale: run `node --import tsx scripts/gen-answer-checks.ts`',
  );
});
