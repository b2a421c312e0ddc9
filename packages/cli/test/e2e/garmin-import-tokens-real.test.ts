import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { RunningSim } from '@fitsync/garmin-sim';
import { type RealServer, runCli, tempDir } from '../helpers/real-server.js';
import { simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: token files in each documented format (garmin-token-files.md), holding tokens the sim
// issued, imported by the built CLI into the real server; the server's one profile call succeeds.
describe('garmin import-tokens against the real server and garmin-sim', () => {
  let sim: RunningSim;
  let server: RealServer;
  const { dirs } = simServerFixture('cli-import-e2e', { FITSYNC_WORKERS: '0', FITSYNC_LOG_LEVEL: 'trace' }, (s, srv) => {
    sim = s;
    server = srv;
  });
  const output: string[] = [];
  const planted: string[] = [];

  async function signedIn(name: string) {
    server.addUser(name, `fitsync-${name}-pw`);
    const dir = tempDir();
    dirs.push(dir);
    const login = await runCli(['auth', 'login', '--server', server.url, '--username', name, '--password-stdin'], { configDir: dir, input: `fitsync-${name}-pw\n` });
    assert.equal(login.code, 0, login.err);
    const email = `${name}@example.com`;
    sim.createUser({ email, password: 'unused-garmin-pw', activities: 1, days: 1 });
    const di = sim.issueDiTokens(email);
    planted.push(di.access_token, di.refresh_token);
    const cli = async (args: string[]) => {
      const r = await runCli([...args, '-v'], { configDir: dir });
      output.push(r.out, r.err);
      return r;
    };
    const files = join(dir, 'tokens');
    mkdirSync(files, { mode: 0o700 });
    return { email, di, cli, files, displayName: sim.state.user(email)!.displayName };
  }
  const garth = (di: { access_token: string; refresh_token: string; expires_in: number; refresh_token_expires_in: number }) => {
    const now = Math.floor(Date.now() / 1000);
    return [
      { oauth_token: 'PLANTED-oauth1', oauth_token_secret: 'PLANTED-oauth1-secret', mfa_token: null, mfa_expiration_timestamp: null, domain: 'garmin.com' },
      {
        scope: 'CONNECT_READ CONNECT_WRITE',
        jti: 'jti',
        token_type: 'Bearer',
        access_token: di.access_token,
        refresh_token: di.refresh_token,
        expires_in: di.expires_in,
        expires_at: now + di.expires_in,
        refresh_token_expires_in: di.refresh_token_expires_in,
        refresh_token_expires_at: now + di.refresh_token_expires_in,
      },
    ] as const;
  };
  const linked = async (u: Awaited<ReturnType<typeof signedIn>>, path: string, source: RegExp) => {
    const r = await u.cli(['garmin', 'import-tokens', path]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, source);
    assert.match(r.err, new RegExp(`Garmin account connected \\(${u.displayName.replace(/[.]/g, '\\.')}\\)`));
    const status = JSON.parse((await u.cli(['garmin', 'status', '-o', 'json'])).out) as { status: string };
    assert.equal(status.status, 'connected');
  };

  test('python-garminconnect folder and file (0.3.0 extra keys too)', async () => {
    const u = await signedIn('imppgc');
    const pgc = { di_token: u.di.access_token, di_refresh_token: u.di.refresh_token, di_client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2' };
    writeFileSync(join(u.files, 'garmin_tokens.json'), JSON.stringify(pgc), { mode: 0o600 });
    await linked(u, u.files, /python-garminconnect token file/);
    const v = await signedIn('imppgc030');
    const file = join(v.files, 'old.json');
    writeFileSync(file, JSON.stringify({ di_token: v.di.access_token, di_refresh_token: v.di.refresh_token, di_client_id: null, it_token: 'x', jwt_web: null, cookies: {} }), { mode: 0o600 });
    await linked(v, file, /python-garminconnect token file/);
  });

  test('garth folder and base64 token string', async () => {
    const u = await signedIn('impgarth');
    const [o1, o2] = garth(u.di);
    writeFileSync(join(u.files, 'oauth1_token.json'), JSON.stringify(o1, null, 4), { mode: 0o600 });
    writeFileSync(join(u.files, 'oauth2_token.json'), JSON.stringify(o2, null, 4), { mode: 0o600 });
    await linked(u, u.files, /garth token folder/);
    const v = await signedIn('impgarthstr');
    const file = join(v.files, 'GARTH_TOKEN');
    writeFileSync(file, Buffer.from(JSON.stringify(garth(v.di))).toString('base64'), { mode: 0o600 });
    await linked(v, file, /garth token string/);
  });

  test('tokens Garmin no longer accepts → exit 3 naming it; nothing linked', async () => {
    const u = await signedIn('imprevoked');
    writeFileSync(join(u.files, 'garmin_tokens.json'), JSON.stringify({ di_token: u.di.access_token, di_refresh_token: u.di.refresh_token, di_client_id: null }), { mode: 0o600 });
    sim.revokeTokens(u.email);
    const r = await u.cli(['garmin', 'import-tokens', u.files]);
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /Garmin refused the imported tokens/);
    assert.equal(JSON.parse((await u.cli(['garmin', 'status', '-o', 'json'])).out).status, 'not_connected');
  });

  test('planted values: no token in any CLI output (-v) or server log (trace)', () => {
    assert.ok(planted.length >= 8);
    const cli = output.join('\n');
    for (const secret of [...planted, 'PLANTED-oauth1-secret']) {
      assert.ok(!cli.includes(secret), `a token reached the CLI output (${secret.slice(0, 8)}…)`);
      assert.ok(!server.logs.includes(secret), `a token reached the server log (${secret.slice(0, 8)}…)`);
    }
  });
});
