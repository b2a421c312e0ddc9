import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserCommand, splitCommandLine } from '../../src/auth/open-browser.js';
import { parse } from '../../src/cmd/auth/login.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { fakeIO } from '../helpers/fake-io.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { stored } from '../helpers/seed.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { type PlannedCall, problem, type StubReply, tokenPair } from '../helpers/stub-server.js';
import { TestInterrupts } from '../helpers/test-interrupts.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const DEVICE_CODE = 'planted-device-code-5f2c9a7e41d04b8e';

function grant(stubUrl: string, o: { interval?: number; expiresIn?: number } = {}): PlannedCall {
  return {
    method: 'POST',
    path: '/v1/auth/device',
    reply: {
      status: 200,
      body: {
        device_code: DEVICE_CODE,
        user_code: 'BCDF-GHJK',
        verification_uri: `${stubUrl}/device`,
        verification_uri_complete: `${stubUrl}/device?user_code=BCDF-GHJK`,
        expires_in: o.expiresIn ?? 600,
        interval: o.interval ?? 5,
      },
    },
  };
}

/** The token endpoint answering `replies` in order, noting the runtime's time of each poll. */
function polls(replies: StubReply[], runtime: DrivenRuntime, at: number[], onPoll?: () => void): PlannedCall {
  let i = 0;
  return {
    method: 'POST',
    path: '/v1/auth/device/token',
    times: replies.length,
    reply: (call) => {
      assert.deepEqual(call.body, { grant_type: GRANT, device_code: DEVICE_CODE });
      at.push(runtime.now());
      onPoll?.();
      return replies[i++] as StubReply;
    },
  };
}

const oauth = (code: string) => problem(400, code, { error: code });

