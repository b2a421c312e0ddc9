import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/real-server.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { tokenPair } from '../helpers/stub-server.js';

// The built CLI as a child process with a kill timer: the old code looped
// forever inside a synchronous mkdirSync, which no in-process test timeout can
// interrupt; here such a hang fails the test (runCli rejects) instead of the suite.
const PROMPTLY_MS = 15_000;

describe('an unusable config directory: exit 2 naming it, promptly', () => {
  const { setup } = stubFixture();

  const login = async (configDir: string) => {
    const { stub } = await setup([{ method: 'POST', path: '/v1/auth/login', reply: tokenPair() }]);
    const r = await runCli(['auth', 'login', '--server', stub.url, '--username', 'ada', '--password-stdin'], {
      configDir,
      input: 'pw-1\n',
      timeoutMs: PROMPTLY_MS,
    });
    stub.verify();
    return r;
  };

  test('under /proc (mkdir says ENOENT below an existing parent: Node 20 recursive mkdir spun forever)', { timeout: 30_000 }, async () => {
    const dir = '/proc/fitsync-test-cfg/fitsync';
    const r = await login(dir);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /cannot create the config directory \/proc\/fitsync-test-cfg\/fitsync: it cannot be created there/);
    assert.match(r.err, /--config-dir or FITSYNC_CONFIG_DIR/);
    assert.doesNotMatch(r.err, /this is a bug/);
  });

  test('a directory that refuses new files (sysfs: EACCES even for root, standing in for a read-only directory, which chmod cannot make for root)', { timeout: 30_000 }, async () => {
    const r = await login('/sys');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /cannot write to the config directory \/sys: (permission denied|read-only file system)/);
    assert.doesNotMatch(r.err, /this is a bug/);
  });

  test('a path whose parent is a file (ENOTDIR)', { timeout: 30_000 }, async () => {
    const { dir: base } = await setup();
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    const r = await login(join(file, 'fitsync'));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`cannot create the config directory ${join(file, 'fitsync')}: a part of the path is not a directory`));
  });
});
