import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ActivityStore } from '../src/activities/activity-store.js';
import { migrate } from '../src/db/migrate.js';
import { MIGRATIONS } from '../src/db/migrations.js';
import { openDatabase } from '../src/db/open-database.js';
import { ApiError } from '../src/http/api-error.js';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';

for (const { dialect, skip } of await dialects()) {
  describe(`upgrading to decoded activities (migration 31) on ${dialect}`, { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fitsync-activities-upgrade-'));
    let schema: PgSchema | undefined;
    after(async () => {
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('stored activities keep their rows and read as not decoded yet until a rebuild', async () => {
      if (dialect === 'postgres') schema = await createPgSchema();
      const db = await openDatabase(schema?.url, dir);
      try {
        await migrate(
          db,
          MIGRATIONS.filter((m) => m.version < 31),
        );
        await db.run("INSERT INTO users (id, username, password_hash, created_at) VALUES ('u1', 'ann', 'x', 0)");
        await db.run(
          `INSERT INTO activities (user_id, activity_id, name, start_time, start_ms, fit_sha256, fit_size, summary_hash, summary_json, created_at, updated_at)
           VALUES ('u1', '42', 'Run', '2026-03-01T08:00:00.000Z', 1772352000000, ?, 10, 'h', '{}', 0, 0)`,
          ['a'.repeat(64)],
        );
        assert.deepEqual(
          await migrate(
            db,
            MIGRATIONS.filter((m) => m.version <= 31),
          ),
          [31],
        );
        const store = new ActivityStore({ db });
        const detail = await store.detail('u1', '42');
        assert.equal(detail.name, 'Run');
        assert.equal(detail.decode_error, null);
        assert.equal(detail.record_count, null);
        assert.deepEqual(detail.laps, []);
        await assert.rejects(store.records('u1', '42', ['time']), (err) => err instanceof ApiError && err.status === 422 && /not decoded yet/.test(err.message));
        // Deleting the activity (or its user) takes its decoded data along.
        await db.run(
          `INSERT INTO activity_decoded (user_id, activity_id, fit_sha256, decoder_version, laps_json, record_fields) VALUES ('u1', '42', ?, 1, '[]', '')`,
          ['a'.repeat(64)],
        );
        await db.run("DELETE FROM users WHERE id = 'u1'");
        assert.deepEqual(await db.all('SELECT activity_id FROM activity_decoded'), []);
      } finally {
        await db.close();
      }
    });
  });
}
