import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { localTime } from '../../src/health/health-format.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { ME } from '../helpers/stub-server.js';

// The stored session is fresh on the real clock: the test clock starts there.
const NOW = Date.now();
const REAUTH_AT = '2026-12-05T21:30:00.000Z';
const CONNECTION = {
  status: 'connected',
  display_name: 'trail.runner',
  connected_at: '2026-06-01T12:00:00.000Z',
  reauth_required_at: null,
  time_zone: null,
  signin_blocked_until: null,
};

describe('Garmin state in auth status and garmin status', () => {
  const fixture = stubFixture();

  test('auth status: Garmin wants a new sign-in → a warning with the time and the fix, exit still 0; json has the fields', async () => {
    const me = { ...ME.body, garmin_status: 'reauth_required', garmin_reauth_required_at: REAUTH_AT };
    const { dir, stub } = await fixture.setup([{ method: 'GET', path: '/v1/me', reply: { status: 200, body: me }, times: 2 }], { signedIn: true });
    const r = await runMain(['auth', 'status'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Status: +signed in/);
    assert.match(r.out, /Garmin: +reauth_required/);
    assert.match(r.out, new RegExp(`Garmin sign-in needed since: +${localTime(REAUTH_AT)}\n`));
    assert.equal(r.err, `warning: Garmin needs you to sign in again (since ${localTime(REAUTH_AT)}): run \`fitsync garmin connect\`\n`);
    const j = await runMain(['auth', 'status', '-o', 'json'], { configDir: dir });
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out);
    assert.equal(doc.garmin_status, 'reauth_required');
    assert.equal(doc.garmin_reauth_required_at, REAUTH_AT, 'JSON keeps the ISO time');
    stub.verify();
  });

  test('auth status: a connected (or unlinked) Garmin account gives no warning', async () => {
    const { dir, stub } = await fixture.setup(
      [
        { method: 'GET', path: '/v1/me', reply: ME },
        { method: 'GET', path: '/v1/me', reply: { status: 200, body: { ...ME.body, garmin_status: 'not_connected' } } },
      ],
      { signedIn: true },
    );
    const a = await runMain(['auth', 'status'], { configDir: dir });
    assert.equal(a.code, 0, a.err);
    assert.equal(a.err, '');
    assert.match(a.out, /Garmin: +connected\n/);
    assert.doesNotMatch(a.out, /sign-in needed/, 'no empty time row in the table');
    const b = await runMain(['auth', 'status', '-o', 'json'], { configDir: dir });
    assert.deepEqual([JSON.parse(b.out).garmin_status, JSON.parse(b.out).garmin_reauth_required_at], ['not_connected', null]);
    stub.verify();
  });

  test('garmin status: status, name, connected since; time zone, reauth time with the fix, sign-ins paused with the time left', async () => {
    const full = { ...CONNECTION, status: 'reauth_required', reauth_required_at: REAUTH_AT, time_zone: 'Pacific/Honolulu', signin_blocked_until: new Date(NOW + 52 * 60_000).toISOString() };
    const { dir, stub } = await fixture.setup(
      [
        { method: 'GET', path: '/v1/garmin/connection', reply: { status: 200, body: full }, times: 2 },
        { method: 'GET', path: '/v1/garmin/connection', reply: { status: 200, body: CONNECTION } },
      ],
      { signedIn: true },
    );
    const runtime = new DrivenRuntime(NOW);
    const r = await runMain(['garmin', 'status'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    const until = localTime(full.signin_blocked_until);
    assert.equal(
      r.out,
      [
        'Status:                reauth_required',
        'Garmin account:        trail.runner',
        `Connected since:       ${localTime(CONNECTION.connected_at)}`,
        `Sign in again since:   ${localTime(REAUTH_AT)}`,
        'Time zone:             Pacific/Honolulu',
        `Sign-ins paused until: ${until} (in 52 min)`,
        '',
      ].join('\n'),
    );
    assert.match(r.err, new RegExp(`warning: Garmin needs you to sign in again \\(since ${localTime(REAUTH_AT)}\\): run \`fitsync garmin connect\``));
    assert.match(r.err, new RegExp(`Garmin sign-ins paused until ${until} \\(in 52 min\\)`));
    const j = await runMain(['garmin', 'status', '-o', 'json'], { configDir: dir, runtime });
    assert.deepEqual(JSON.parse(j.out), full, 'JSON is the connection as the server sent it');
    // Nothing to report: no optional rows, nothing on stderr.
    const plain = await runMain(['garmin', 'status'], { configDir: dir, runtime });
    assert.equal(plain.err, '');
    assert.doesNotMatch(plain.out, /Time zone|paused|again/);
    stub.verify();
  });

  test('garmin status: a pause that is over is shown as past, without the stderr line', async () => {
    const past = { ...CONNECTION, signin_blocked_until: new Date(NOW - 3 * 60_000).toISOString() };
    const { dir, stub } = await fixture.setup([{ method: 'GET', path: '/v1/garmin/connection', reply: { status: 200, body: past } }], { signedIn: true });
    const r = await runMain(['garmin', 'status'], { configDir: dir, runtime: new DrivenRuntime(NOW) });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Sign-ins paused until: +.* \(3 min ago\)/);
    assert.equal(r.err, '');
    stub.verify();
  });
});
