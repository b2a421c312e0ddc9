import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain, type RunResult } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { problem, tokenPair } from '../helpers/stub-server.js';
import { job, problemBody } from '../helpers/sync-stub-server.js';

// What a hostile (or compromised) server can put in any string field: clear
// screen (CSI), retitle the window (OSC … BEL), an OSC 8 hyperlink ended by ST,
// a DCS string, a charset switch (2-char ESC), 8-bit C1 CSI/OSC/DCS forms, CR, BEL.
const HOSTILE =
  'A\u001b[2J\u001b]0;evil\u0007B\u001b]8;;https://evil.example\u001b\\C\u001bPq#0;2;0;0;0\u001b\\D\u001b(0E\u009b31mF\u009d0;evil2\u009cG\u0090x\u009cH\rI\u0007J\u001b';
const CLEAN = /^A ?BCDEF ?G ?H ?I ?J$/;

/** No ESC, BEL, CR, other C0 (but LF), DEL or C1 byte, and no remnant of a sequence's parameters. */
function assertTerminalSafe(r: RunResult, what: string, o: { remnants?: boolean } = {}): void {
  for (const [name, text] of [
    ['stdout', r.out],
    ['stderr', r.err],
  ] as const) {
    const bad = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.exec(text);
    assert.equal(bad, null, `${what}: a control character (U+${bad?.[0].charCodeAt(0).toString(16).padStart(4, '0')}) reached ${name}:\n${JSON.stringify(text)}`);
    if (o.remnants === false) continue;
    for (const remnant of [']0;evil', '0;evil', '[2J', '31m', ']8;;', 'evil.example', 'Pq#']) {
      assert.ok(!text.includes(remnant), `${what}: "${remnant}" reached ${name}:\n${JSON.stringify(text)}`);
    }
  }
}

function activity(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    activity_id: HOSTILE,
    name: HOSTILE,
    activity_type: HOSTILE,
    start_time: '2026-05-30T06:15:00.000Z',
    duration_s: 3725,
    distance_m: 10234.5,
    calories: 640,
    avg_hr: 148.6,
    fit_sha256: HOSTILE,
    decode_error: HOSTILE,
    ...over,
  };
}

