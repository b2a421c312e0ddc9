import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { moveBlobs, moveIntoConfiguredStore } from '../src/blobs/blob-move.js';
import type { BlobStore } from '../src/blobs/blob-store.js';
import { DbBlobStore } from '../src/blobs/db-blob-store.js';
import { FsBlobStore } from '../src/blobs/fs-blob-store.js';
import { spawn } from 'node:child_process';
import { openTestDb, putUpload, readUpload } from './helpers/blobs.js';
import { cleanEnv, runBin, SERVER_BIN } from './helpers/spawn-server.js';
import { dialects } from './helpers/dialects.js';

/** A store whose FIT puts fail from the `n`th on, before or after the bytes are stored: a move cut off there. */
function failingAt(store: BlobStore, n: number, when: 'before' | 'after'): BlobStore {
  let puts = 0;
  const fit = Object.create(store.fit) as BlobStore['fit'];
  fit.put = async (bytes) => {
    puts++;
    if (puts >= n && when === 'before') throw new Error('injected failure before the copy');
    const r = await store.fit.put(bytes);
    if (puts >= n) throw new Error('injected failure after the copy');
    return r;
  };
  return Object.assign(Object.create(store) as BlobStore, { fit, uploads: store.uploads, kind: store.kind });
}

for (const { dialect, skip } of await dialects()) {
  describe(`moving blobs between the data dir and the database on ${dialect}`, { skip }, () => {
    let t: Awaited<ReturnType<typeof openTestDb>>;
    let fs: FsBlobStore;
    let inDb: DbBlobStore;
    before(async () => {
      t = await openTestDb(dialect);
      fs = new FsBlobStore(t.dataDir);
      inDb = new DbBlobStore(t.db);
    });
    after(async () => {
      await t?.close();
    });

    async function contents(s: BlobStore): Promise<{ fits: Map<string, Buffer>; uploads: Map<string, Buffer> }> {
      const fits = new Map<string, Buffer>();
      for await (const sha of s.fit.list()) fits.set(sha, (await s.fit.read(sha))!);
      const uploads = new Map<string, Buffer>();
      for await (const n of s.uploads.list()) uploads.set(n, (await readUpload(s, n))!);
      return { fits, uploads };
    }

    test('fs → db → fs: byte-identical, sources removed, logged; nothing to do is a no-op', async () => {
      const files = [randomBytes(1000), randomBytes(200_000), randomBytes(2 * 1024 * 1024 + 5)];
      for (const f of files) await fs.fit.put(f);
      await putUpload(fs, 'imp-a', randomBytes(3 * 1024 * 1024 + 1));
      await putUpload(fs, 'imp-b', randomBytes(10));
      const before = await contents(fs);
      const lines: string[] = [];
      assert.deepEqual(await moveIntoConfiguredStore('db', t.db, t.dataDir, (l) => lines.push(l)), { fit: 3, upload: 2 });
      assert.match(lines.join('\n'), /moved 3 FIT files and 2 uploads from the data dir into the database/);
      assert.deepEqual(await contents(inDb), before);
      assert.deepEqual(await contents(fs), { fits: new Map(), uploads: new Map() });
      assert.deepEqual(readdirSync(join(t.dataDir, 'imports')), []);
      assert.deepEqual(await moveIntoConfiguredStore('db', t.db, t.dataDir, () => {}), { fit: 0, upload: 0 });
      assert.deepEqual(await moveIntoConfiguredStore('fs', t.db, t.dataDir, () => {}), { fit: 3, upload: 2 });
      assert.deepEqual(await contents(fs), before);
      assert.deepEqual(await contents(inDb), { fits: new Map(), uploads: new Map() });
      for (const sha of before.fits.keys()) assert.ok(existsSync(fs.fit.pathOf(sha)), 'back at its old path');
      await moveIntoConfiguredStore('db', t.db, t.dataDir, () => {});
      for (const sha of before.fits.keys()) await inDb.fit.delete(sha);
      for (const n of before.uploads.keys()) await inDb.uploads.delete(n);
    });

    for (const when of ['before', 'after'] as const) {
      test(`a move cut off ${when} a copy completes when run again`, async () => {
        const files = Array.from({ length: 6 }, () => randomBytes(5000));
        for (const f of files) await fs.fit.put(f);
        const before = await contents(fs);
        await assert.rejects(moveBlobs(fs, failingAt(inDb, 3, when), () => {}), /injected failure/);
        const half = await contents(fs);
        assert.ok(half.fits.size > 0 && half.fits.size < files.length, `${half.fits.size} files still in the data dir`);
        // Whatever left the source is in the destination: nothing is lost at any point.
        const inDbNow = await contents(inDb);
        for (const [sha, bytes] of before.fits) assert.deepEqual(half.fits.get(sha) ?? inDbNow.fits.get(sha), bytes);
        await moveBlobs(fs, inDb, () => {});
        assert.deepEqual((await contents(inDb)).fits, before.fits);
        assert.equal((await contents(fs)).fits.size, 0);
        for (const sha of before.fits.keys()) await inDb.fit.delete(sha);
      });
    }

    test('`fitsync-server migrate` killed (-9) mid-move finishes the move when run again', async () => {
      const files = Array.from({ length: 400 }, () => randomBytes(300));
      for (const f of files) await fs.fit.put(f);
      await putUpload(fs, 'imp-kill', randomBytes(2 * 1024 * 1024));
      const before = await contents(fs);
      const env = cleanEnv({ FITSYNC_DATA_DIR: t.dataDir, FITSYNC_BLOB_STORE: 'db', ...(t.url ? { FITSYNC_DATABASE_URL: t.url } : {}) });
      const proc = spawn(process.execPath, [SERVER_BIN, 'migrate'], { env, stdio: 'ignore' });
      const exited = new Promise((r) => proc.on('exit', r));
      // Killed as soon as the move has begun (or after it ended, if it was quicker than the polling).
      for (let alive = true; alive; ) {
        const n = Number((await t.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM blobs'))!.n);
        alive = n === 0 && proc.exitCode === null;
        if (alive) await new Promise((r) => setTimeout(r, 5));
      }
      proc.kill('SIGKILL');
      await exited;
      const again = await runBin(['migrate'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await contents(inDb), before);
      assert.deepEqual(await contents(fs), { fits: new Map(), uploads: new Map() });
      for (const sha of before.fits.keys()) await inDb.fit.delete(sha);
      await inDb.uploads.delete('imp-kill');
    });

    test('a source file that does not match its name stays where it is', async () => {
      const good = await fs.fit.put(randomBytes(100));
      const bad = await fs.fit.put(randomBytes(100));
      const { writeFileSync } = await import('node:fs');
      writeFileSync(fs.fit.pathOf(bad.sha256), 'flipped bits');
      const lines: string[] = [];
      assert.deepEqual(await moveBlobs(fs, inDb, (l) => lines.push(l)), { fit: 1, upload: 0 });
      assert.match(lines.join('\n'), new RegExp(`${bad.sha256} in the data dir does not match its hash`));
      assert.equal(await inDb.fit.has(bad.sha256), false);
      assert.ok(existsSync(fs.fit.pathOf(bad.sha256)));
      await inDb.fit.delete(good.sha256);
      await fs.fit.delete(bad.sha256);
    });
  });
}
