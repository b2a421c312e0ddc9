import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createMfaUser } from '../helpers/mfa-user.js';
import { credentialValue, RealServer, runCli, tempDir } from '../helpers/real-server.js';
import { totpCode } from '../helpers/totp.js';

// Plants known secrets, runs every auth command with -v against a server logging
// at trace level, then searches everything anyone could read for them.
const server = new RealServer({ FITSYNC_LOG_LEVEL: 'trace', FITSYNC_ACCESS_TOKEN_TTL: '2' });
const dir = tempDir();
const PASSWORD = 'Planted-Pa55word-7d1e';
let mfa: { secret: string; recoveryCodes: string[] };

before(async () => {
  await server.start();
  mfa = await createMfaUser(server, 'secretive', PASSWORD);
});
after(async () => {
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('no password, TOTP code, token or recovery code in any output or log', async () => {
  const seen: string[] = [];
  const env = { FITSYNC_SERVER: server.url, FITSYNC_DEBUG: '1' };
  const code = totpCode(mfa.secret, Date.now() + 30_000);
  const login = await runCli(['auth', 'login', '--username', 'secretive', '--password-stdin', '--mfa-code', code, '-v'], { configDir: dir, env, input: `${PASSWORD}\n` });
  assert.equal(login.code, 0, login.err);
  assert.match(login.err, /> POST .*\/v1\/auth\/login/, 'the -v log is on');
  seen.push(login.out, login.err);
  const tokens = [credentialValue(dir, 'access_token'), credentialValue(dir, 'refresh_token')];

  // Wait for the 2 s token to expire, so `auth token` refreshes (new tokens in the log path too).
  await new Promise((r) => setTimeout(r, 2_200));
  const token = await runCli(['auth', 'token', '-v'], { configDir: dir, env });
  assert.equal(token.code, 0, token.err);
  assert.match(token.err, /POST .*\/v1\/auth\/refresh/);
  seen.push(token.err); // its stdout is the token, by design
  tokens.push(token.out.trim(), credentialValue(dir, 'refresh_token'));

  const status = await runCli(['auth', 'status', '-v', '-o', 'json'], { configDir: dir, env });
  assert.equal(status.code, 0, status.err);
  seen.push(status.out, status.err);
  tokens.push(credentialValue(dir, 'access_token'), credentialValue(dir, 'refresh_token'));

  const failed = await runCli(['auth', 'login', '--username', 'secretive', '--mfa-code', '000000', '-v'], { configDir: tempDir(), env: { ...env, FITSYNC_PASSWORD: PASSWORD } });
  assert.equal(failed.code, 3);
  seen.push(failed.out, failed.err);

  const logout = await runCli(['auth', 'logout', '-v'], { configDir: dir, env });
  assert.equal(logout.code, 0, logout.err);
  seen.push(logout.out, logout.err);

  await server.stop();
  seen.push(server.logs);
  for (const f of readdirSync(server.dataDir)) {
    const p = join(server.dataDir, f);
    if (statSync(p).isFile() && /\.log$/.test(f)) seen.push(readFileSync(p, 'utf8'));
  }
  assert.ok(server.logs.length > 0, 'the server logged something');
  const all = seen.join('\n');
  const planted: Record<string, string> = { password: PASSWORD, 'TOTP code': code, 'TOTP secret': mfa.secret, 'recovery code': mfa.recoveryCodes[0] as string };
  for (const [i, t] of [...new Set(tokens)].entries()) planted[`token ${i}`] = t;
  for (const [what, value] of Object.entries(planted)) {
    assert.ok(value.length >= 6, what);
    assert.ok(!all.includes(value), `${what} leaked`);
  }
});
