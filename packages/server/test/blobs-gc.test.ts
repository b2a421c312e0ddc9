import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rename, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { BlobCollector } from '../src/blobs/blob-collector.js';
import type { BlobStore } from '../src/blobs/blob-store.js';
import { DbBlobStore } from '../src/blobs/db-blob-store.js';
import { FsBlobStore } from '../src/blobs/fs-blob-store.js';
import type { Db } from '../src/db/db.js';
import { prepareRawBlob, putRawBlob } from '../src/health/raw-blobs.js';
import { Metrics } from '../src/metrics.js';
import { insertImport } from '../src/repositories/imports.js';
import { createUser } from '../src/services/user-admin.js';
import { openTestDb, putUpload, uploadExists } from './helpers/blobs.js';
import { dialects } from './helpers/dialects.js';
import { startImportJob } from './helpers/import-jobs.js';

const HOUR = 3_600_000;
const GRACE = HOUR;

for (const { dialect, skip } of await dialects()) {
  for (const kind of ['fs', 'db'] as const) {
    describe(`blob collection, ${kind} store on ${dialect}`, { skip }, () => {
      let t: Awaited<ReturnType<typeof openTestDb>>;
      let db: Db;
      let blobs: BlobStore;
      let clock: FakeRuntime;
      let metrics: Metrics;
      let collector: BlobCollector;
      let userId: string;
      before(async () => {
        t = await openTestDb(dialect);
        db = t.db;
        clock = new FakeRuntime({ now: Date.now() });
        blobs = kind === 'fs' ? new FsBlobStore(t.dataDir) : new DbBlobStore(db, () => clock.now());
        metrics = new Metrics();
        collector = new BlobCollector({ db, blobs, dataDir: t.dataDir, runtime: clock, metrics, everyMs: 0, graceMs: GRACE });
        userId = (await createUser(db, `gc${kind}`, 'pass phrase')).id;
      });
      after(async () => {
        await t?.close();
      });

      /** Makes a blob look stored `ms` ago (file mtime, or the row's stored_at). */
      async function age(what: 'fit' | 'upload', name: string, ms = 2 * HOUR): Promise<void> {
        const at = clock.now() - ms;
        if (blobs instanceof FsBlobStore) {
          const path = what === 'fit' ? blobs.fit.pathOf(name) : blobs.uploads.pathOf(name);
          await utimes(path, new Date(at), new Date(at));
        } else {
          assert.equal((await db.run('UPDATE blobs SET stored_at = ? WHERE kind = ? AND name = ?', [at, what, name])).changes, 1);
        }
      }
      async function ageFile(path: string, ms = 2 * HOUR): Promise<void> {
        const at = new Date(clock.now() - ms);
        await utimes(path, at, at);
      }
      async function activityFor(sha: string, size: number): Promise<void> {
        const now = clock.now();
        await db.run(
          `INSERT INTO activities (user_id, activity_id, start_time, start_ms, fit_sha256, fit_size, summary_hash, summary_json, created_at, updated_at)
           VALUES (?, ?, '2026-01-01T00:00:00Z', 0, ?, ?, 'h', '{}', ?, ?)`,
          [userId, randomUUID(), sha, size, now, now],
        );
      }
      async function importRow(jobStatus: 'pending' | 'completed' | null): Promise<string> {
        const importId = `imp-${randomUUID()}`;
        const now = clock.now();
        await insertImport(db, { importId, userId, format: 'garmin-export', sizeBytes: 10, sha256: 'x'.repeat(64), now });
        if (jobStatus) {
          const jobId = `job-${randomUUID()}`;
          await startImportJob(db, userId, importId, jobId, now);
          if (jobStatus === 'completed') await db.run("UPDATE sync_jobs SET status = 'completed', end_time = ? WHERE job_id = ?", [now, jobId]);
        }
        return importId;
      }

      test('orphans older than the grace go; young, referenced, touched and re-put blobs and live uploads stay; crash leftovers go', async () => {
        const fit = async () => blobs.fit.put(randomBytes(3000));
        const referenced = await fit();
        await activityFor(referenced.sha256, referenced.size);
        await age('fit', referenced.sha256);
        const orphan = await fit();
        await age('fit', orphan.sha256);
        const young = await fit();
        await age('fit', young.sha256, GRACE / 2);
        const touched = await fit();
        await age('fit', touched.sha256);
        assert.equal(await blobs.fit.has(touched.sha256), true, 'has() refreshes the age');
        const reput = randomBytes(3000);
        const reputSha = (await blobs.fit.put(reput)).sha256;
        await age('fit', reputSha);
        await blobs.fit.put(reput);

        const live = await importRow(null);
        // One active job per user: the ended one first.
        const ended = await importRow('completed');
        const running = await importRow('pending');
        const gone = `imp-${randomUUID()}`;
        const goneYoung = `imp-${randomUUID()}`;
        for (const id of [live, running, ended, gone, goneYoung]) {
          await putUpload(blobs, id, randomBytes(100));
          if (id !== goneYoung) await age('upload', id);
        }

        const rawRef = prepareRawBlob(`{"ref":"${randomUUID()}"}`);
        const rawOrphan = prepareRawBlob(`{"orphan":"${randomUUID()}"}`);
        const rawYoung = prepareRawBlob(`{"young":"${randomUUID()}"}`);
        for (const b of [rawRef, rawOrphan]) await putRawBlob(db, b, clock.now() - 2 * HOUR);
        await putRawBlob(db, rawYoung, clock.now());
        await db.run(
          `INSERT INTO health_raw (user_id, source, period, sha256, fetched_at, first_day, last_day) VALUES (?, 'steps', '2026-01-01', ?, 0, '2026-01-01', '2026-01-01')`,
          [userId, rawRef.sha256],
        );

        // Leftovers of writes a crash cut off: local scratch with either store…
        const imports = join(t.dataDir, 'imports');
        mkdirSync(imports, { recursive: true });
        const part = join(imports, 'whole-abc.part');
        writeFileSync(part, 'x');
        await ageFile(part);
        for (const id of [gone, live]) {
          const scratch = join(imports, `${id}.tmp`);
          mkdirSync(scratch, { recursive: true });
          await ageFile(scratch);
        }
        let partials = 2;
        let asideSha = '';
        // …and the store's own.
        if (blobs instanceof FsBlobStore) {
          const dir = join(blobs.fit.root, 'ab');
          mkdirSync(dir, { recursive: true });
          const tmp = join(dir, `.ab${'0'.repeat(62)}.999.1.tmp`);
          writeFileSync(tmp, 'half a file');
          await ageFile(tmp);
          const youngTmp = join(dir, `.ab${'1'.repeat(62)}.999.2.tmp`);
          writeFileSync(youngTmp, 'being written');
          partials += 1;
          // A collector killed between setting a referenced file aside and deciding: restored.
          const kept = await fit();
          await activityFor(kept.sha256, kept.size);
          asideSha = kept.sha256;
          const path = blobs.fit.pathOf(kept.sha256);
          await rename(path, join(path, '..', `.${kept.sha256}.gc`));
        } else {
          // A multi-chunk put cut off after its header and first chunk.
          const name = 'c'.repeat(64);
          await db.run("INSERT INTO blobs (kind, name, size, complete, stored_at) VALUES ('fit', ?, 5000000, 0, ?)", [name, clock.now() - 2 * HOUR]);
          await db.run("INSERT INTO blob_chunks (kind, name, seq, data) VALUES ('fit', ?, 0, ?)", [name, randomBytes(100)]);
          partials += 1;
        }

        const round = await collector.runOnce();
        assert.deepEqual(round, { fit: 1, upload: 2, partial: partials, raw: 1 });
        assert.equal(await blobs.fit.read(orphan.sha256), null);
        for (const s of [referenced.sha256, young.sha256, touched.sha256, reputSha]) assert.notEqual(await blobs.fit.read(s), null, s);
        if (asideSha) assert.notEqual(await blobs.fit.read(asideSha), null, 'the aside file is back');
        assert.deepEqual(
          await Promise.all([live, running, ended, gone, goneYoung].map((id) => uploadExists(blobs, id))),
          [true, true, false, false, true],
        );
        assert.deepEqual([existsSync(part), existsSync(join(imports, `${gone}.tmp`)), existsSync(join(imports, `${live}.tmp`))], [false, false, true]);
        const raws = await db.all<{ sha256: string }>('SELECT sha256 FROM health_raw_blobs ORDER BY sha256');
        assert.deepEqual(raws.map((r) => r.sha256).sort(), [rawRef.sha256, rawYoung.sha256].sort());
        if (blobs instanceof FsBlobStore) {
          await assert.rejects(stat(join(blobs.fit.root, 'ab', `.ab${'0'.repeat(62)}.999.1.tmp`)));
          await stat(join(blobs.fit.root, 'ab', `.ab${'1'.repeat(62)}.999.2.tmp`));
        } else {
          assert.equal(Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM blob_chunks WHERE name = ?", ['c'.repeat(64)]))!.n), 0, 'chunks go with their header');
        }
        const text = await metrics.render();
        assert.match(text, /fitsync_blob_gc_removed_total\{kind="fit"\} 1/);
        assert.match(text, /fitsync_blob_gc_removed_total\{kind="upload"\} 2/);
        assert.match(text, /fitsync_blob_gc_removed_total\{kind="raw"\} 1/);
        // Nothing left to do: a second round removes nothing.
        assert.deepEqual(await collector.runOnce(), { fit: 0, upload: 0, partial: 0, raw: 0 });
      });

      test('puts racing a collection keep their blobs (has-or-put, then the row)', async () => {
        for (let round = 0; round < 3; round++) {
          const files = Array.from({ length: 30 }, () => randomBytes(2000));
          const shas: string[] = [];
          for (const f of files) {
            const { sha256 } = await blobs.fit.put(f);
            await age('fit', sha256);
            shas.push(sha256);
          }
          // Half of the callers find the file and skip the put (the sync's path), half store it again.
          const writers = files.map(async (f, i) => {
            await new Promise((r) => setImmediate(r));
            if (i % 2 === 0 && (await blobs.fit.has(shas[i]!))) {
              await activityFor(shas[i]!, f.length);
              return;
            }
            const { sha256, size } = await blobs.fit.put(f);
            await activityFor(sha256, size);
          });
          await Promise.all([collector.runOnce(), ...writers, collector.runOnce()]);
          for (const [i, s] of shas.entries()) assert.deepEqual(await blobs.fit.read(s), files[i], `round ${round}: file ${i} kept`);
        }
      });
    });
  }
}
