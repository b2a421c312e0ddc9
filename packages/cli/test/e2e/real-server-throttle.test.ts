import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { RealServer, runCli, tempDir } from '../helpers/real-server.js';

const server = new RealServer({ FITSYNC_AUTH_MAX_FAILURES: '3' });
const dir = tempDir();
before(async () => {
  await server.start();
  await server.addUser('target', 'the-right-password');
});
after(async () => {
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('repeated wrong passwords end with exit 3 and the time to wait', async () => {
  const env = { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'wrong-password' };
  let last = { code: 0, out: '', err: '' };
  for (let i = 0; i < 5; i++) {
    last = await runCli(['auth', 'login', '--username', 'target'], { configDir: dir, env });
    assert.equal(last.code, 3, last.err);
    if (/Too many attempts/.test(last.err)) break;
    assert.equal(last.err, 'Invalid username or password\n');
  }
  assert.match(last.err, /^Too many attempts; try again in \d+ seconds\n$/);
  // The right password is refused too while locked.
  const right = await runCli(['auth', 'login', '--username', 'target'], { configDir: dir, env: { ...env, FITSYNC_PASSWORD: 'the-right-password' } });
  assert.equal(right.code, 3);
  assert.match(right.err, /Too many attempts; try again in \d+ seconds/);
});
