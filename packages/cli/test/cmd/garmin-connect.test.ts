import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from '../../src/cmd/garmin/connect.js';
import { fakeIO } from '../helpers/fake-io.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { type PlannedCall, problem } from '../helpers/stub-server.js';

const CONNECTED = { status: 200, body: { status: 'connected', display_name: 'trail.runner' } };
const CHALLENGE = { status: 202, body: { status: 'mfa_required', challenge_id: 'ch_123', expires_in: 600 } };
const PW = 'Garmin-Pa55-stub';

describe('garmin connect: flags → options', () => {
  const p = (flags: Record<string, string | boolean>, env: NodeJS.ProcessEnv = {}) => parse({ flags, positionals: [], env });

  test('sign-in: e-mail from flag or env; password from stdin, env or prompt — never a flag', () => {
    assert.deepEqual(p({ email: ' me@example.com ' }), { mode: 'sign-in', email: 'me@example.com', password: { from: 'prompt' } });
    const env = p({}, { FITSYNC_GARMIN_EMAIL: 'e@x.io', FITSYNC_GARMIN_PASSWORD: 'pw' });
    assert.equal(env.mode === 'sign-in' && env.email, 'e@x.io');
    assert.equal(env.mode === 'sign-in' && env.password.from === 'env' && env.password.value.reveal(), 'pw');
    assert.equal(String(JSON.stringify(env)).includes('"pw"'), false, 'the password is a Secret');
    assert.deepEqual(p({ 'password-stdin': true }, { FITSYNC_GARMIN_PASSWORD: 'pw' }), { mode: 'sign-in', password: { from: 'stdin' } });
    assert.throws(() => p({ email: 'not-an-email' }), /invalid Garmin e-mail/);
  });

  test('resume: --challenge with --mfa-code or FITSYNC_GARMIN_MFA_CODE', () => {
    const r = p({ challenge: 'ch_1', 'mfa-code': ' 123456 ' });
    assert.equal(r.mode === 'resume' && r.code?.reveal(), '123456');
    const e = p({ challenge: 'ch_1' }, { FITSYNC_GARMIN_MFA_CODE: '654321' });
    assert.equal(e.mode === 'resume' && e.code?.reveal(), '654321');
    assert.deepEqual(p({ challenge: 'ch_1' }), { mode: 'resume', challengeId: 'ch_1' });
    assert.throws(() => p({ 'mfa-code': '123456' }), /--mfa-code needs --challenge/);
    assert.throws(() => p({ challenge: 'ch_1', email: 'a@b.c' }), /cannot be combined/);
    assert.throws(() => p({ challenge: 'ch_1', 'password-stdin': true }), /cannot be combined/);
    assert.throws(() => p({ challenge: 'bad id!' }), /invalid --challenge/);
    assert.throws(() => p({ challenge: 'ch_1', 'mfa-code': '12 34' }), /invalid --mfa-code/);
  });
});

