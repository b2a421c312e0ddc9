import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunningSim } from '@fitsync/garmin-sim';
import { PtySession } from '../helpers/pty.js';
import { type RealServer, runCli, tempDir } from '../helpers/real-server.js';
import { simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: the built CLI and the real fitsync-server binary, with garmin-sim as Garmin.
describe('garmin commands against the real server and garmin-sim', () => {
  let sim: RunningSim;
  let server: RealServer;
  const { dirs, ptys } = simServerFixture('cli-garmin-e2e', { FITSYNC_WORKERS: '0', FITSYNC_LOG_LEVEL: 'trace' }, (s, srv) => {
    sim = s;
    server = srv;
  });
  /** Everything the CLI printed (all runs use -v), for the planted-secrets test. */
  const cliOutput: string[] = [];
  const garminPasswords: string[] = [];
  const codes: string[] = [];

  /** A FitSync user signed in through the CLI in a fresh config dir, and a Garmin account on the sim. */
  async function signedIn(name: string, mfa: 'email' | 'sms' | null) {
    server.addUser(name, `fitsync-${name}-pw`);
    const dir = tempDir();
    dirs.push(dir);
    const login = await runCli(['auth', 'login', '--server', server.url, '--username', name, '--password-stdin'], {
      configDir: dir,
      input: `fitsync-${name}-pw\n`,
    });
    assert.equal(login.code, 0, login.err);
    const email = `${name}@example.com`;
    const garminPassword = `PLANTED-garmin-${name}-Pw!`;
    garminPasswords.push(garminPassword);
    sim.createUser({ email, password: garminPassword, mfa, activities: 3, days: 3 });
    const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = await runCli([...args, '-v'], { configDir: dir, env });
      cliOutput.push(r.out, r.err);
      return r;
    };
    return { dir, email, garminPassword, cli, displayName: sim.state.user(email)!.displayName };
  }

  test('interactive connect in a pseudo-terminal: e-mail, hidden password, Garmin code (one wrong first)', async () => {
    const u = await signedIn('ptyg', 'email');
    const p = new PtySession(['garmin', 'connect', '-v'], { HOME: u.dir, FITSYNC_CONFIG_DIR: u.dir });
    ptys.push(p);
    await p.waitFor('Garmin email: ');
    p.type(`${u.email}\r`);
    await p.waitFor('Garmin password: ');
    p.type(`${u.garminPassword}\r`);
    await p.waitFor('Code Garmin sent you: ', 20_000);
    const code = sim.mfaCode(u.email);
    assert.ok(code, 'the sim holds a pending sign-in');
    codes.push(code);
    p.type(`${code === '000000' ? '111111' : '000000'}\r`);
    await p.waitFor('Garmin rejected the code, 2 attempts left', 20_000);
    await p.waitFor('Code Garmin sent you: ');
    p.type(`${code}\r`);
    assert.equal(await p.exitCode(30_000), 0, p.output);
    assert.match(p.output, new RegExp(`Garmin account connected \\(${u.displayName.replace(/[.]/g, '\\.')}\\)`));
    assert.ok(!p.output.includes(u.garminPassword), 'the password was not echoed');
    assert.ok(p.output.includes(u.email), 'the e-mail was echoed (visible prompt)');
    cliOutput.push(p.output.replaceAll(code, '<typed code>'));

    const st = await u.cli(['garmin', 'status', '-o', 'json']);
    assert.equal(st.code, 0, st.err);
    const doc = JSON.parse(st.out);
    assert.equal(doc.status, 'connected');
    assert.equal(doc.display_name, u.displayName);
    assert.ok(!Number.isNaN(Date.parse(doc.connected_at)));
  });

  test('non-interactive two-step flow: exit 2 with the challenge, then --challenge/--mfa-code; disconnect', async () => {
    const u = await signedIn('scriptg', 'sms');
    const first = await u.cli(['garmin', 'connect', '--email', u.email, '-o', 'json'], { FITSYNC_GARMIN_PASSWORD: u.garminPassword });
    assert.equal(first.code, 2, first.err);
    const ch = JSON.parse(first.out);
    assert.deepEqual(Object.keys(ch).sort(), ['challenge_id', 'expires_in', 'status']);
    assert.equal(ch.status, 'mfa_required');
    assert.ok(ch.expires_in > 0);
    assert.match(first.err, new RegExp(`fitsync garmin connect --challenge ${ch.challenge_id} --mfa-code CODE`));
    const code = sim.mfaCode(u.email)!;
    codes.push(code);
    const second = await u.cli(['garmin', 'connect', '--challenge', ch.challenge_id, '--mfa-code', code]);
    assert.equal(second.code, 0, second.err);
    const st = await u.cli(['garmin', 'status', '-o', 'json']);
    assert.equal(JSON.parse(st.out).status, 'connected');
    const del = await u.cli(['garmin', 'disconnect']);
    assert.equal(del.code, 0, del.err);
    assert.equal(JSON.parse((await u.cli(['garmin', 'status', '-o', 'json'])).out).status, 'not_connected');
    // the spent challenge cannot be used again
    const again = await u.cli(['garmin', 'connect', '--challenge', ch.challenge_id], { FITSYNC_GARMIN_MFA_CODE: code });
    assert.equal(again.code, 3);
    assert.match(again.err, /expired/);
  });

  test('Garmin throttling sign-ins: the wait is shown, exit 6, Garmin called once', async () => {
    const u = await signedIn('throttleg', null);
    sim.setFaults([{ path_prefix: '/mobile/api/login', kind: '429', rate: 1, retry_after_s: 120 }]);
    try {
      sim.resetStats();
      const r = await u.cli(['garmin', 'connect', '--email', u.email], { FITSYNC_GARMIN_PASSWORD: u.garminPassword });
      assert.equal(r.code, 6, r.err);
      // The server's account back-off (1 h) outlasts Garmin's 120 s; its detail states the wait and its end.
      assert.match(r.err, /Garmin is limiting sign-ins for this account; .*try again in 1 h, at \d\d:\d\d UTC/);
      assert.deepEqual(sim.stats().by_path['/mobile/api/login'], { '429': 1 });
      const again = await u.cli(['garmin', 'connect', '--email', u.email], { FITSYNC_GARMIN_PASSWORD: u.garminPassword });
      assert.equal(again.code, 6, again.err);
      assert.match(again.err, /try again in (1 h|59 min), at \d\d:\d\d UTC/);
      assert.deepEqual(sim.stats().by_path['/mobile/api/login'], { '429': 1 }, 'refused without calling Garmin');
    } finally {
      sim.setFaults([]);
    }
  });

  test('planted values: no Garmin password, code, token or cookie in any CLI output (-v) or server log (trace)', async () => {
    const tokens = [...sim.state.accessTokens.keys(), ...sim.state.refreshTokens.keys()];
    const cookies = [...sim.state.sessions.values()].flatMap((s) => [s.id, s.vcap]);
    assert.ok(tokens.length >= 2 && cookies.length >= 2, 'the sim issued tokens and session cookies');
    assert.ok(server.logs.length > 1000, 'trace logging produced output');
    const cli = cliOutput.join('\n');
    assert.match(cli, /PUT http:\/\/127\.0\.0\.1:\d+\/v1\/garmin\/connection/, '-v logged the requests');
    for (const secret of [...garminPasswords, ...tokens, ...cookies]) {
      assert.ok(!cli.includes(secret), `a planted value reached the CLI output (${secret.slice(0, 10)}…)`);
      assert.ok(!server.logs.includes(secret), `a planted value reached the server log (${secret.slice(0, 10)}…)`);
    }
    for (const c of codes) {
      assert.ok(!cli.includes(c), 'a Garmin code reached the CLI output');
      assert.ok(!server.logs.includes(`"${c}"`), 'a Garmin code reached the server log');
    }
  });
});
