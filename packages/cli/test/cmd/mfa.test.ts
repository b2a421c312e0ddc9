import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse as parseDisable } from '../../src/cmd/mfa/disable.js';
import { parse as parseEnable } from '../../src/cmd/mfa/enable.js';
import { parse as parseCodes } from '../../src/cmd/mfa/recovery-codes.js';
import { fakeIO } from '../helpers/fake-io.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { ME, type PlannedCall, problem } from '../helpers/stub-server.js';

const SETUP = { status: 200, body: { secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/FitSync:ada?secret=JBSWY3DPEHPK3PXP&issuer=FitSync' } };
const CODES = { status: 200, body: { recovery_codes: Array.from({ length: 10 }, (_, i) => `rc-${i}`) } };

describe('mfa: flags → options', () => {
  test('enable', () => {
    assert.deepEqual(parseEnable({ flags: {}, positionals: [], env: {} }), {});
    assert.equal(parseEnable({ flags: { code: ' 123456 ' }, positionals: [], env: {} }).code?.reveal(), '123456');
    assert.throws(() => parseEnable({ flags: { code: ' ' }, positionals: [], env: {} }), /invalid --code/);
  });
  test('disable and recovery-codes', () => {
    assert.equal(parseDisable({ flags: { 'recovery-code': 'r1' }, positionals: [], env: {} }).code.kind, 'recovery');
    assert.equal(parseDisable({ flags: {}, positionals: [], env: { FITSYNC_MFA_CODE: '1' } }).code.kind, 'code');
    assert.equal(parseDisable({ flags: {}, positionals: [], env: {} }).code.kind, 'prompt');
    assert.throws(() => parseDisable({ flags: { code: '1', 'recovery-code': '2' }, positionals: [], env: {} }), /together/);
    assert.equal(parseCodes({ flags: { code: '1' }, positionals: [], env: {} }).code.kind, 'code');
  });
});

describe('mfa: run', () => {
  const fixture = stubFixture();
  const setup = (plan: PlannedCall[]) => fixture.setup(plan, { signedIn: true });

  test('status', async () => {
    const { dir, stub } = await setup([{ method: 'GET', path: '/v1/me', reply: ME }]);
    const r = await runMain(['mfa', 'status', '-o', 'csv'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'username,mfa_enabled\nada,false\n');
    stub.verify();
  });

  test('enable without a TTY, two calls: the pending secret, then the recovery codes', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/mfa/totp', reply: SETUP },
      { method: 'POST', path: '/v1/mfa/totp/confirm', reply: CODES },
    ]);
    const a = await runMain(['mfa', 'enable', '-o', 'json'], { configDir: dir });
    assert.equal(a.code, 0, a.err);
    assert.deepEqual(JSON.parse(a.out), SETUP.body);
    assert.match(a.err, /fitsync mfa enable --code CODE/);
    const b = await runMain(['mfa', 'enable', '--code', '123456'], { configDir: dir });
    assert.equal(b.code, 0, b.err);
    assert.equal(b.out.trim().split('\n').length, 10);
    assert.deepEqual(stub.calls[1]?.body, { code: '123456' });
    stub.verify();
  });

  test('enable interactively: QR code, secret, URI; a wrong code is asked again', async () => {
    const { dir, stub } = await setup([
      { method: 'POST', path: '/v1/mfa/totp', reply: SETUP },
      { method: 'POST', path: '/v1/mfa/totp/confirm', reply: problem(401, 'invalid_mfa_code') },
      { method: 'POST', path: '/v1/mfa/totp/confirm', reply: CODES },
    ]);
    const f = fakeIO({ tty: true });
    const done = runMain(['mfa', 'enable'], { configDir: dir, io: f });
    await f.waitForErr('Code from your app to confirm: ');
    f.stdin.write('000000\r');
    await f.waitForErr('Invalid code, 2 attempts left');
    f.stdin.write('123456\r');
    const r = await done;
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Scan this QR code/);
    assert.match(r.err, /[▀▄█]/, 'a QR code drawn with block characters');
    assert.match(r.err, /JBSWY3DPEHPK3PXP/);
    assert.match(r.out, /rc-9/);
    stub.verify();
  });

  test('disable needs a code: exit 2 without one and without a TTY', async () => {
    const { dir, stub } = await setup([{ method: 'DELETE', path: '/v1/mfa/totp', reply: { status: 204 } }]);
    const a = await runMain(['mfa', 'disable'], { configDir: dir });
    assert.equal(a.code, 2);
    assert.match(a.err, /--code or --recovery-code/);
    const b = await runMain(['mfa', 'disable', '--recovery-code', 'rc-1'], { configDir: dir });
    assert.equal(b.code, 0, b.err);
    assert.deepEqual(stub.calls[0]?.body, { recovery_code: 'rc-1' });
    stub.verify();
  });

  test('disable -o json: one document on stdout, the account read back after the 204 (as `mfa status`)', async () => {
    const { dir, stub } = await setup([
      { method: 'DELETE', path: '/v1/mfa/totp', reply: { status: 204 } },
      { method: 'GET', path: '/v1/me', reply: { status: 200, body: { user_id: 'u-1', username: 'ada', mfa_enabled: false, created_at: '2026-01-01T00:00:00.000Z', garmin_status: 'not_connected', garmin_reauth_required_at: null } } },
    ]);
    const r = await runMain(['mfa', 'disable', '--code', '123456', '-o', 'json'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { username: 'ada', mfa_enabled: false });
    assert.deepEqual(stub.calls[0]?.body, { code: '123456' });
    assert.match(r.err, /MFA is now disabled/);
    stub.verify();
  });

  test('recovery-codes with a wrong code: exit 3', async () => {
    const { dir, stub } = await setup([{ method: 'POST', path: '/v1/mfa/recovery-codes', reply: problem(401, 'invalid_mfa_code') }]);
    const r = await runMain(['mfa', 'recovery-codes', '--code', '000000'], { configDir: dir });
    assert.equal(r.code, 3);
    assert.match(r.err, /Invalid code/);
    stub.verify();
  });
});