describe('auth login --web: flags → options', () => {
  test('--web, with and without --no-browser', () => {
    assert.deepEqual(parse({ flags: { web: true }, positionals: [], env: {} }).web, { noBrowser: false });
    assert.deepEqual(parse({ flags: { web: true, 'no-browser': true }, positionals: [], env: {} }).web, { noBrowser: true });
    // The password sign-in's environment does not get in the way of the browser's.
    assert.deepEqual(parse({ flags: { web: true }, positionals: [], env: { FITSYNC_USERNAME: 'ada', FITSYNC_PASSWORD: 'pw' } }).web, { noBrowser: false });
  });

  test('--web with a password flag, or --no-browser alone: usage errors (exit 2)', async () => {
    const dir = tempConfigDir();
    try {
      for (const extra of [['--username', 'ada'], ['--password-stdin'], ['--mfa-code', '123456'], ['--recovery-code', 'abcd-efgh']]) {
        const r = await runMain(['auth', 'login', '--web', ...extra], { configDir: dir });
        assert.equal(r.code, 2, extra.join(' '));
        assert.match(r.err, new RegExp(`--web cannot be used with ${extra[0]}`));
      }
      const r = await runMain(['auth', 'login', '--no-browser'], { configDir: dir });
      assert.equal(r.code, 2);
      assert.match(r.err, /--no-browser goes with --web/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('auth login --web: opening the browser', () => {
  test('$BROWSER is split like a command line, the URL last', () => {
    const url = 'https://fit.example.com/device?user_code=BCDF-GHJK';
    assert.deepEqual(browserCommand(url, { BROWSER: 'firefox --new-window' }, 'linux'), { command: 'firefox', args: ['--new-window', url] });
    assert.deepEqual(browserCommand(url, { BROWSER: `"/opt/My Browser/run" -x 'a b' c\\ d` }, 'darwin'), {
      command: '/opt/My Browser/run',
      args: ['-x', 'a b', 'c d', url],
    });
    assert.deepEqual(splitCommandLine(`a "b \\" c" '' d`), ['a', 'b " c', '', 'd']);
  });

  test('else the platform opener, on Linux only with a display', () => {
    const url = 'http://127.0.0.1:8787/device?user_code=BCDF-GHJK';
    assert.deepEqual(browserCommand(url, {}, 'darwin'), { command: 'open', args: [url] });
    assert.deepEqual(browserCommand(url, {}, 'win32'), { command: 'cmd', args: ['/c', 'start', '""', url], verbatim: true });
    assert.deepEqual(browserCommand(url, { DISPLAY: ':0' }, 'linux'), { command: 'xdg-open', args: [url] });
    assert.deepEqual(browserCommand(url, { WAYLAND_DISPLAY: 'wayland-0' }, 'freebsd'), { command: 'xdg-open', args: [url] });
    assert.equal(browserCommand(url, {}, 'linux'), undefined);
    assert.equal(browserCommand(url, { BROWSER: '  ' }, 'linux'), undefined);
  });
});

describe('auth login --web: run', () => {
  const { setup } = stubFixture();

  test('polls at the interval, pending then approved: stores the session like a password login', async () => {
    const runtime = new DrivenRuntime();
    const at: number[] = [];
    const { dir, stub } = await setup();
    stub.plan(grant(stub.url, { interval: 5 }), polls([oauth('authorization_pending'), oauth('authorization_pending'), tokenPair()], runtime, at));
    const t0 = runtime.now();
    const r = await runMain(['auth', 'login', '--web', '--no-browser', '--server', stub.url], { configDir: dir, runtime, env: { BROWSER: '/nonexistent/browser' } });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(at.map((t) => t - t0), [5000, 10_000, 15_000]);
    assert.match(r.err, new RegExp(`open ${stub.url}/device and enter the code BCDF-GHJK`));
    assert.match(r.err, new RegExp(`${stub.url}/device\\?user_code=BCDF-GHJK`));
    assert.match(r.err, new RegExp(`Signed in as ada to ${stub.url}`));
    assert.doesNotMatch(r.err, /Could not start/, '--no-browser starts nothing');
    assert.deepEqual(stub.calls[0]?.body, { client_id: 'fitsync-cli' });
    const c = await stored(dir);
    assert.equal(c?.server, stub.url);
    assert.equal(c?.refreshToken.reveal(), 'ref-1');
    stub.verify();
  });

  test('slow_down adds 5 s to the interval for every later poll', async () => {
    const runtime = new DrivenRuntime();
    const at: number[] = [];
    const { dir, stub } = await setup();
    const replies = [oauth('authorization_pending'), oauth('slow_down'), oauth('authorization_pending'), oauth('slow_down'), tokenPair()];
    stub.plan(grant(stub.url, { interval: 2 }), polls(replies, runtime, at));
    const t0 = runtime.now();
    const r = await runMain(['auth', 'login', '--web', '--no-browser', '--server', stub.url], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    const gaps = at.map((t, i) => t - (i === 0 ? t0 : (at[i - 1] as number)));
    assert.deepEqual(gaps, [2000, 2000, 7000, 7000, 12_000]);
    stub.verify();
  });

  test('denied or expired: exit 3 with a clear message, nothing stored', async () => {
    for (const [code, message] of [
      ['access_denied', /denied/],
      ['expired_token', /expired before it was approved/],
      ['invalid_grant', /no longer knows this sign-in request/],
    ] as const) {
      const runtime = new DrivenRuntime();
      const { dir, stub } = await setup();
      stub.plan(grant(stub.url), polls([oauth('authorization_pending'), oauth(code)], runtime, []));
      const r = await runMain(['auth', 'login', '--web', '--no-browser', '--server', stub.url], { configDir: dir, runtime });
      assert.equal(r.code, 3, `${code}: ${r.err}`);
      assert.match(r.err, message);
      assert.match(r.err, /fitsync auth login --web/);
      assert.equal(await stored(dir), undefined);
      stub.verify();
    }
  });

  test('server trouble is ridden out a few times, then the usual exit 6', async () => {
    const runtime = new DrivenRuntime();
    const { dir, stub } = await setup();
    const down = problem(503, 'internal_error');
    stub.plan(grant(stub.url, { interval: 1 }), polls([down, down, oauth('authorization_pending'), down, tokenPair()], runtime, []));
    const ok = await runMain(['auth', 'login', '--web', '--no-browser', '--server', stub.url], { configDir: dir, runtime });
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /trying again/);
    stub.verify();

    const runtime2 = new DrivenRuntime();
    const second = await setup();
    second.stub.plan(grant(second.stub.url, { interval: 1 }), polls([down, down, down], runtime2, []));
    const r = await runMain(['auth', 'login', '--web', '--no-browser', '--server', second.stub.url], { configDir: second.dir, runtime: runtime2 });
    assert.equal(r.code, 6, r.err);
    second.stub.verify();
  });

  test('Ctrl-C while waiting: exit 130, nothing stored', async () => {
    const runtime = new DrivenRuntime();
    const interrupts = new TestInterrupts();
    const { dir, stub } = await setup();
    stub.plan(grant(stub.url, { interval: 1 }), polls([oauth('authorization_pending')], runtime, [], () => interrupts.fire()));
    const r = await runMain(['auth', 'login', '--web', '--no-browser', '--server', stub.url], { configDir: dir, runtime, interrupts });
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /Sign-in cancelled/);
    assert.equal(interrupts.unhandled, 0);
    assert.equal(interrupts.waiting, 0, 'Ctrl-C gets its default back');
    assert.equal(await stored(dir), undefined);
    stub.verify();
  });

  test('on a terminal: a waiting line redrawn in place, cleared before "Signed in"', async () => {
    const runtime = new DrivenRuntime();
    const { dir, stub } = await setup();
    stub.plan(grant(stub.url, { interval: 3 }), polls([oauth('authorization_pending'), tokenPair()], runtime, []));
    const io = fakeIO({ tty: true });
    const r = await runMain(['auth', 'login', '--web', '--no-browser', '--server', stub.url], { configDir: dir, runtime, io });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /\r\u001b\[2K[|/\\-] Waiting for approval in the browser… \(code valid for 9:59/);
    assert.match(r.err, /\r\u001b\[2KSigned in as ada/);
    stub.verify();
  });

  test('without a terminal: one plain waiting line', async () => {
    const runtime = new DrivenRuntime();
    const { dir, stub } = await setup();
    stub.plan(grant(stub.url, { interval: 3 }), polls([oauth('authorization_pending'), oauth('authorization_pending'), tokenPair()], runtime, []));
    const r = await runMain(['auth', 'login', '--web', '--no-browser', '--server', stub.url], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err.match(/Waiting for approval/g)?.length, 1);
    assert.doesNotMatch(r.err, /\r|\u001b/);
    stub.verify();
  });

  test('-v logs the requests with the device code and tokens redacted', async () => {
    const runtime = new DrivenRuntime();
    const { dir, stub } = await setup();
    stub.plan(grant(stub.url, { interval: 1 }), polls([tokenPair({ access_token: 'planted-access-91d2', refresh_token: 'planted-refresh-77ab' })], runtime, []));
    const r = await runMain(['auth', 'login', '--web', '--no-browser', '-v', '--server', stub.url], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /POST .*\/v1\/auth\/device\/token/);
    for (const secret of [DEVICE_CODE, 'planted-access-91d2', 'planted-refresh-77ab']) {
      assert.ok(!r.err.includes(secret) && !r.out.includes(secret), `${secret} was printed`);
    }
    stub.verify();
  });

  test('a verification address that is not a web address is shown, never handed to a program', async () => {
    const runtime = new DrivenRuntime();
    const { dir, stub } = await setup();
    const g = grant(stub.url, { interval: 1 });
    (g.reply as { body: Record<string, unknown> }).body.verification_uri_complete = '--disable-web-security';
    stub.plan(g, polls([tokenPair()], runtime, []));
    const r = await runMain(['auth', 'login', '--web', '--server', stub.url], { configDir: dir, runtime, env: { BROWSER: '/nonexistent/browser' } });
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /Could not start/, 'nothing was started');
    stub.verify();
  });

  test('a browser that cannot start: a note, and the sign-in goes on', async () => {
    const runtime = new DrivenRuntime();
    const { dir, stub } = await setup();
    stub.plan(grant(stub.url, { interval: 1 }), polls([tokenPair()], runtime, []));
    const r = await runMain(['auth', 'login', '--web', '--server', stub.url], { configDir: dir, runtime, env: { BROWSER: '/nonexistent/browser --flag' } });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Could not start \/nonexistent\/browser; open the address above yourself/);
    stub.verify();
  });
});