describe('server text never carries terminal control codes to the terminal', () => {
  const fixture = stubFixture();
  const signedIn = () => fixture.setupRaw({ signedIn: true });

  test('sanitizing keeps the visible text', async () => {
    const { sanitizeForTerminal } = await import('../../src/terminal-text.js');
    assert.match(sanitizeForTerminal(HOSTILE), CLEAN);
    assert.equal(sanitizeForTerminal('plain – text ✓'), 'plain – text ✓');
    assert.equal(sanitizeForTerminal('a\nb', { multiline: true }), 'a\nb');
    assert.equal(sanitizeForTerminal('a\u001b]0;unterminated title'), 'a');
  });

  test('garmin status: display name in the table; -o json round-trips it exactly', async () => {
    const { dir, stub } = await signedIn();
    // connected_at is a date-time by the contract, so only display_name can carry free text.
    const conn = { status: 'reauth_required', display_name: HOSTILE, connected_at: '2026-05-01T08:00:00.000Z', reauth_required_at: null, time_zone: null, signin_blocked_until: null };
    stub.json('GET', '/v1/garmin/connection', 200, conn, 2);
    stub.json('GET', '/v1/garmin/connection', 200, { ...conn, connected_at: HOSTILE });
    const r = await runMain(['garmin', 'status'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assertTerminalSafe(r, 'garmin status');
    assert.match(r.out, /Garmin account: +A ?BCDEF ?G ?H ?I ?J\n/);
    const j = await runMain(['garmin', 'status', '-o', 'json'], { configDir: dir });
    assert.equal(j.code, 0, j.err);
    assert.deepEqual(JSON.parse(j.out), conn);
    // Free text where the contract wants a date-time: refused (exit 6), and nothing of it is shown.
    const off = await runMain(['garmin', 'status'], { configDir: dir });
    assert.equal(off.code, 6, off.err);
    assertTerminalSafe(off, 'garmin status (connected_at not a date-time)');
    stub.verify();
  });

  test('garmin connect: the "connected (NAME)" message, -o csv, and a challenge id in the how-to-finish message', async () => {
    const { dir, stub } = await signedIn();
    stub.json('PUT', '/v1/garmin/connection', 200, { status: 'connected', display_name: HOSTILE }, 2);
    stub.json('PUT', '/v1/garmin/connection', 202, { status: 'mfa_required', challenge_id: HOSTILE, expires_in: 600 });
    const env = { FITSYNC_GARMIN_PASSWORD: 'pw' };
    const r = await runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, env });
    assert.equal(r.code, 0, r.err);
    assertTerminalSafe(r, 'garmin connect');
    assert.match(r.err, /Garmin account connected \(A ?BCDEF ?G ?H ?I ?J\)/);
    const c = await runMain(['garmin', 'connect', '--email', 'me@example.com', '-o', 'csv'], { configDir: dir, env });
    assert.equal(c.code, 0, c.err);
    assertTerminalSafe(c, 'garmin connect -o csv');
    const m = await runMain(['garmin', 'connect', '--email', 'me@example.com'], { configDir: dir, env });
    assert.equal(m.code, 2, m.err);
    assertTerminalSafe(m, 'garmin connect (challenge)');
    stub.verify();
  });

  test('activities list: -o table and -o csv are clean; -o json round-trips every field', async () => {
    const { dir, stub } = await signedIn();
    const acts = [activity(), activity({ name: `${HOSTILE},"q"` })];
    stub.json('GET', '/v1/activities?limit=50', 200, { activities: acts, next_cursor: null }, 3);
    const runtime = new DrivenRuntime(Date.now());
    const t = await runMain(['activities', 'list'], { configDir: dir, runtime });
    assert.equal(t.code, 0, t.err);
    assertTerminalSafe(t, 'activities list');
    const c = await runMain(['activities', 'list', '-o', 'csv'], { configDir: dir, runtime });
    assert.equal(c.code, 0, c.err);
    assertTerminalSafe(c, 'activities list -o csv');
    assert.equal(c.out.trimEnd().split('\n').length, 3, 'a header and one line per row');
    const j = await runMain(['activities', 'list', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(j.code, 0, j.err);
    assert.deepEqual((JSON.parse(j.out) as { activities: unknown }).activities, acts);
    stub.verify();
  });

  test('sync status / list: ids and error messages; a failed followed job; -o json round-trips', async () => {
    const { dir, stub } = await signedIn();
    // The job id, window and times have contract formats; the error message is free text.
    const bad = job({ status: 'failed', error_message: HOSTILE });
    stub.json('GET', '/v1/sync/jobs/latest', 200, bad, 3);
    for (const off of [{ job_id: HOSTILE }, { since: HOSTILE }, { created_at: HOSTILE }]) {
      stub.json('GET', '/v1/sync/jobs/latest', 200, { ...bad, ...off });
    }
    stub.json('GET', '/v1/sync/jobs?limit=20', 200, { jobs: [bad, bad], next_cursor: null }, 2);
    for (const argv of [['sync', 'status'], ['sync', 'status', '-o', 'csv'], ['sync', 'list'], ['sync', 'list', '-o', 'csv']]) {
      const r = await runMain(argv, { configDir: dir });
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
      assertTerminalSafe(r, argv.join(' '));
      assert.ok(r.out.includes('BCDEF'), `${argv.join(' ')} still shows the text`);
    }
    const j = await runMain(['sync', 'status', '-o', 'json'], { configDir: dir });
    assert.equal(j.code, 0, j.err);
    assert.deepEqual(JSON.parse(j.out), bad);
    // Free text where the contract wants an id, a date or a date-time: refused (exit 6), nothing of it shown.
    for (let i = 0; i < 3; i++) {
      const off = await runMain(['sync', 'status'], { configDir: dir });
      assert.equal(off.code, 6, off.err);
      assertTerminalSafe(off, 'sync status (field breaking its format)');
      assert.ok(!off.err.includes('BCDEF'));
    }
    stub.verify();
  });

  test('error messages quoting the server: problem detail, a failed job followed with --watch', async () => {
    const { dir, stub } = await signedIn();
    stub.json('GET', '/v1/sync/jobs/job-9', 404, problemBody(404, 'not_found', { detail: HOSTILE }));
    const nf = await runMain(['sync', 'status', 'job-9'], { configDir: dir });
    assert.equal(nf.code, 4, nf.err);
    assertTerminalSafe(nf, 'sync status (problem detail)');
    stub.json('GET', '/v1/sync/jobs/job-1', 200, job({ status: 'failed', error_message: HOSTILE }));
    const w = await runMain(['sync', 'status', 'job-1', '--watch'], { configDir: dir, runtime: new DrivenRuntime() });
    assert.equal(w.code, 7, w.err);
    assertTerminalSafe(w, 'sync status --watch (failed job)');
    assert.match(w.err, /failed: A ?BCDEF ?G ?H ?I ?J/);
    stub.verify();
  });

  test('auth login / auth status: the username; -o json round-trips it', async () => {
    const { dir, stub } = await fixture.setup([
      { method: 'POST', path: '/v1/auth/login', reply: tokenPair({}, { username: HOSTILE }) },
      { method: 'GET', path: '/v1/me', reply: { status: 200, body: { user_id: HOSTILE, username: HOSTILE, mfa_enabled: false, created_at: '2026-01-01T00:00:00.000Z', garmin_status: 'not_connected', garmin_reauth_required_at: null } }, times: 2 },
    ]);
    const l = await runMain(['auth', 'login', '--server', stub.url, '--username', 'ada', '--password-stdin'], { configDir: dir, stdin: 'pw\n' });
    assert.equal(l.code, 0, l.err);
    assertTerminalSafe(l, 'auth login');
    const s = await runMain(['auth', 'status'], { configDir: dir });
    assert.equal(s.code, 0, s.err);
    assertTerminalSafe(s, 'auth status');
    assert.match(s.out, /User: +A ?BCDEF ?G ?H ?I ?J\n/);
    const j = await runMain(['auth', 'status', '-o', 'json'], { configDir: dir });
    assert.equal(j.code, 0, j.err);
    assert.equal((JSON.parse(j.out) as { username: string }).username, HOSTILE);
    stub.verify();
  });

  test('a problem detail on a 5xx (exit 6) is clean too, with the -v request log and stack', async () => {
    const { dir, stub } = await fixture.setup([{ method: 'GET', path: '/v1/garmin/connection', reply: problem(500, 'internal_error', { detail: HOSTILE }), times: 2 }], { signedIn: true });
    const r = await runMain(['garmin', 'status'], { configDir: dir });
    assert.equal(r.code, 6, r.err);
    assertTerminalSafe(r, 'garmin status (500)');
    // The -v log shows the answer as JSON: escaped ("\u001b…", printable text), never raw bytes.
    const v = await runMain(['garmin', 'status', '-v'], { configDir: dir });
    assert.equal(v.code, 6, v.err);
    assert.match(v.err, /< 500 GET/);
    assertTerminalSafe(v, 'garmin status -v (500)', { remnants: false });
    stub.verify();
  });
});
