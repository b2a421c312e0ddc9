import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from '../../src/cmd/auth/login.js';
import { fakeIO } from '../helpers/fake-io.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { stored } from '../helpers/seed.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { problem, tokenPair } from '../helpers/stub-server.js';

const CHALLENGE = { status: 200, body: { status: 'mfa_required', challenge_id: 'ch-1', methods: ['totp', 'recovery_code'], expires_in: 300 } };

describe('auth login: flags → options', () => {
  test('defaults: prompt for everything', () => {
    assert.deepEqual(parse({ flags: {}, positionals: [], env: {} }), { password: { from: 'prompt' }, mfa: { from: 'prompt' } });
  });
  test('flags and environment', () => {
    const o = parse({ flags: { username: 'ada', 'password-stdin': true, 'mfa-code': '123456' }, positionals: [], env: { FITSYNC_PASSWORD: 'x' } });
    assert.equal(o.username, 'ada');
    assert.deepEqual(o.password, { from: 'stdin' });
    assert.equal(o.mfa.from === 'code' && o.mfa.value.reveal(), '123456');
    const e = parse({ flags: {}, positionals: [], env: { FITSYNC_USERNAME: 'bob', FITSYNC_PASSWORD: 'pw', FITSYNC_MFA_CODE: '654321' } });
    assert.equal(e.username, 'bob');
    assert.equal(e.password.from === 'env' && e.password.value.reveal(), 'pw');
    assert.equal(e.mfa.from === 'code' && e.mfa.value.reveal(), '654321');
    const r = parse({ flags: { 'recovery-code': 'abcd' }, positionals: [], env: { FITSYNC_MFA_CODE: '1' } });
    assert.equal(r.mfa.from, 'recovery');
  });
  test('invalid combinations', () => {
    assert.throws(() => parse({ flags: { username: 'a b' }, positionals: [], env: {} }), /invalid username/);
    assert.throws(() => parse({ flags: { 'mfa-code': '1', 'recovery-code': '2' }, positionals: [], env: {} }), /cannot be used together/);
  });
  test('the password is not accepted as a flag', async () => {
    const dir = tempConfigDir();
    const r = await runMain(['auth', 'login', '--password', 'x'], { configDir: dir });
    removeDir(dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown flag --password/);
  });
});

