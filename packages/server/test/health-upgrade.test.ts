import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import { MIGRATIONS } from '../src/db/migrations.js';
import { openDatabase } from '../src/db/open-database.js';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';

for (const { dialect, skip } of await dialects()) {
  describe(`upgrading to health in depth (migration 30) on ${dialect}`, { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fitsync-health-upgrade-'));
    let schema: PgSchema | undefined;
    after(async () => {
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('old days keep their values, gain null fields, and the next health sync reads the whole year', async () => {
      if (dialect === 'postgres') schema = await createPgSchema();
      const db = await openDatabase(schema?.url, dir);
      try {
        await migrate(
          db,
          MIGRATIONS.filter((m) => m.version < 30),
        );
        await db.run("INSERT INTO users (id, username, password_hash, created_at) VALUES ('u1', 'ann', 'x', 0)");
        await db.run("INSERT INTO health_days (user_id, day, steps, sleep_s, updated_at) VALUES ('u1', '2026-03-01', 1234, 3600, 0)");
        await db.run(
          "INSERT INTO sync_cursors (user_id, cursor_key, cursor_value, updated_at) VALUES ('u1', 'health', '2026-03-01', 0), ('u1', 'activities', '5', 0)",
        );
        assert.deepEqual(
          await migrate(
            db,
            MIGRATIONS.filter((m) => m.version <= 30),
          ),
          [30],
        );
        const day = await db.get<Record<string, unknown>>("SELECT steps, sleep_s, floors, hrv_status, content_hash FROM health_days WHERE user_id = 'u1'");
        assert.deepEqual({ ...day, steps: Number(day!.steps), sleep_s: Number(day!.sleep_s) }, {
          steps: 1234,
          sleep_s: 3600,
          floors: null,
          hrv_status: null,
          content_hash: null,
        });
        const cursors = await db.all<{ cursor_key: string }>("SELECT cursor_key FROM sync_cursors WHERE user_id = 'u1'");
        assert.deepEqual(
          cursors.map((c) => c.cursor_key),
          ['activities'],
        );
      } finally {
        await db.close();
      }
    });
  });
}