describe('garmin commands: run', () => {
  const fixture = stubFixture();
  const setup = (plan: PlannedCall[]) => fixture.setup(plan, { signedIn: true });
  const env = { FITSYNC_GARMIN_PASSWORD: PW };

  test('no MFA: connected; -o json prints the connection; the password went in the body only', async () => {
    const { dir, stub } = await setup([{ method: 'PUT', path: '/v1/garmin/connection', reply: CONNECTED }]);
    const r = await runMain(['garmin', 'connect', '--email', 'me@example.com', '-o', 'json', '-v'], { configDir: dir, env });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { status: 'connected', display_name: 'trail.runner' });
    assert.match(r.err, /Garmin account connected \(trail\.runner\)/);
    assert.deepEqual(stub.calls[0]?.body, { email: 'me@example.com', password: PW });
    assert.equal(stub.calls[0]?.headers.authorization, 'Bearer acc-old');
    assert.ok(!r.err.includes(PW) && !r.out.includes(PW), 'the password is redacted in the -v log');
    stub.verify();
  });

  test('MFA without a TTY: prints the challenge, exits 2 with how to finish; then --challenge/--mfa-code', async () => {
    const { dir, stub } = await setup([
      { method: 'PUT', path: '/v1/garmin/connection', reply: CHALLENGE },
      { method: 'POST', path: '/v1/garmin/connection/mfa', reply: CONNECTED },
    ]);
    const a = await runMain(['garmin', 'connect', '--email', 'me@example.com', '-o', 'json'], { configDir: dir, env });
    assert.equal(a.code, 2, a.err);
    assert.deepEqual(JSON.parse(a.out), CHALLENGE.body);
    assert.match(a.err, /fitsync garmin connect --challenge ch_123 --mfa-code CODE/);
    assert.match(a.err, /FITSYNC_GARMIN_MFA_CODE/);
    assert.match(a.err, /Within 10 minutes/);
    const b = await runMain(['garmin', 'connect', '--challenge', 'ch_123'], { configDir: dir, env: { FITSYNC_GARMIN_MFA_CODE: '424242' } });
    assert.equal(b.code, 0, b.err);
    assert.equal(b.out, '', 'table output: the message goes to stderr');
    assert.deepEqual(stub.calls[1]?.body, { challenge_id: 'ch_123', code: '424242' });
    stub.verify();
  });

  test('the challenge as a table and as CSV', async () => {
    const { dir, stub } = await setup([{ method: 'PUT', path: '/v1/garmin/connection', reply: CHALLENGE, times: 2 }]);
    const t = await runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, env });
    assert.equal(t.code, 2);
    assert.match(t.out, /^Challenge: +ch_123$/m);
    const c = await runMain(['garmin', 'connect', '--email', 'me@example.com', '-o', 'csv'], { configDir: dir, env });
    assert.equal(c.out, 'status,challenge_id,expires_in\nmfa_required,ch_123,600\n');
    stub.verify();
  });

  test('interactive: asks e-mail, hidden password and the code; a wrong code is asked again', async () => {
    const { dir, stub } = await setup([
      { method: 'PUT', path: '/v1/garmin/connection', reply: CHALLENGE },
      { method: 'POST', path: '/v1/garmin/connection/mfa', reply: problem(401, 'invalid_mfa_code', { attempts_left: 4 }) },
      { method: 'POST', path: '/v1/garmin/connection/mfa', reply: CONNECTED },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['garmin', 'connect'], { configDir: dir, io: f });
    await f.waitForErr('Garmin email: ');
    f.stdin.write('me@example.com\r');
    await f.waitForErr('Garmin password: ');
    f.stdin.write(`${PW}\r`);
    await f.waitForErr('Code Garmin sent you: ');
    f.stdin.write('000000\r');
    await f.waitForErr('Garmin rejected the code, 2 attempts left');
    await f.waitForErr('Code Garmin sent you: ');
    f.stdin.write('123456\r');
    const r = await done;
    assert.equal(r.code, 0, r.err);
    assert.ok(!r.err.includes(PW), 'the password is not echoed');
    assert.deepEqual(
      stub.calls.map((c) => c.body),
      [{ email: 'me@example.com', password: PW }, { challenge_id: 'ch_123', code: '000000' }, { challenge_id: 'ch_123', code: '123456' }],
    );
    stub.verify();
  });

  test('interactive: three wrong codes end with exit 3', async () => {
    const { dir, stub } = await setup([
      { method: 'PUT', path: '/v1/garmin/connection', reply: CHALLENGE },
      { method: 'POST', path: '/v1/garmin/connection/mfa', reply: problem(401, 'invalid_mfa_code', { attempts_left: 3 }), times: 3 },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, io: f, env });
    for (let i = 0; i < 3; i++) {
      await f.waitForErr('Code Garmin sent you: ');
      f.stdin.write('000000\r');
    }
    const r = await done;
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /no attempts left/);
    stub.verify();
  });

  test('interactive: an expired challenge signs in again once (Garmin sends a new code), no new password prompt', async () => {
    const { dir, stub } = await setup([
      { method: 'PUT', path: '/v1/garmin/connection', reply: CHALLENGE, times: 2 },
      { method: 'POST', path: '/v1/garmin/connection/mfa', reply: problem(410, 'mfa_challenge_expired') },
      { method: 'POST', path: '/v1/garmin/connection/mfa', reply: CONNECTED },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, io: f, env });
    await f.waitForErr('Code Garmin sent you: ');
    f.stdin.write('111111\r');
    await f.waitForErr('signing in to Garmin again');
    await f.waitForErr('Code Garmin sent you: ');
    f.stdin.write('222222\r');
    const r = await done;
    assert.equal(r.code, 0, r.err);
    assert.ok(!r.err.includes('Garmin password: '));
    stub.verify();
  });

  test('wrong Garmin password → exit 3 with a Garmin-specific message', async () => {
    const { dir, stub } = await setup([
      { method: 'PUT', path: '/v1/garmin/connection', reply: problem(401, 'garmin_auth_failed', { detail: 'Garmin rejected the email or password.' }) },
    ]);
    const r = await runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, env });
    assert.equal(r.code, 3);
    assert.match(r.err, /Garmin rejected the email or password/);
    assert.doesNotMatch(r.err, /fitsync auth login/);
    stub.verify();
  });

  test('Garmin throttling → "try again in N minutes", exit 6, one request only', async () => {
    const { dir, stub } = await setup([
      {
        method: 'PUT',
        path: '/v1/garmin/connection',
        reply: { ...problem(429, 'rate_limited', { retry_after: 900 }), headers: { 'retry-after': '900' } },
      },
    ]);
    const r = await runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, env });
    assert.equal(r.code, 6);
    assert.match(r.err, /Garmin is limiting sign-ins; try again in 15 minutes/);
    assert.equal(stub.calls.length, 1, 'never retried');
    stub.verify();
  });

  test("the server's back-off detail (wait and its end) is printed as is, exit 6", async () => {
    const detail = 'Garmin is limiting sign-ins for this account; FitSync holds further sign-ins back: try again in 58 min, at 07:12 UTC.';
    const { dir, stub } = await setup([
      {
        method: 'PUT',
        path: '/v1/garmin/connection',
        reply: { ...problem(429, 'rate_limited', { retry_after: 3480, detail }), headers: { 'retry-after': '3480' } },
      },
    ]);
    const r = await runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, env });
    assert.equal(r.code, 6);
    assert.ok(r.err.includes(detail), r.err);
    assert.match(r.err, /retrying sooner makes Garmin block longer/);
    stub.verify();
  });

  test('an expired challenge given with --challenge → exit 3 telling to connect again', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/garmin/connection/mfa', reply: problem(410, 'mfa_challenge_expired') }]);
    const r = await runMain(['garmin', 'connect', '--challenge', 'ch_old', '--mfa-code', '123456'], { configDir: dir });
    assert.equal(r.code, 3);
    assert.match(r.err, /expired/);
    assert.match(r.err, /fitsync garmin connect/);
    stub.verify();
  });

  test('prompts needed without a TTY: exit 2 naming the flag or variable, no request', async () => {
    const { dir, stub } = await setup([]);
    const a = await runMain(['garmin', 'connect'], { configDir: dir, env });
    assert.equal(a.code, 2);
    assert.match(a.err, /--email or set FITSYNC_GARMIN_EMAIL/);
    const b = await runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir });
    assert.equal(b.code, 2);
    assert.match(b.err, /--password-stdin or set FITSYNC_GARMIN_PASSWORD/);
    const c = await runMain(['garmin', 'connect', '--challenge', 'ch_1'], { configDir: dir });
    assert.equal(c.code, 2);
    assert.match(c.err, /--mfa-code CODE or set FITSYNC_GARMIN_MFA_CODE/);
    const d = await runMain(['garmin', 'connect', '--password', 'x'], { configDir: dir });
    assert.equal(d.code, 2, 'there is no --password flag');
    assert.equal(stub.calls.length, 0);
  });

  test('not signed in to FitSync: exit 3 before any Garmin prompt', async () => {
    const dir = tempConfigDir();
    fixture.defer(() => removeDir(dir));
    const f = fakeIO({ tty: true });
    const r = await runMain(['garmin', 'connect', '--server', 'http://127.0.0.1:9'], { configDir: dir, io: f });
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /Not signed in/);
    assert.doesNotMatch(r.err, /Garmin email/);
  });

  test('password from stdin', async () => {
    const { dir, stub } = await setup([{ method: 'PUT', path: '/v1/garmin/connection', reply: CONNECTED }]);
    const r = await runMain(['garmin', 'connect', '--email', 'me@example.com', '--password-stdin'], { configDir: dir, stdin: `${PW}\n` });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(stub.calls[0]?.body, { email: 'me@example.com', password: PW });
    stub.verify();
  });

  test('status (json, table, reauth hint) and disconnect', async () => {
    const { dir, stub } = await setup([
      { method: 'GET', path: '/v1/garmin/connection', reply: { status: 200, body: { status: 'connected', display_name: 'trail.runner', connected_at: '2026-06-01T12:00:00.000Z', reauth_required_at: null, time_zone: null, signin_blocked_until: null } } },
      { method: 'GET', path: '/v1/garmin/connection', reply: { status: 200, body: { status: 'reauth_required', display_name: 'trail.runner', connected_at: '2026-06-01T12:00:00.000Z', reauth_required_at: null, time_zone: null, signin_blocked_until: null } } },
      { method: 'DELETE', path: '/v1/garmin/connection', reply: { status: 204 } },
    ]);
    const a = await runMain(['garmin', 'status', '-o', 'json'], { configDir: dir });
    assert.equal(a.code, 0, a.err);
    assert.deepEqual(JSON.parse(a.out), { status: 'connected', display_name: 'trail.runner', connected_at: '2026-06-01T12:00:00.000Z', reauth_required_at: null, time_zone: null, signin_blocked_until: null });
    const b = await runMain(['garmin', 'status'], { configDir: dir });
    assert.equal(b.code, 0);
    assert.match(b.out, /^Status: +reauth_required$/m);
    assert.match(b.err, /run `fitsync garmin connect`/);
    const c = await runMain(['garmin', 'disconnect'], { configDir: dir });
    assert.equal(c.code, 0, c.err);
    assert.match(c.err, /disconnected/);
    stub.verify();
  });

  test('disconnect -o json|csv: one document on stdout, the link read back after the 204', async () => {
    const gone = { status: 'not_connected', display_name: null, connected_at: null, reauth_required_at: null, time_zone: null, signin_blocked_until: null };
    const { dir, stub } = await setup([
      { method: 'DELETE', path: '/v1/garmin/connection', reply: { status: 204 } },
      { method: 'GET', path: '/v1/garmin/connection', reply: { status: 200, body: gone } },
      { method: 'DELETE', path: '/v1/garmin/connection', reply: { status: 204 } },
      { method: 'GET', path: '/v1/garmin/connection', reply: { status: 200, body: gone } },
    ]);
    const j = await runMain(['garmin', 'disconnect', '-o', 'json'], { configDir: dir });
    assert.equal(j.code, 0, j.err);
    assert.deepEqual(JSON.parse(j.out), gone);
    assert.match(j.err, /disconnected/);
    const c = await runMain(['garmin', 'disconnect', '-o', 'csv'], { configDir: dir });
    assert.equal(c.code, 0, c.err);
    assert.deepEqual(c.out.trim().split('\n'), ['status,display_name,connected_at,reauth_required_at,time_zone,signin_blocked_until', 'not_connected,,,,,']);
    stub.verify();
  });

  test('help for the group and each command, with examples', async () => {
    const dir = tempConfigDir();
    fixture.defer(() => removeDir(dir));
    const g = await runMain(['garmin', '--help'], { configDir: dir });
    assert.match(g.out, /connect:/);
    for (const cmd of ['connect', 'status', 'disconnect']) {
      const h = await runMain(['garmin', cmd, '--help'], { configDir: dir });
      assert.equal(h.code, 0);
      assert.match(h.out, /EXAMPLES/);
    }
    const h = await runMain(['garmin', 'connect', '--help'], { configDir: dir });
    assert.match(h.out, /--challenge ID --mfa-code CODE/);
    assert.match(h.out, /FITSYNC_GARMIN_PASSWORD/);
  });
});
