import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open-database.js';

// The database holds password hashes and encrypted Garmin tokens: only the server's user may read it,
// also when FITSYNC_DATABASE_URL puts it outside the 0700 data dir.
test('a SQLite file at a custom path is created 0600, with its -wal and -shm files', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'fitsync-dbmode-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'fitsync-dbmode-data-'));
  const previous = process.umask(0o022);
  try {
    for (const url of [join(outside, 'custom.db'), `sqlite:${join(outside, 'prefixed.db')}`]) {
      const file = url.replace(/^sqlite:/, '');
      const db = await openDatabase(url, dataDir);
      try {
        await migrate(db);
        for (const f of [file, `${file}-wal`, `${file}-shm`]) {
          assert.equal((statSync(f).mode & 0o777).toString(8), '600', `${f} mode`);
        }
      } finally {
        await db.close();
      }
    }
  } finally {
    process.umask(previous);
    rmSync(outside, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});
