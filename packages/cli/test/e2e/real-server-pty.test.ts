import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createMfaUser } from '../helpers/mfa-user.js';
import { PtySession } from '../helpers/pty.js';
import { bundlesReady, RealServer, runCli, tempDir } from '../helpers/real-server.js';
import { totpCode } from '../helpers/totp.js';

// Interactive sign-in through a real pseudo-terminal against the real server.
describe('interactive auth login (pty)', () => {
  // Room for the wrong codes these tests type, below the lockout.
  const server = new RealServer({ FITSYNC_AUTH_MAX_FAILURES: '50' });
  const dirs: string[] = [];
  const ptys: PtySession[] = [];
  let secret = '';
  const PASSWORD = 'Pty-Password-Visible?';

  before(async () => {
    await server.start();
    secret = (await createMfaUser(server, 'ptyuser', PASSWORD)).secret;
  });
  after(async () => {
    for (const p of ptys) p.kill();
    await server.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const session = async () => {
    await bundlesReady();
    const d = tempDir();
    dirs.push(d);
    const p = new PtySession(['auth', 'login', '--server', server.url], { HOME: d, FITSYNC_CONFIG_DIR: d });
    ptys.push(p);
    return { p, d };
  };

  test('asks username, hidden password and code; a wrong code is asked again; then signed in', async () => {
    const { p, d } = await session();
    await p.waitFor('Username: ');
    p.type('ptyuser\r');
    await p.waitFor('Password: ');
    p.type(`${PASSWORD}\r`);
    await p.waitFor('recovery code): ');
    p.type('000000\r');
    await p.waitFor('Invalid code, 2 attempts left');
    await p.waitFor('recovery code): ');
    p.type(`${totpCode(secret, Date.now() + 30_000)}\r`);
    assert.equal(await p.exitCode(), 0, p.output);
    assert.match(p.output, /Signed in as ptyuser/);
    assert.ok(!p.output.includes(PASSWORD), 'the password was not echoed');
    assert.ok(p.output.includes('ptyuser'), 'the username was echoed (visible prompt)');
    const status = await runCli(['auth', 'status', '-o', 'json'], { configDir: d });
    assert.equal(JSON.parse(status.out).mfa_verified, true);
  });

  test('the third wrong code exits 3', async () => {
    const { p } = await session();
    await p.waitFor('Username: ');
    p.type('ptyuser\r');
    await p.waitFor('Password: ');
    p.type(`${PASSWORD}\r`);
    for (const left of [2, 1]) {
      await p.waitFor('recovery code): ');
      p.type('000001\r');
      await p.waitFor(`Invalid code, ${left} attempt`);
    }
    await p.waitFor('recovery code): ');
    p.type('000001\r');
    assert.equal(await p.exitCode(), 3, p.output);
    assert.match(p.output, /no attempts left/);
  });

  test('Ctrl-C at the password prompt exits 130 and leaves the terminal usable', async () => {
    const { p } = await session();
    await p.waitFor('Username: ');
    p.type('ptyuser\r');
    await p.waitFor('Password: ');
    p.type('abc\u0003');
    assert.equal(await p.exitCode(), 130, p.output);
    assert.match(p.output, /cancelled/);
  });
});
