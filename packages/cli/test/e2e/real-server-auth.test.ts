import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMfaUser } from '../helpers/mfa-user.js';
import { credentialValue, httpJson, RealServer, runCli, tempDir } from '../helpers/real-server.js';
import { totpCode } from '../helpers/totp.js';

// Black-box: the built CLI against the real fitsync-server binary.
describe('auth against the real server', () => {
  const server = new RealServer();
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  let mfa: { secret: string; recoveryCodes: string[] };

  before(async () => {
    await server.start();
    await server.addUser('plain', 'plain-password-1');
    await server.addUser('wrongpw', 'right-password-1');
    mfa = await createMfaUser(server, 'mfauser', 'mfa-password-1');
  });
  after(async () => {
    await server.dispose();
    const { rmSync } = await import('node:fs');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('login without MFA (password on stdin), status, token', async () => {
    const d = dir();
    const login = await runCli(['auth', 'login', '--server', server.url, '--username', 'plain', '--password-stdin'], { configDir: d, input: 'plain-password-1\n' });
    assert.equal(login.code, 0, login.err);
    assert.match(login.err, new RegExp(`Signed in as plain to ${server.url}`));
    const status = await runCli(['auth', 'status', '-o', 'json'], { configDir: d });
    assert.equal(status.code, 0, status.err);
    const doc = JSON.parse(status.out);
    assert.equal(doc.username, 'plain');
    assert.equal(doc.server, server.url);
    assert.equal(doc.mfa_verified, false);
    const token = await runCli(['auth', 'token'], { configDir: d });
    assert.equal(token.code, 0);
    const me = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token.out.trim()}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      }, reject);
    });
    assert.equal(me, 200, 'the printed token works');
  });

  test('login with --mfa-code; the same code again is refused (exit 3)', async () => {
    const code = totpCode(mfa.secret, Date.now() + 30_000);
    const env = { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'mfa-password-1' };
    const a = await runCli(['auth', 'login', '--username', 'mfauser', '--mfa-code', code], { configDir: dir(), env });
    assert.equal(a.code, 0, a.err);
    const status = await runCli(['auth', 'status', '-o', 'json'], { configDir: dirs.at(-1) as string });
    assert.equal(JSON.parse(status.out).mfa_verified, true);
    const b = await runCli(['auth', 'login', '--username', 'mfauser'], { configDir: dir(), env: { ...env, FITSYNC_MFA_CODE: code } });
    assert.equal(b.code, 3, b.err);
    assert.match(b.err, /Invalid code/);
  });

  test('login with a recovery code', async () => {
    const env = { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'mfa-password-1' };
    const r = await runCli(['auth', 'login', '--username', 'mfauser', '--recovery-code', mfa.recoveryCodes[0] as string], { configDir: dir(), env });
    assert.equal(r.code, 0, r.err);
  });

  test('MFA required without a TTY and without a code: exit 2 naming --mfa-code and FITSYNC_MFA_CODE', async () => {
    const r = await runCli(['auth', 'login', '--username', 'mfauser'], { configDir: dir(), env: { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'mfa-password-1' } });
    assert.equal(r.code, 2);
    assert.match(r.err, /--mfa-code/);
    assert.match(r.err, /FITSYNC_MFA_CODE/);
  });

  test('wrong password and unknown user: exit 3 "Invalid username or password"', async () => {
    for (const username of ['wrongpw', 'nobody-here']) {
      const d = dir();
      const r = await runCli(['auth', 'login', '--username', username], { configDir: d, env: { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'not-it' } });
      assert.equal(r.code, 3, username);
      assert.equal(r.err, 'Invalid username or password\n', username);
      assert.equal(existsSync(join(d, 'credentials.toml')), false);
    }
  });

  test('logout revokes the session (the old refresh token is refused) and removes the credentials', async () => {
    const d = dir();
    const env = { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'plain-password-1' };
    assert.equal((await runCli(['auth', 'login', '--username', 'plain'], { configDir: d, env })).code, 0);
    const refresh = credentialValue(d, 'refresh_token');
    const out = await runCli(['auth', 'logout'], { configDir: d });
    assert.equal(out.code, 0, out.err);
    assert.match(out.err, /Signed out of/);
    assert.doesNotMatch(await import('node:fs').then((fs) => fs.readFileSync(join(d, 'credentials.toml'), 'utf8')), /refresh_token/);
    const replay = await httpJson('POST', `${server.url}/v1/auth/refresh`, { refresh_token: refresh });
    assert.equal(replay.status, 401);
    assert.equal((replay.json as { code: string }).code, 'invalid_grant');
    const status = await runCli(['auth', 'status'], { configDir: d });
    assert.equal(status.code, 3);
  });

  test('a refresh token replayed by hand revokes the session: the CLI then exits 3 "Session expired"', async () => {
    const d = dir();
    const env = { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: 'plain-password-1' };
    assert.equal((await runCli(['auth', 'login', '--username', 'plain'], { configDir: d, env })).code, 0);
    const refresh = credentialValue(d, 'refresh_token');
    const first = await httpJson('POST', `${server.url}/v1/auth/refresh`, { refresh_token: refresh });
    assert.equal(first.status, 200);
    const second = await httpJson('POST', `${server.url}/v1/auth/refresh`, { refresh_token: refresh });
    assert.equal(second.status, 401);
    // The stored access token belongs to the revoked session: 401 invalid_token,
    // then the refresh with the spent token is answered invalid_grant.
    const r = await runCli(['auth', 'status'], { configDir: d });
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /Session expired\. Run `fitsync auth login`\./);
    assert.equal((await runCli(['auth', 'token'], { configDir: d })).code, 3, 'credentials were removed');
  });
});
