import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { VERSION } from '../../src/version.js';
import { runCli, tempDir } from '../helpers/real-server.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

test('runCli: a CLI that ends without reading its stdin is judged by its exit code, not a broken pipe', async () => {
  // Far more than a pipe holds: the write is still pending when `--version` has answered and exited.
  const r = await runCli(['--version'], { configDir: dir, input: 'x'.repeat(8 * 1024 * 1024) });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `fitsync ${VERSION}\n`);
});