describe('auth login: run', () => {
  const { setup } = stubFixture();

  test('without MFA, password from stdin: stores credentials, says who signed in where', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/auth/login', reply: tokenPair() }]);
    const r = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada', '--password-stdin'], { configDir: dir, stdin: 'pw-1\n' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, new RegExp(`Signed in as ada to ${stub.url}`));
    assert.deepEqual(stub.calls[0]?.body, { username: 'ada', password: 'pw-1' });
    const c = await stored(dir);
    assert.equal(c?.server, stub.url);
    assert.equal(c?.refreshToken.reveal(), 'ref-1');
    stub.verify();
  });

  test('-o json prints the session summary, never tokens', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/auth/login', reply: tokenPair() }]);
    const r = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada', '-o', 'json'], { configDir: dir, env: { FITSYNC_PASSWORD: 'pw' } });
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.username, 'ada');
    assert.equal(doc.server, stub.url);
    assert.ok(!r.out.includes('acc-1') && !r.out.includes('ref-1'));
  });

  test('with --mfa-code', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/auth/login', reply: CHALLENGE },
      { method: 'POST', path: '/v1/auth/mfa', reply: tokenPair({ mfa_verified: true }) },
    ]);
    const r = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada', '--mfa-code', '123456'], { configDir: dir, env: { FITSYNC_PASSWORD: 'pw' } });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(stub.calls[1]?.body, { challenge_id: 'ch-1', code: '123456' });
    assert.equal((await stored(dir))?.mfaVerified, true);
    stub.verify();
  });

  test('with --recovery-code', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/auth/login', reply: CHALLENGE },
      { method: 'POST', path: '/v1/auth/mfa', reply: tokenPair({ mfa_verified: true }) },
    ]);
    const r = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada', '--recovery-code', 'abcd-efgh'], { configDir: dir, env: { FITSYNC_PASSWORD: 'pw' } });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(stub.calls[1]?.body, { challenge_id: 'ch-1', recovery_code: 'abcd-efgh' });
  });

  test('MFA required without a TTY and without a code: exit 2 naming the flag and variable', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/auth/login', reply: CHALLENGE }]);
    const r = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: dir, env: { FITSYNC_PASSWORD: 'pw' } });
    assert.equal(r.code, 2);
    assert.match(r.err, /MFA code required: pass --mfa-code or set FITSYNC_MFA_CODE/);
    assert.equal(await stored(dir), undefined);
    stub.verify();
  });

  test('no username and no TTY: exit 2 before any request', async () => {
    const { dir, stub } = await setup([]);
    const r = await runMain(['auth', 'login', '--server', stub.url], { configDir: dir, env: { FITSYNC_PASSWORD: 'pw' } });
    assert.equal(r.code, 2);
    assert.match(r.err, /--username or set FITSYNC_USERNAME/);
    const p = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: dir });
    assert.equal(p.code, 2);
    assert.match(p.err, /--password-stdin or set FITSYNC_PASSWORD/);
    stub.verify();
  });

  test('wrong password: exit 3 "Invalid username or password"; throttled: exit 3 with the wait', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/auth/login', reply: problem(401, 'invalid_credentials') },
      { method: 'POST', path: '/v1/auth/login', reply: { ...problem(429, 'too_many_attempts'), headers: { 'retry-after': '30' } } },
    ]);
    const args = ['auth', 'login', '--server', stub.url, '--username', 'ada'];
    const a = await runMain(args, { configDir: dir, env: { FITSYNC_PASSWORD: 'bad' } });
    assert.equal(a.code, 3);
    assert.equal(a.err, 'Invalid username or password\n');
    const b = await runMain(args, { configDir: dir, env: { FITSYNC_PASSWORD: 'bad' } });
    assert.equal(b.code, 3);
    assert.match(b.err, /Too many attempts; try again in 30 seconds/);
    stub.verify();
  });

  test('interactive: username, hidden password, a wrong code, then the right one', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/auth/login', reply: CHALLENGE },
      { method: 'POST', path: '/v1/auth/mfa', reply: (c) => ((c.body as { code: string }).code === '111111' ? problem(401, 'invalid_mfa_code', { attempts_left: 4 }) : tokenPair()), times: 2 },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['auth', 'login', '--server', stub.url], { configDir: dir, io: f });
    await f.waitForErr('Username: ');
    f.stdin.write('ada\r');
    await f.waitForErr('Password: ');
    f.stdin.write('secret-pw\r');
    await f.waitForErr('"r" to use a recovery code');
    f.stdin.write('111111\r');
    await f.waitForErr('Invalid code, 2 attempts left');
    f.stdin.write('222222\r');
    const r = await done;
    assert.equal(r.code, 0, r.err);
    assert.ok(!r.err.includes('secret-pw'), 'password not echoed');
    assert.deepEqual(stub.calls[0]?.body, { username: 'ada', password: 'secret-pw' });
    stub.verify();
  });

  test('interactive: three wrong codes exit 3', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/auth/login', reply: CHALLENGE },
      { method: 'POST', path: '/v1/auth/mfa', reply: problem(401, 'invalid_mfa_code', { attempts_left: 4 }), times: 3 },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: dir, io: f, env: { FITSYNC_PASSWORD: 'pw' } });
    for (const left of [2, 1]) {
      await f.waitForErr('code');
      f.stdin.write('000000\r');
      await f.waitForErr(`Invalid code, ${left} attempt`);
    }
    f.stdin.write('000000\r');
    const r = await done;
    assert.equal(r.code, 3);
    assert.match(r.err, /Invalid code; no attempts left/);
    stub.verify();
  });

  test('interactive: "r" switches to a recovery code', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/auth/login', reply: CHALLENGE },
      { method: 'POST', path: '/v1/auth/mfa', reply: tokenPair() },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: dir, io: f, env: { FITSYNC_PASSWORD: 'pw' } });
    await f.waitForErr('recovery code): ');
    f.stdin.write('r\r');
    await f.waitForErr('Recovery code: ');
    f.stdin.write('abcd-efgh\r');
    const r = await done;
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(stub.calls[1]?.body, { challenge_id: 'ch-1', recovery_code: 'abcd-efgh' });
    stub.verify();
  });

  test('interactive: an expired challenge restarts the sign-in without asking for the password again', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/auth/login', reply: CHALLENGE, times: 2 },
      { method: 'POST', path: '/v1/auth/mfa', reply: problem(410, 'mfa_challenge_expired') },
      { method: 'POST', path: '/v1/auth/mfa', reply: tokenPair() },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: dir, io: f });
    await f.waitForErr('Password: ');
    f.stdin.write('pw\r');
    await f.waitForErr('code');
    f.stdin.write('123456\r');
    await f.waitForErr('challenge expired');
    await f.waitForErr('code');
    f.stdin.write('654321\r');
    const r = await done;
    assert.equal(r.code, 0, r.err);
    assert.equal((r.err.match(/Password: /g) ?? []).length, 1);
    assert.deepEqual(stub.calls[2]?.body, { username: 'ada', password: 'pw' });
    stub.verify();
  });

  test('Ctrl-C at the password prompt exits 130', async () => {
    const { dir, stub } = await setup([]);
    const f = fakeIO({ tty: true });
    const done = runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: dir, io: f });
    await f.waitForErr('Password: ');
    f.stdin.write('abc\u0003');
    const r = await done;
    assert.equal(r.code, 130);
    stub.verify();
  });

  test('backspace edits the hidden password', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/auth/login', reply: tokenPair() }]);
    const f = fakeIO({ tty: true });
    const done = runMain(['auth', 'login', '--server', stub.url, '--username', 'ada'], { configDir: dir, io: f });
    await f.waitForErr('Password: ');
    f.stdin.write('pwx\u007fd\r');
    assert.equal((await done).code, 0);
    assert.deepEqual(stub.calls[0]?.body, { username: 'ada', password: 'pwd' });
  });
});
