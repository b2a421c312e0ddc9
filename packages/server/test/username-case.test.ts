import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../src/cli/io.js';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { MIGRATIONS } from '../src/db/migrations.js';
import { openDatabase } from '../src/db/open-database.js';
import { main } from '../src/main.js';
import { createUser, UserAdminError } from '../src/services/user-admin.js';
import { createPgSchema } from '../src/testing/pg-schema.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';

const NOCASE_VERSION = 25;
const fastHasher = { hash: async (p: string) => `plain:${p}`, verify: async (h: string, p: string) => h === `plain:${p}` };

/** Runs the admin CLI in-process; `start` is stopped at once if it ever gets to serve. */
async function run(argv: string[], env: Record<string, string>, stdin = '') {
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (c: Buffer) => {
    out += c.toString();
  });
  const stderr = new PassThrough().on('data', (c: Buffer) => {
    err += c.toString();
  });
  const io: CliIo = {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout,
    stderr,
    env: { FITSYNC_LOG_LEVEL: 'silent', ...env },
    stopSignal: () => new Promise((r) => setTimeout(() => r('SIGTERM'), 100)),
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** A fresh empty database for the CLI: its environment, an opener, and cleanup. */
async function freshDatabase(dialect: 'sqlite' | 'postgres') {
  const dir = mkdtempSync(join(tmpdir(), 'fitsync-nocase-'));
  let url: string | undefined;
  let drop = async () => {};
  if (dialect === 'postgres') {
    const schema = await createPgSchema();
    url = schema.url;
    drop = schema.drop;
  }
  const env: Record<string, string> = { FITSYNC_DATA_DIR: dir, ...(url ? { FITSYNC_DATABASE_URL: url } : {}) };
  return {
    env,
    open: () => openDatabase(url, dir),
    cleanup: async () => {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function insertRawUser(db: Db, id: string, username: string): Promise<void> {
  await db.run('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)', [id, username, 'x', 0]);
}

for (const { dialect, skip } of await dialects()) {
  describe(`usernames are case-insensitively unique on ${dialect}`, { skip }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ dialect, hasher: fastHasher });
    });
    after(() => s?.close());

    test('creating "Ada" when "ada" exists is refused (exit 5 in the CLI), and the database refuses it too', async () => {
      const db = await freshDatabase(dialect);
      try {
        const first = await run(['user', 'add', 'ada', '--password-stdin'], db.env, 'pw one\n');
        assert.equal(first.code, 0, first.err);
        const second = await run(['user', 'add', 'Ada', '--password-stdin'], db.env, 'pw two\n');
        assert.equal(second.code, 5, second.err);
        assert.match(second.err, /^fitsync-server: user Ada already exists \(as "ada"; usernames are case-insensitive\)\n$/);
        const list = await run(['user', 'list'], db.env);
        assert.match(list.out, /^ada\s/m);
        assert.doesNotMatch(list.out, /^Ada\s/m);
        const conn = await db.open();
        try {
          await assert.rejects(insertRawUser(conn, 'raw-1', 'ADA'), 'the unique index on lower(username) holds without the service check');
        } finally {
          await conn.close();
        }
      } finally {
        await db.cleanup();
      }
      await createUser(s.db, 'grace', 'pw', { hasher: fastHasher });
      await assert.rejects(createUser(s.db, 'GRACE', 'pw', { hasher: fastHasher }), (e) => e instanceof UserAdminError && e.exitCode === 5);
    });

    test('sign-in by username ignores case; wrong passwords under any spelling share one throttle', async () => {
      await createUser(s.db, 'Linus', 'right pw', { hasher: fastHasher });
      for (const username of ['Linus', 'linus', 'LINUS']) {
        const res = await call(s.app, 'POST', '/v1/auth/login', { body: { username, password: 'right pw' } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.username, 'Linus');
      }
      for (let i = 0; i < 5; i++) {
        const username = i % 2 ? 'linus' : 'LiNuS';
        assertProblem(await call(s.app, 'POST', '/v1/auth/login', { body: { username, password: 'wrong' } }), 401, 'invalid_credentials');
      }
      assertProblem(await call(s.app, 'POST', '/v1/auth/login', { body: { username: 'Linus', password: 'right pw' } }), 429, 'too_many_attempts');
    });

    test('existing names that differ only in case: migrate and start refuse, listing them, and change nothing', async () => {
      const db = await freshDatabase(dialect);
      try {
        const conn = await db.open();
        try {
          await migrate(conn, MIGRATIONS.filter((m) => m.version < NOCASE_VERSION));
          await insertRawUser(conn, 'u1', 'Ada');
          await insertRawUser(conn, 'u2', 'ada');
          await insertRawUser(conn, 'u3', 'bob');
          await insertRawUser(conn, 'u4', 'BOB');
          await insertRawUser(conn, 'u5', 'carl');
        } finally {
          await conn.close();
        }
        for (const argv of [['migrate'], ['start', '--port', '0']]) {
          const r = await run(argv, db.env);
          assert.equal(r.code, 1, `${argv[0]}: ${r.err}`);
          assert.equal(r.out, '', `${argv[0]} must not report success or a URL`);
          assert.match(r.err, /usernames differ only in case/);
          assert.match(r.err, /"Ada", "ada"/);
          assert.match(r.err, /"BOB", "bob"/);
          assert.doesNotMatch(r.err, /carl/);
          assert.equal(r.err.trim().split('\n').length, 1, 'one line, no stack trace');
        }
        const check = await db.open();
        try {
          const applied = await check.all<{ version: number }>('SELECT version FROM schema_migrations WHERE version = ?', [NOCASE_VERSION]);
          assert.equal(applied.length, 0);
          assert.equal((await check.all('SELECT id FROM users')).length, 5);
        } finally {
          await check.close();
        }
      } finally {
        await db.cleanup();
      }
    });
  });
}
