import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { CorruptCredentialsError, CredentialStore } from '../../src/credentials/store.js';
import { UsageError } from '../../src/errors.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { creds } from '../helpers/seed.js';
import { StubServer, tokenPair } from '../helpers/stub-server.js';

describe('credential store', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));
  const dir = () => {
    const d = join(tempConfigDir(), 'nested', 'fitsync');
    dirs.push(d);
    return d;
  };

  test('creates the file 0600 in a 0700 directory and round-trips', async () => {
    const d = dir();
    const store = new CredentialStore(d, systemRuntime);
    const c = creds('https://a.example', Date.now());
    await store.write('default', c);
    await store.write('work', creds('https://b.example', Date.now(), { username: 'bob' }));
    assert.equal(statSync(d).mode & 0o777, 0o700);
    assert.equal(statSync(store.path).mode & 0o777, 0o600);
    const back = await store.read('default');
    assert.equal(back?.accessToken.reveal(), 'acc-old');
    assert.equal(back?.refreshExpiresAt, c.refreshExpiresAt);
    assert.equal((await store.read('work'))?.username, 'bob');
    // Atomic write leaves no temp files and no lock behind.
    assert.deepEqual(readdirSync(d).sort(), ['credentials.toml']);
    await store.write('default', undefined);
    assert.equal(await store.read('default'), undefined);
    assert.equal((await store.read('work'))?.username, 'bob');
  });

  test('refuses a file readable by group or others, telling how to fix it', async () => {
    const d = dir();
    const store = new CredentialStore(d, systemRuntime);
    await store.write('default', creds('https://a.example', Date.now()));
    chmodSync(store.path, 0o644);
    await assert.rejects(store.read('default'), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /accessible by other users \(mode 644\)/);
      assert.match(e.hint ?? '', new RegExp(`chmod 600 ${store.path}`));
      return true;
    });
    const r = await runMain(['auth', 'token'], { configDir: d });
    assert.equal(r.code, 2);
    assert.match(r.err, /chmod 600/);
    assert.doesNotMatch(r.err + r.out, /acc-old/);
  });

  test('a corrupt file is reported (exit 2) and auth login replaces it', async () => {
    const d = dir();
    const store = new CredentialStore(d, systemRuntime);
    await store.write('default', creds('https://a.example', Date.now()));
    writeFileSync(store.path, 'this is = = not toml [', { mode: 0o600 });
    await assert.rejects(store.read('default'), CorruptCredentialsError);
    const status = await runMain(['auth', 'status'], { configDir: d });
    assert.equal(status.code, 2);
    assert.match(status.err, /credentials\.toml is corrupt/);
    assert.match(status.err, /fitsync auth login/);

    const stub = await StubServer.start([{ method: 'POST', path: '/v1/auth/login', reply: tokenPair() }]);
    try {
      const r = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: d, env: { FITSYNC_PASSWORD: 'pw' } });
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /replaced the corrupt credentials file/);
      stub.verify();
    } finally {
      await stub.close();
    }
    assert.equal((await store.read('default'))?.accessToken.reveal(), 'acc-1');
    assert.match(readFileSync(store.path, 'utf8'), /\[profiles\.default\]/);
  });

  test('a profile entry with missing fields counts as corrupt', async () => {
    const d = dir();
    const store = new CredentialStore(d, systemRuntime);
    await store.write('default', creds('https://a.example', Date.now()));
    writeFileSync(store.path, '[profiles.default]\nserver = "https://a.example"\n', { mode: 0o600 });
    await assert.rejects(store.read('default'), CorruptCredentialsError);
  });
});

describe('local files are read with a size cap (1 MiB)', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));

  test('an oversized credentials.toml: exit 2 naming the file, not read whole', async () => {
    const dir = tempConfigDir();
    dirs.push(dir);
    const store = new CredentialStore(dir, systemRuntime);
    await store.write('default', creds('http://127.0.0.1:9', Date.now()));
    // Still valid TOML (a long comment), so only a size cap can refuse it.
    const text = readFileSync(store.path, 'utf8');
    writeFileSync(store.path, `${text}#${'x'.repeat(2 * 1024 * 1024)}\n`, { mode: 0o600 });
    const r = await runMain(['auth', 'token'], { configDir: dir });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`${store.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is larger than 1 MiB`));
  });

  test('an oversized config.toml: exit 2 naming the file', async () => {
    const dir = tempConfigDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'config.toml'), `[profiles.default]\noutput = "json"\n#${'x'.repeat(2 * 1024 * 1024)}\n`);
    const r = await runMain(['auth', 'status'], { configDir: dir });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /config\.toml is larger than 1 MiB/);
  });
});
