import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteDb } from '../src/db/sqlite.js';
import { cleanEnv, postJson, runBin, spawnServer } from './helpers/spawn-server.js';

const KEY = 'backup-test-server-key-0123456789abcdef';

describe('fitsync-server backup (built binary, SQLite)', () => {
  let dir: string;
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fitsync-backup-'));
    dataDir = join(dir, 'data');
    env = cleanEnv({ FITSYNC_DATA_DIR: dataDir, FITSYNC_SECRET_KEY: KEY });
    const add = await runBin(['user', 'add', 'ann', '--password-stdin'], env, 'ann password');
    assert.equal(add.code, 0, add.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a copy taken while the server serves writes restores to a consistent database', async () => {
    const server = await spawnServer(['--port', '0'], env);
    // A second writer on the same file: each transaction adds a user and a session of that user.
    const writer = new SqliteDb(join(dataDir, 'fitsync.db'));
    let writing = true;
    let written = 0;
    const writes = (async () => {
      while (writing) {
        written += 1;
        const n = written;
        await writer.transaction(async (tx) => {
          await tx.run('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)', [`w${n}`, `writer${n}`, 'x', n]);
          await tx.run('INSERT INTO sessions (id, user_id, mfa_verified, created_at) VALUES (?, ?, 0, ?)', [`s${n}`, `w${n}`, n]);
        });
        await new Promise((r) => setImmediate(r));
      }
    })();
    // And the server itself writes: every sign-in adds a session and a refresh token.
    let signIns = 0;
    const api = (async () => {
      while (writing) {
        const r = await postJson(`${server.url}/v1/auth/login`, { username: 'ann', password: 'ann password' });
        assert.equal(r.status, 200);
        signIns += 1;
      }
    })();
    try {
      while (written < 50 || signIns < 2) await new Promise((r) => setTimeout(r, 20));
      const before = written;
      const out = await runBin(['backup', join(dir, 'copy.db')], env);
      const afterCount = written;
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /Backed up .*fitsync\.db to .*copy\.db \(\d+ bytes\)/);
      assert.match(out.stdout, /copy .*\/fit as well/);
      assert.equal(statSync(join(dir, 'copy.db')).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp') || f.startsWith('copy.db-')), [], 'no temp or WAL files left');

      const copy = new Database(join(dir, 'copy.db'), { readonly: true });
      try {
        assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
        const users = Number((copy.prepare("SELECT COUNT(*) AS n FROM users WHERE id LIKE 'w%'").get() as { n: number }).n);
        const sessions = Number((copy.prepare("SELECT COUNT(*) AS n FROM sessions WHERE id LIKE 's%'").get() as { n: number }).n);
        assert.ok(users >= before && users <= afterCount, `users ${users} within [${before}, ${afterCount}]`);
        assert.equal(sessions, users, 'each transaction is in the copy whole or not at all');
        // Writes up to the copy's point, without gaps.
        const max = Number((copy.prepare("SELECT MAX(CAST(substr(id, 2) AS INTEGER)) AS n FROM users WHERE id LIKE 'w%'").get() as { n: number }).n);
        assert.equal(max, users);
      } finally {
        copy.close();
      }
    } finally {
      writing = false;
      await writes;
      await api;
      await writer.close();
      assert.equal(await server.stop(), 0);
    }

    // Restore: a server started on the copy (FITSYNC_DATABASE_URL), with the same key.
    const restoredDir = join(dir, 'restored');
    const restored = await spawnServer(['--port', '0'], { ...env, FITSYNC_DATA_DIR: restoredDir, FITSYNC_DATABASE_URL: join(dir, 'copy.db') });
    try {
      const login = await postJson(`${restored.url}/v1/auth/login`, { username: 'ann', password: 'ann password' });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const me = await fetch(`${restored.url}/v1/me`, { headers: { authorization: `Bearer ${login.body.access_token}` } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { username: string }).username, 'ann');
    } finally {
      assert.equal(await restored.stop(), 0);
    }
  });

  test('usage: FILE is required, never silently replaced, and its directory must exist', async () => {
    const r0 = await runBin(['backup'], env);
    assert.equal(r0.code, 2);
    assert.match(r0.stderr, /backup needs a FILE/);
    assert.equal((await runBin(['backup', 'a.db', 'b.db'], env)).code, 2);
    assert.equal((await runBin(['migrate', '--force'], env)).code, 2);

    const existing = join(dir, 'existing.db');
    writeFileSync(existing, 'keep me');
    const r1 = await runBin(['backup', existing], env);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /exists; pass --force/);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me');
    const r2 = await runBin(['backup', existing, '--force'], env);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(readFileSync(existing).subarray(0, 15).toString(), 'SQLite format 3');

    const r3 = await runBin(['backup', join(dir, 'no-such-dir', 'x.db')], env);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /no such directory/);
    const r4 = await runBin(['backup', join(dataDir, 'fitsync.db'), '--force'], env);
    assert.equal(r4.code, 2, 'the database itself');
    const help = await runBin(['backup', '--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /pg_dump/);
    assert.match((await runBin(['--help'], env)).stdout, /fitsync-server backup FILE/);
  });

  test('no database to copy: exit 1, and no empty database is created', async () => {
    const empty = join(dir, 'empty-data');
    const r = await runBin(['backup', join(dir, 'none.db')], { ...env, FITSYNC_DATA_DIR: empty });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no SQLite database at/);
    assert.equal(existsSync(join(empty, 'fitsync.db')), false);
    assert.equal(existsSync(join(dir, 'none.db')), false);
  });

  test('PostgreSQL is refused with exit 2, pointing at pg_dump', async () => {
    const r = await runBin(['backup', join(dir, 'pg.db')], { ...env, FITSYNC_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pg_dump/);
    assert.equal(existsSync(join(dir, 'pg.db')), false);
  });
});
