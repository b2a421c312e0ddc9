import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { exitCodeFor, AuthError, ConflictError, JobFailedError, NotFoundError, UnavailableError, UsageError } from '../../src/errors.js';
import { VERSION } from '../../src/version.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { StubServer } from '../helpers/stub-server.js';

describe('main', () => {
  const dir = tempConfigDir();
  after(() => removeDir(dir));

  test('exit codes: one mapping', () => {
    assert.equal(exitCodeFor(new UsageError('x')), 2);
    assert.equal(exitCodeFor(new AuthError('x')), 3);
    assert.equal(exitCodeFor(new NotFoundError('x')), 4);
    assert.equal(exitCodeFor(new ConflictError('x')), 5);
    assert.equal(exitCodeFor(new UnavailableError('x')), 6);
    assert.equal(exitCodeFor(new JobFailedError('x')), 7);
    assert.equal(exitCodeFor(new TypeError('bug')), 1);
  });

  test('anything but a typed error: exit 1, "unexpected error", a hint to re-run with -v, no stack unless -v', async () => {
    const { PassThrough, Writable } = await import('node:stream');
    const { IOStreams } = await import('../../src/iostreams.js');
    const { main } = await import('../../src/main.js');
    for (const verbose of [false, true]) {
      let err = '';
      const broken = new Writable({
        write(_c, _e, cb) {
          cb(new Error('disk on fire'));
        },
      });
      // A stream whose write throws stands in for a bug inside a command.
      broken.write = () => {
        throw new TypeError('boom in a command');
      };
      const errStream = new PassThrough();
      errStream.on('data', (c: Buffer) => {
        err += c.toString();
      });
      const io = new IOStreams({ in: new PassThrough(), out: broken, err: errStream });
      const code = await main(verbose ? ['-v', 'auth', '--help'] : ['auth', '--help'], { io, env: { HOME: dir, FITSYNC_CONFIG_DIR: dir } });
      assert.equal(code, 1);
      assert.match(err, /^unexpected error: boom in a command\n/);
      if (verbose) assert.match(err, /at .*run-cli/);
      else {
        assert.match(err, /re-run with -v/);
        assert.doesNotMatch(err, /\n\s+at /);
      }
    }
  });

  test('--version matches package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(VERSION, pkg.version);
    const r = await runMain(['--version'], { configDir: dir });
    assert.deepEqual(r, { code: 0, out: `fitsync ${VERSION}\n`, err: '' });
  });

  test('help at every level, with usage and examples', async () => {
    for (const argv of [[], ['help'], ['--help'], ['auth'], ['auth', '--help'], ['help', 'auth'], ['auth', 'login', '--help'], ['help', 'mfa', 'enable'], ['mfa', 'disable', '-h']]) {
      const r = await runMain(argv, { configDir: dir });
      assert.equal(r.code, 0, argv.join(' '));
      assert.match(r.out, /USAGE/, argv.join(' '));
      assert.match(r.out, /EXAMPLES\n {2}\$ fitsync/, argv.join(' '));
      assert.equal(r.err, '');
    }
  });

  test("global flags in help: each with its variable and the contract's default", async () => {
    const r = await runMain(['sync', 'list', '--help'], { configDir: dir });
    for (const line of [
      /--server URL +API base URL \(default: the profile's, else http:\/\/127\.0\.0\.1:8787\) \(env FITSYNC_SERVER\)/,
      /--profile NAME +named profile \(default "default"\) \(env FITSYNC_PROFILE\)/,
      /-o, --output FMT +output format: table, json or csv \(default: the profile's, else table\) \(env FITSYNC_OUTPUT\)/,
      /--no-color +.*\(env NO_COLOR\)/,
      /-v, --verbose +.*\(env FITSYNC_DEBUG\)/,
      /--config-dir DIR +config directory \(default \$XDG_CONFIG_HOME\/fitsync, else ~\/\.config\/fitsync\) \(env FITSYNC_CONFIG_DIR\)/,
    ]) {
      assert.match(r.out, line);
    }
  });

  test('unknown commands and flags: exit 2 with a hint', async () => {
    const a = await runMain(['auht', 'login'], { configDir: dir });
    assert.equal(a.code, 2);
    assert.match(a.err, /unknown command "auht"/);
    assert.match(a.err, /did you mean "fitsync auth"/);
    const b = await runMain(['auth', 'lgin'], { configDir: dir });
    assert.equal(b.code, 2);
    assert.match(b.err, /did you mean "fitsync auth login"/);
    const c = await runMain(['auth', 'status', '--frobnicate'], { configDir: dir });
    assert.equal(c.code, 2);
    assert.match(c.err, /unknown flag --frobnicate/);
    const d = await runMain(['auth', 'status', 'extra'], { configDir: dir });
    assert.equal(d.code, 2);
    const e = await runMain(['-o', 'yaml', 'auth', 'status'], { configDir: dir });
    assert.equal(e.code, 2);
    assert.match(e.err, /invalid output format/);
  });

  test('a non-HTTPS, non-loopback server is refused (exit 2) before any request', async () => {
    for (const server of ['http://example.com', 'http://192.168.1.10:8787', 'ftp://127.0.0.1']) {
      const r = await runMain(['auth', 'status', '--server', server], { configDir: dir });
      assert.equal(r.code, 2, server);
      assert.match(r.err, /https/);
    }
    const viaEnv = await runMain(['auth', 'login', '--username', 'ada'], { configDir: dir, env: { FITSYNC_SERVER: 'http://example.com', FITSYNC_PASSWORD: 'x' } });
    assert.equal(viaEnv.code, 2);
  });

  test('the server URL from config.toml is validated too, and used', async () => {
    const stub = await StubServer.start([]);
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${dir}/config.toml`, `[profiles.default]\nserver = "${stub.url}"\noutput = "json"\n[profiles.bad]\nserver = "http://evil.example"\n`);
      const ok = await runMain(['auth', 'status'], { configDir: dir });
      assert.equal(ok.code, 3);
      assert.equal(JSON.parse(ok.out).server, stub.url, 'profile server and output format applied');
      const bad = await runMain(['auth', 'status', '--profile', 'bad'], { configDir: dir });
      assert.equal(bad.code, 2);
      stub.verify();
    } finally {
      await stub.close();
    }
  });
});
