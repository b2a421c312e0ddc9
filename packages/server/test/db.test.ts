import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { MIGRATIONS } from '../src/db/migrations.js';
import { openDatabase } from '../src/db/open-database.js';
import { toPgPlaceholders } from '../src/db/postgres.js';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';

test('placeholders become $n outside quotes', () => {
  assert.equal(toPgPlaceholders("SELECT ? , '?' , \"a?\" , ?"), "SELECT $1 , '?' , \"a?\" , $2");
});

for (const { dialect, skip } of await dialects()) {
  describe(`query layer on ${dialect}`, { skip }, () => {
    let dir: string;
    let schema: PgSchema | undefined;
    let url: string | undefined;
    let db: Db;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fitsync-db-'));
      if (dialect === 'postgres') {
        schema = await createPgSchema();
        url = schema.url;
      }
      db = await openDatabase(url, dir);
    });
    after(async () => {
      await db?.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('migrations apply once, even when started concurrently', async () => {
      const others = await Promise.all([openDatabase(url, dir), openDatabase(url, dir)]);
      try {
        const applied = await Promise.all([migrate(db), ...others.map((o) => migrate(o))]);
        assert.deepEqual(applied.flat().sort(), MIGRATIONS.map((m) => m.version));
        assert.deepEqual(await migrate(db), []);
        const rows = await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(rows.map((r) => Number(r.version)), MIGRATIONS.map((m) => m.version));
      } finally {
        for (const o of others) await o.close();
      }
    });

    test('all/get/run with ? placeholders, numbers come back as numbers', async () => {
      await db.run('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)', ['u1', 'q1', 'h', 1_790_000_000_000]);
      const row = await db.get<{ username: string; created_at: number }>('SELECT username, created_at FROM users WHERE id = ?', ['u1']);
      assert.deepEqual(row, { username: 'q1', created_at: 1_790_000_000_000 });
      assert.equal(await db.get('SELECT id FROM users WHERE id = ?', ['none']), undefined);
      assert.equal((await db.run('UPDATE users SET password_hash = ? WHERE id = ?', ['h2', 'u1'])).changes, 1);
      assert.equal((await db.run('UPDATE users SET password_hash = ? WHERE id = ?', ['h2', 'nobody'])).changes, 0);
      assert.equal((await db.all('SELECT id FROM users')).length, 1);
    });

    test('a failed transaction leaves nothing behind', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)', ['u2', 'q2', 'h', 1]);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await db.get('SELECT id FROM users WHERE id = ?', ['u2']), undefined);
    });

    test('concurrent read-modify-write transactions never interleave', async () => {
      await db.run('INSERT INTO auth_throttle (scope_key, failures, window_start) VALUES (?, 0, 0)', ['counter']);
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.transaction(async (tx) => {
            // SELECT … then UPDATE: lost updates would show if transactions interleaved.
            const lockClause = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
            const r = await tx.get<{ failures: number }>(`SELECT failures FROM auth_throttle WHERE scope_key = ?${lockClause}`, ['counter']);
            await new Promise((res) => setImmediate(res));
            await tx.run('UPDATE auth_throttle SET failures = ? WHERE scope_key = ?', [Number(r!.failures) + 1, 'counter']);
          }),
        ),
      );
      const r = await db.get<{ failures: number }>('SELECT failures FROM auth_throttle WHERE scope_key = ?', ['counter']);
      assert.equal(Number(r!.failures), 20);
    });

    test('ping answers while open', async () => {
      await db.ping();
    });
  });
}
