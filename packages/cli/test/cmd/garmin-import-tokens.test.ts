import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from '../../src/cmd/garmin/import-tokens.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { problem } from '../helpers/stub-server.js';

// `fitsync garmin import-tokens PATH`: token files in every format garmin-token-files.md documents,
// written here with planted values; the stub server stands in for the API.
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);
/** One time for the files a test writes and the body it expects (a second may pass between). */
const T0 = nowS();
const jwt = (payload: Record<string, unknown>, alg = 'RS256') => `${b64({ alg, typ: 'JWT' })}.${b64(payload)}.${b64('PLANTED-signature')}`;
const ACCESS = jwt({ client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2', exp: nowS() + 86400, jti: 'PLANTED-jti' });
const REFRESH = 'PLANTED-refresh-0000-1111';
const OAUTH1 = { oauth_token: 'PLANTED-oauth1-token', oauth_token_secret: 'PLANTED-oauth1-secret', mfa_token: null, mfa_expiration_timestamp: null, domain: 'garmin.com' };
const oauth2 = (over: Record<string, unknown> = {}) => ({
  scope: 'CONNECT_READ CONNECT_WRITE',
  jti: 'fake-jti',
  token_type: 'Bearer',
  access_token: ACCESS,
  refresh_token: REFRESH,
  expires_in: 107182,
  expires_at: T0 + 107182,
  refresh_token_expires_in: 2591999,
  refresh_token_expires_at: T0 + 2591999,
  ...over,
});
const PGC = { di_token: ACCESS, di_refresh_token: REFRESH, di_client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2' };
// Python's json.dumps separators, as python-garminconnect writes the file (one line, no newline).
const pyDumps = (v: unknown) => JSON.stringify(v).replace(/","/g, '", "').replace(/":"/g, '": "').replace(/":null/g, '": null');
const CONNECTED = { status: 200, body: { status: 'connected', display_name: 'trail.runner' } };
const SECRETS = [ACCESS, REFRESH, 'PLANTED-oauth1-token', 'PLANTED-oauth1-secret', 'PLANTED-signature', 'PLANTED-jti'];

const root = mkdtempSync(join(tmpdir(), 'fitsync-token-files-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh folder holding `files` (name → text). */
function folder(files: Record<string, string>): string {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir, { mode: 0o700 });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
  return dir;
}

describe('garmin import-tokens: arguments → options', () => {
  test('PATH is required; ~ and ~/ expand to HOME; ~user is refused; relative paths resolve', () => {
    const p = (positionals: string[], env: NodeJS.ProcessEnv = { HOME: '/home/me' }) => parse({ flags: {}, positionals, env });
    assert.throws(() => p([]), /PATH required/);
    assert.deepEqual(p(['~/.garminconnect']), { path: '/home/me/.garminconnect' });
    assert.deepEqual(p(['~']), { path: '/home/me' });
    assert.throws(() => p(['~root/.garth']), /"~user" paths are not supported/);
    assert.deepEqual(p(['/abs/garmin_tokens.json']), { path: '/abs/garmin_tokens.json' });
    assert.equal(p(['rel/x.json']).path, join(process.cwd(), 'rel/x.json'));
  });
});

describe('garmin import-tokens: run', () => {
  const fixture = stubFixture();
  const expectBody = async (path: string, body: unknown, source: RegExp) => {
    const { dir, stub } = await fixture.setup([{ method: 'PUT', path: '/v1/garmin/connection/tokens', reply: CONNECTED }], { signedIn: true });
    const r = await runMain(['garmin', 'import-tokens', path, '-o', 'json', '-v'], { configDir: dir });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { status: 'connected', display_name: 'trail.runner' });
    assert.match(r.err, source);
    assert.match(r.err, /Garmin account connected \(trail\.runner\) with the imported tokens/);
    assert.deepEqual(stub.calls[0]?.body, body);
    for (const s of SECRETS) assert.ok(!r.out.includes(s) && !r.err.includes(s), `a token value reached the output (-v): ${s.slice(0, 12)}`);
    stub.verify();
  };
  const garthBody = { format: 'garth', oauth1: OAUTH1, oauth2: oauth2() };

  test('python-garminconnect: the folder, the file itself, and a 0.3.0 file with extra keys', async () => {
    const body = { format: 'garminconnect', ...PGC };
    const dir = folder({ 'garmin_tokens.json': pyDumps(PGC) });
    await expectBody(dir, body, /Read a python-garminconnect token file/);
    await expectBody(join(dir, 'garmin_tokens.json'), body, /python-garminconnect/);
    const v030 = { ...PGC, it_token: 'PLANTED-it', it_refresh_token: 'PLANTED-it-r', it_client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_2025Q2', jwt_web: null, csrf_token: null, cookies: { SESSION: 'PLANTED-cookie' } };
    await expectBody(join(folder({ 'my.json': JSON.stringify(v030) }), 'my.json'), body, /python-garminconnect/);
  });

  test("garth: the folder (indent=4 files), the base64 GARTH_TOKEN string in a file, and the dumps array", async () => {
    const dir = folder({ 'oauth1_token.json': JSON.stringify(OAUTH1, null, 4), 'oauth2_token.json': JSON.stringify(oauth2(), null, 4) });
    await expectBody(dir, garthBody, /Read a garth token folder/);
    const string = Buffer.from(JSON.stringify([OAUTH1, oauth2()])).toString('base64');
    assert.ok(string.startsWith('W3si'));
    await expectBody(join(folder({ garth_token: `${string}\n` }), 'garth_token'), garthBody, /Read a garth token string/);
    await expectBody(join(folder({ 'dump.json': JSON.stringify([OAUTH1, oauth2()]) }), 'dump.json'), garthBody, /Read a garth token string/);
  });

  const refused = async (path: string, code: number, message: RegExp) => {
    const { dir, stub } = await fixture.setup([], { signedIn: true });
    const r = await runMain(['garmin', 'import-tokens', path, '-v'], { configDir: dir });
    assert.equal(r.code, code, r.err);
    assert.match(r.err, message);
    for (const s of SECRETS) assert.ok(!r.err.includes(s) && !r.out.includes(s), 'a token value reached the output');
    assert.equal(stub.calls.length, 0, 'nothing sent');
    stub.verify();
  };

  test('malformed or unsupported files → exit 2 naming the file and the problem; nothing sent', async () => {
    const f = (name: string, text: string) => join(folder({ [name]: text }), name);
    await refused(f('garmin_tokens.json', '{"di_token": "eyJ'), 2, /garmin_tokens\.json is not valid JSON/);
    await refused(f('t.json', '{"token": "x"}'), 2, /t\.json: no di_token key/);
    await refused(f('t.json', JSON.stringify({ ...PGC, di_token: 'opaque-PLANTED' })), 2, /t\.json: di_token is not a JWT/);
    const none = `${b64({ alg: 'none' })}.${b64({ exp: nowS() + 3600 })}.`;
    await refused(f('t.json', JSON.stringify({ ...PGC, di_token: `${none}c2ln` })), 2, /di_token is an unsigned JWT \(alg "none"\)/);
    await refused(f('t.json', JSON.stringify({ ...PGC, di_token: null })), 2, /di_token is null/);
    await refused(f('t.json', JSON.stringify({ ...PGC, di_refresh_token: null })), 2, /di_refresh_token is null/);
    await refused(f('oauth2_token.json', JSON.stringify(oauth2())), 2, /one of garth's two token files/);
    await refused(f('t.txt', 'hello there'), 2, /t\.txt is not JSON, nor garth's base64 token string/);
    await refused(f('t.json', ''), 2, /t\.json is empty/);
    await refused(folder({ 'oauth1_token.json': JSON.stringify({ ...OAUTH1, domain: 'garmin.cn' }), 'oauth2_token.json': JSON.stringify(oauth2()) }), 2, /oauth1_token\.json: the tokens belong to Garmin China \(garmin\.cn\)/);
    await refused(folder({ 'oauth1_token.json': JSON.stringify(OAUTH1) }), 2, /garth's oauth2_token\.json is missing/);
    await refused(folder({ 'oauth1_token.json': JSON.stringify(OAUTH1), 'oauth2_token.json': JSON.stringify({ ...oauth2(), refresh_token: undefined }) }), 2, /oauth2_token\.json: "refresh_token" is missing/);
    await refused(folder({}), 2, /no token files in this directory/);
    await refused(join(root, 'nope'), 2, /nope: no such file or directory/);
    await refused(f('big.json', `{"di_token": "${'x'.repeat(70 * 1024)}"}`), 2, /big\.json is larger than 64 KiB/);
  });

  test('symbolic links are refused: the file itself, or a folder on the way', async () => {
    const real = folder({ 'garmin_tokens.json': JSON.stringify(PGC) });
    const links = folder({});
    symlinkSync(join(real, 'garmin_tokens.json'), join(links, 'garmin_tokens.json'));
    symlinkSync(real, join(links, 'dir'));
    await refused(join(links, 'garmin_tokens.json'), 2, /is a symbolic link; refusing to follow it/);
    await refused(links, 2, /is a symbolic link; refusing to follow it/);
    await refused(join(links, 'dir'), 2, /dir is a symbolic link/);
  });

  test('expired with no usable refresh token → exit 3; nothing sent', async () => {
    const gone = jwt({ client_id: 'X', exp: nowS() - 60 });
    await refused(join(folder({ 'garmin_tokens.json': JSON.stringify({ ...PGC, di_token: gone, di_refresh_token: null }) })), 3, /the access token expired and there is no refresh token/);
    const old = folder({ 'oauth1_token.json': JSON.stringify(OAUTH1), 'oauth2_token.json': JSON.stringify(oauth2({ expires_at: nowS() - 10, refresh_token_expires_at: nowS() - 5 })) });
    await refused(old, 3, /oauth2_token\.json: both the access token and the refresh token have expired/);
  });

  test("the server's refusals: Garmin refused → exit 3 with its detail; malformed → 2; throttled → 6", async () => {
    const dir0 = folder({ 'garmin_tokens.json': JSON.stringify(PGC) });
    const cases: Array<[ReturnType<typeof problem>, number, RegExp]> = [
      [problem(401, 'garmin_auth_failed', { detail: 'Garmin refused the imported tokens (the refresh token was rejected); sign in with `fitsync garmin connect`.' }), 3, /Garmin refused the imported tokens \(the refresh token was rejected\)/],
      [problem(400, 'validation_error', { detail: 'The imported Garmin tokens cannot be used: di_token has no `exp` claim.' }), 2, /cannot be used: di_token has no `exp` claim/],
      [{ ...problem(429, 'rate_limited', { retry_after: 60, detail: 'Garmin is rate limiting requests; FitSync holds further sign-ins back: try again in 1 min, at 10:01 UTC.' }), headers: { 'retry-after': '60' } }, 6, /try again in 1 min/],
    ];
    for (const [reply, code, message] of cases) {
      const { dir, stub } = await fixture.setup([{ method: 'PUT', path: '/v1/garmin/connection/tokens', reply }], { signedIn: true });
      const r = await runMain(['garmin', 'import-tokens', dir0], { configDir: dir });
      assert.equal(r.code, code, r.err);
      assert.match(r.err, message);
      assert.doesNotMatch(r.err, /email or password/);
      stub.verify();
    }
  });

  test('not signed in to FitSync → exit 3 before any file is read', async () => {
    const { dir, stub } = await fixture.setup([]);
    const r = await runMain(['garmin', 'import-tokens', join(root, 'does-not-matter')], { configDir: dir });
    assert.equal(r.code, 3, r.err);
    assert.doesNotMatch(r.err, /no such file/);
    stub.verify();
  });
});
