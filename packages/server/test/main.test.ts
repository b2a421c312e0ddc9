import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../src/cli/io.js';
import { loadConfig } from '../src/config.js';
import { main } from '../src/main.js';

const tmp = mkdtempSync(join(tmpdir(), 'fitsync-main-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs main() in-process with captured streams; `stop` resolves the stop signal for `start`. */
async function run(argv: string[], env: Record<string, string> = {}, stdin = '') {
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const io: CliIo = {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
    env: { HOME: tmp, FITSYNC_LOG_LEVEL: 'silent', ...env },
    stopSignal: () => new Promise((r) => setTimeout(() => r('SIGTERM'), 300)),
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('admin CLI (in-process)', () => {
  test('--help for every command, with examples', async () => {
    for (const args of [['--help'], ['start', '--help'], ['migrate', '--help'], ['user', '--help'], ['rebuild', '--help']]) {
      const r = await run(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.out, /Usage/);
      if (args.length > 1) assert.match(r.out, /Examples:/);
    }
    assert.equal((await run([])).code, 2);
  });

  test('--help names every environment variable the configuration reads (test-only switches aside)', async () => {
    const source = readFileSync(fileURLToPath(new URL('../src/config.ts', import.meta.url)), 'utf8');
    const read = [...new Set([...source.matchAll(/'(FITSYNC_[A-Z0-9_]+)'/g)].map((m) => m[1] as string))].filter((n) => !n.startsWith('FITSYNC_TEST_'));
    // The spec's own names (product.md: Server administration, Part 2 §A, §D, §E, §F) among them.
    for (const n of ['FITSYNC_JOB_MAX_ATTEMPTS', 'FITSYNC_SCHEDULE_MIN_INTERVAL', 'FITSYNC_DEFAULT_SYNC_EVERY', 'FITSYNC_IMPORT_MAX_BYTES', 'FITSYNC_BLOB_STORE']) {
      assert.ok(read.includes(n), `config.ts reads ${n}`);
    }
    const help = (await run(['--help'])).out;
    const missing = read.filter((n) => !new RegExp(`\\b${n}\\b`).test(help));
    assert.deepEqual(missing, [], 'environment variables missing from fitsync-server --help');
  });

  test('bad flags and environment: one clear line, exit 2, no stack trace', async () => {
    for (const [args, env, pattern] of [
      [['start', '--port', 'eighty'], {}, /--port must be a whole number/],
      [['start', '--bogus'], {}, /Unknown option '--bogus'/],
      [['start'], { FITSYNC_PORT: '70000' }, /FITSYNC_PORT must be between 0 and 65535/],
      [['start'], { FITSYNC_ACCESS_TOKEN_TTL: '-5' }, /FITSYNC_ACCESS_TOKEN_TTL/],
      [['start'], { FITSYNC_REFRESH_TOKEN_TTL: 'week' }, /FITSYNC_REFRESH_TOKEN_TTL/],
      [['start'], { FITSYNC_SECRET_KEY: 'short' }, /FITSYNC_SECRET_KEY/],
      [['start'], { FITSYNC_LOG_LEVEL: 'loud' }, /FITSYNC_LOG_LEVEL/],
      [['start'], { FITSYNC_DATABASE_URL: 'mysql://x' }, /FITSYNC_DATABASE_URL/],
      [['start'], { FITSYNC_GARMIN_SSO_URL: 'ftp://x' }, /FITSYNC_GARMIN_SSO_URL/],
      [['start', '--tls-cert', 'a.pem'], {}, /--tls-cert and --tls-key go together/],
      [['migrate', '--port', '1'], {}, /--port only applies to start/],
      [['frobnicate'], {}, /unknown command/],
      [['user', 'add', 'x'], {}, /--password-stdin/],
      [['user', 'remove', 'x'], {}, /unknown user command/],
      [['rebuild', 'ann'], {}, /rebuild takes no arguments.*--user NAME/],
      [['migrate', '--user', 'ann'], {}, /--user only applies to rebuild/],
    ] as const) {
      const r = await run([...args, '--data-dir', join(tmp, 'bad')], env as Record<string, string>);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, pattern);
      assert.equal(r.err.split('\n').length, 2, 'exactly one line');
    }
  });

  test('user add reads the password from stdin; invalid names are usage errors', async () => {
    const dir = join(tmp, 'users');
    const add = await run(['user', 'add', 'zoe', '--password-stdin', '--data-dir', dir], {}, 'zoe pass\n');
    assert.equal(add.code, 0, add.err);
    const bad = await run(['user', 'add', 'no spaces', '--password-stdin', '--data-dir', dir], {}, 'x');
    assert.equal(bad.code, 2);
    const empty = await run(['user', 'add', 'amy', '--password-stdin', '--data-dir', dir], {}, '\n');
    assert.equal(empty.code, 2);
    assert.match(empty.err, /password must not be empty/);
    const list = await run(['user', 'list', '--data-dir', dir]);
    assert.match(list.out, /^zoe\s/m);
    assert.doesNotMatch(list.out, /amy/);
  });

  test('rebuild: one line per user, exit 4 for an unknown user', async () => {
    const dir = join(tmp, 'rebuild');
    assert.equal((await run(['user', 'add', 'ann', '--password-stdin', '--data-dir', dir], {}, 'pw')).code, 0);
    assert.equal((await run(['user', 'add', 'bob', '--password-stdin', '--data-dir', dir], {}, 'pw')).code, 0);
    const all = await run(['rebuild', '--data-dir', dir]);
    assert.equal(all.code, 0, all.err);
    assert.equal(all.out, 'ann: health 0 days (0 new, 0 updated, 0 unchanged); activities 0 activities (0 new, 0 updated, 0 unchanged)\nbob: health 0 days (0 new, 0 updated, 0 unchanged); activities 0 activities (0 new, 0 updated, 0 unchanged)\n');
    const one = await run(['rebuild', '--user', 'BOB', '--data-dir', dir]);
    assert.equal(one.out, 'bob: health 0 days (0 new, 0 updated, 0 unchanged); activities 0 activities (0 new, 0 updated, 0 unchanged)\n');
    const none = await run(['rebuild', '--user', 'cy', '--data-dir', dir]);
    assert.equal(none.code, 4);
    assert.match(none.err, /no user named cy/);
  });

  test('start prints the URL first and returns 0 when stopped', async () => {
    const r = await run(['start', '--port', '0', '--data-dir', join(tmp, 'start')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.split('\n')[0]!, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('TLS', () => {
  test('--tls-cert/--tls-key serve HTTPS and print an https:// URL', async () => {
    const dir = join(tmp, 'tls');
    mkdirSync(dir, { recursive: true });
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], {
      stdio: 'ignore',
    });
    if (gen.status !== 0) return; // no openssl here: nothing to test with
    const r = await run(['start', '--port', '0', '--data-dir', dir, '--tls-cert', cert, '--tls-key', key]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.split('\n')[0]!, /^https:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('configuration', () => {
  test('defaults, environment, and flags winning over environment', () => {
    const d = loadConfig({}, { HOME: '/home/x' });
    assert.equal(d.host, '127.0.0.1');
    assert.equal(d.port, 8787);
    assert.equal(d.dataDir, '/home/x/.local/share/fitsync');
    assert.equal(d.accessTokenTtlS, 900);
    assert.equal(d.refreshTokenTtlS, 604800);
    assert.equal(d.logLevel, 'info');
    assert.equal(d.databaseUrl, undefined);
    assert.equal(d.auth.maxFailures, 5);
    assert.equal(d.auth.maxFailuresPerAccount, 100);
    assert.equal(d.auth.lockoutS, 300);
    assert.equal(loadConfig({}, { FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT: '20' }).auth.maxFailuresPerAccount, 20);
    assert.throws(() => loadConfig({}, { FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT: '0' }), /FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT/);
    assert.equal(d.sync.maxAttempts, 5);
    assert.equal(loadConfig({}, { FITSYNC_JOB_MAX_ATTEMPTS: '12' }).sync.maxAttempts, 12);
    for (const bad of ['0', '-1', '2.5', 'five', '1001']) {
      assert.throws(() => loadConfig({}, { FITSYNC_JOB_MAX_ATTEMPTS: bad }), /FITSYNC_JOB_MAX_ATTEMPTS/, bad);
    }
    assert.equal(loadConfig({}, { XDG_DATA_HOME: '/xdg' }).dataDir, '/xdg/fitsync');
    const env = { FITSYNC_HOST: '0.0.0.0', FITSYNC_PORT: '9000', FITSYNC_DATA_DIR: '/env', FITSYNC_GARMIN_API_URL: 'http://127.0.0.1:9/' };
    const e = loadConfig({}, env);
    assert.deepEqual([e.host, e.port, e.dataDir, e.garmin.apiUrl], ['0.0.0.0', 9000, '/env', 'http://127.0.0.1:9']);
    const f = loadConfig({ host: '::1', port: '0', dataDir: '/flag' }, env);
    assert.deepEqual([f.host, f.port, f.dataDir], ['::1', 0, '/flag']);
  });
});
