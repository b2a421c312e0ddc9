import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundlesReady, CLI_BIN, collectOutput, credentialValue, RealServer, runCli, tempDir } from '../helpers/real-server.js';

interface Child {
  code: Promise<number>;
  out: () => string;
  err: () => string;
}

function startCli(args: string[], configDir: string, onErr: (text: string) => void): Child {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: configDir, FITSYNC_CONFIG_DIR: configDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child, onErr);
  const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return {
    code: new Promise((resolve) =>
      child.on('close', (code) => {
        clearTimeout(t);
        resolve(code ?? -1);
      }),
    ),
    out: output.out,
    err: output.err,
  };
}

// Access tokens live 2 s here, so expiry happens during the test: the one place
// where a real wait is needed (the server's clock is not ours to inject).
describe('transparent refresh with 20 concurrent CLI processes', () => {
  const server = new RealServer({ FITSYNC_ACCESS_TOKEN_TTL: '2' });
  const dir = tempDir();

  before(async () => {
    await server.start();
    await server.addUser('busy', 'busy-password-1');
  });
  after(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an expired token: 20 `auth token` at once all succeed with exactly one refresh', async () => {
    const login = await runCli(['auth', 'login', '--username', 'busy'], { configDir: dir, env: { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'busy-password-1' } });
    assert.equal(login.code, 0, login.err);
    const before = await server.metric('fitsync_auth_refresh_total');
    const oldAccess = credentialValue(dir, 'access_token');
    await new Promise((r) => setTimeout(r, 2_500));
    // Hold the credentials lock (as another live process would) until all 20
    // have read the expired token and queue for the lock: then they truly race
    // for one refresh, however slowly this machine starts 20 processes. Without
    // the gate, a process starting after the refreshed 2 s token has expired
    // again would rightly refresh a second time.
    const lockPath = join(dir, 'credentials.toml.lock');
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, created_at: Date.now() }));
    await bundlesReady();
    let waiting = 0;
    let allWaiting: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      allWaiting = resolve;
    });
    const children = Array.from({ length: 20 }, () => {
      let counted = false;
      return startCli(['auth', 'token', '-v'], dir, (err) => {
        if (!counted && err.includes('waiting for the lock')) {
          counted = true;
          if (++waiting === 20) allWaiting();
        }
      });
    });
    const gateTimeout = setTimeout(() => allWaiting(), 45_000);
    await gate;
    clearTimeout(gateTimeout);
    assert.equal(waiting, 20, 'all 20 processes queued for the lock');
    rmSync(lockPath);
    const codes = await Promise.all(children.map((c) => c.code));
    for (const [i, code] of codes.entries()) assert.equal(code, 0, children[i]?.err());
    const tokens = new Set(children.map((c) => c.out().trim()));
    assert.equal((await server.metric('fitsync_auth_refresh_total')) - before, 1, 'exactly one refresh');
    assert.equal(tokens.size, 1, 'every process printed the same, refreshed token');
    assert.ok(!tokens.has(oldAccess));
    for (const c of children) assert.ok(!c.err().includes([...tokens][0] as string), 'no token in the -v log');
    const status = await runCli(['auth', 'status'], { configDir: dir });
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /signed in/);
  });

  test('with the server down, logout still removes the credentials and warns (exit 0)', async () => {
    await server.stop();
    const r = await runCli(['auth', 'logout'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /warning: cannot reach http:\/\/127\.0\.0\.1:\d+: .*not revoked on the server/);
    assert.doesNotMatch(readFileSync(join(dir, 'credentials.toml'), 'utf8'), /refresh_token/);
    assert.equal((await runCli(['auth', 'status'], { configDir: dir })).code, 3);
  });
});
