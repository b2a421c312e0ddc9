import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';
import { cleanEnv, postJson, runBin, SERVER_BIN, type SpawnedServer, spawnServer } from './helpers/spawn-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'fitsync-bin-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('fitsync-server binary (SQLite)', () => {
  test('start prints its URL first, serves, adds users from stdin, stops on SIGTERM with 0', async () => {
    const dataDir = join(tmp, 'data', 'nested');
    const env = cleanEnv();
    const server = await spawnServer(['--port', '0', '--data-dir', dataDir], env);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const h = await fetch(`${server.url}/healthz`);
      assert.equal(h.status, 200);
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dataDir, 'secret.key')).mode & 0o777, 0o600);

      const add = await runBin(['user', 'add', 'ann', '--password-stdin', '--data-dir', dataDir], env, 'binary pass phrase\n');
      assert.equal(add.code, 0, add.stderr);
      assert.match(add.stdout, /Created user ann/);
      const dup = await runBin(['user', 'add', 'ann', '--password-stdin', '--data-dir', dataDir], env, 'other\n');
      assert.equal(dup.code, 5);
      assert.match(dup.stderr, /already exists/);

      const login = await postJson(`${server.url}/v1/auth/login`, { username: 'ann', password: 'binary pass phrase' });
      assert.equal(login.status, 200);
      const refresh = await postJson(`${server.url}/v1/auth/refresh`, { refresh_token: login.body.refresh_token });
      assert.equal(refresh.status, 200);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^fitsync_auth_refresh_total 1$/m);

      const list = await runBin(['user', 'list', '--data-dir', dataDir], env);
      assert.equal(list.code, 0);
      assert.match(list.stdout, /^USERNAME\s+USER ID\s+MFA\s+CREATED$/m);
      assert.match(list.stdout, /^ann\s+[0-9a-f]{32}\s+off\s/m);
      assert.equal((await runBin(['user', 'reset-mfa', 'ann', '--data-dir', dataDir], env)).code, 0);
      assert.equal((await runBin(['user', 'reset-mfa', 'nobody', '--data-dir', dataDir], env)).code, 4);
    } finally {
      assert.equal(await server.stop(), 0, server.stderr());
    }
  });

  test('stderr carries JSON log lines; stdout only the URL', async () => {
    const server = await spawnServer(['--data-dir', join(tmp, 'logs')], cleanEnv({ FITSYNC_LOG_LEVEL: 'info', FITSYNC_PORT: '0' }));
    await fetch(`${server.url}/healthz`);
    assert.equal(await server.stop(), 0);
    const lines = server.stderr().trim().split('\n');
    assert.ok(lines.length >= 2);
    for (const l of lines) JSON.parse(l);
  });

  test('a bad flag through the real binary: one line, exit 2, no stack trace', async () => {
    const r = await runBin(['start', '--port', 'eighty', '--data-dir', join(tmp, 'bad')], cleanEnv());
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'fitsync-server: --port must be a whole number, got "eighty"\n');
    const help = await runBin(['user', '--help'], cleanEnv());
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
  });

  test('migrate is idempotent', async () => {
    const dir = join(tmp, 'mig');
    for (let i = 0; i < 2; i++) {
      const r = await runBin(['migrate', '--data-dir', dir], cleanEnv());
      assert.equal(r.code, 0, r.stderr);
    }
  });
});

const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
describe('two server processes on one PostgreSQL database', { skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS' }, () => {
  let schema: PgSchema | undefined;
  const servers: SpawnedServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    await schema?.drop();
  });

  test('migrate at once, sign in on one, refresh on the other', async () => {
    schema = await createPgSchema();
    const env = (name: string) =>
      cleanEnv({ FITSYNC_DATABASE_URL: schema!.url, FITSYNC_SECRET_KEY: 'shared-secret-key-for-both-instances-0123456789', FITSYNC_DATA_DIR: join(tmp, name) });
    const [a, b] = await Promise.all([spawnServer(['--port', '0'], env('a')), spawnServer(['--port', '0'], env('b'))]);
    servers.push(a!, b!);
    const add = await runBin(['user', 'add', 'pat', '--password-stdin'], env('c'), 'pg pass phrase');
    assert.equal(add.code, 0, add.stderr);
    const login = await postJson(`${a!.url}/v1/auth/login`, { username: 'pat', password: 'pg pass phrase' });
    assert.equal(login.status, 200);
    const refreshed = await postJson(`${b!.url}/v1/auth/refresh`, { refresh_token: login.body.refresh_token });
    assert.equal(refreshed.status, 200);
    const me = await fetch(`${a!.url}/v1/me`, { headers: { authorization: `Bearer ${refreshed.body.access_token}` } });
    assert.equal(me.status, 200);
    // the spent token replayed on the first instance revokes the session everywhere
    assert.equal((await postJson(`${a!.url}/v1/auth/refresh`, { refresh_token: login.body.refresh_token })).status, 401);
    assert.equal((await postJson(`${b!.url}/v1/auth/refresh`, { refresh_token: refreshed.body.refresh_token })).status, 401);
    for (const s of servers.splice(0)) assert.equal(await s.stop(), 0);
  });
});

describe('user add on a terminal', () => {
  test('asks twice without echoing, then creates the user', async () => {
    const pty = await import('node-pty');
    const dir = join(tmp, 'pty');
    const term = pty.spawn(process.execPath, [SERVER_BIN, 'user', 'add', 'tty', '--data-dir', dir], {
      env: cleanEnv(),
      cols: 100,
      rows: 10,
    });
    let screen = '';
    term.onData((d) => {
      screen += d;
    });
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 60_000;
      while (!re.test(screen)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; screen: ${screen}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await waitFor(/Password for tty: /);
      term.write('pty secret phrase\r');
      await waitFor(/Repeat password: /);
      term.write('pty secret phrase\r');
      assert.equal(await exited, 0, screen);
      assert.match(screen, /Created user tty/);
      assert.ok(!screen.includes('pty secret phrase'), 'the password was echoed');
    } finally {
      term.kill();
    }
    const list = await runBin(['user', 'list', '--data-dir', dir], cleanEnv());
    assert.match(list.stdout, /^tty\s/m);
  });
});
