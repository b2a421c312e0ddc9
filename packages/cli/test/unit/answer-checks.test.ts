import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The generator lives in the repository's scripts/ (outside this package's walls): run it, do not import it.
const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('the compiled answer validators are generated from the current @fitsync/api schemas', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-answer-checks.ts', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `src/client/answer-checks.ts is stale: run \`node --import tsx scripts/gen-answer-checks.ts\`\n${r.stderr}`);
});
