import assert from 'node:assert/strict';
import { type RealServer, runCli, tempDir } from './real-server.js';
import { totpCode } from './totp.js';

/**
 * Creates a user and turns MFA on through the CLI itself (`mfa enable`, then
 * `mfa enable --code`). Returns the TOTP secret and recovery codes. The code
 * used to confirm is the current step's, so a later sign-in must use the next
 * step (`totpCode(secret, Date.now() + 30_000)`): a step is accepted only once.
 */
export async function createMfaUser(server: RealServer, name: string, password: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  await server.addUser(name, password);
  const dir = tempDir();
  const env = { FITSYNC_SERVER: server.url, FITSYNC_PASSWORD: password };
  const login = await runCli(['auth', 'login', '--username', name], { configDir: dir, env });
  assert.equal(login.code, 0, login.err);
  const pending = await runCli(['mfa', 'enable', '-o', 'json'], { configDir: dir, env });
  assert.equal(pending.code, 0, pending.err);
  const { secret, otpauth_uri } = JSON.parse(pending.out) as { secret: string; otpauth_uri: string };
  assert.match(otpauth_uri, /^otpauth:\/\/totp\//);
  const confirm = await runCli(['mfa', 'enable', '--code', totpCode(secret, Date.now()), '-o', 'json'], { configDir: dir, env });
  assert.equal(confirm.code, 0, confirm.err);
  const { recovery_codes } = JSON.parse(confirm.out) as { recovery_codes: string[] };
  assert.equal(recovery_codes.length, 10);
  return { secret, recoveryCodes: recovery_codes };
}
