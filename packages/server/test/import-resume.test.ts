import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runImport } from '../src/imports/importer.js';
import { type ImportState, parseImportState } from '../src/imports/import-state.js';
import { insertImport } from '../src/repositories/imports.js';
import { SyncAborted } from '../src/sync/abortable.js';
import { call, uniqueName } from './helpers/api.js';
import { putUpload } from './helpers/blobs.js';
import { dialects } from './helpers/dialects.js';
import { buildExport, simExportActivities } from './helpers/export-archive.js';
import { userWithSession } from './helpers/flows.js';
import { startWorld, type SyncWorld } from './sync/harness.js';

// The health days are stored beside the FIT pass (importer.ts), each phase committing its own part
// of the resume state. Stopped at any commit of either, the committed state must describe exactly
// what is stored (neither phase writing a stale or a not-yet-committed view of the other's part),
// and resuming from it must end with every item counted once, as new.
const ACTIVITIES = 100;
const DAYS = 200;
const CHUNK = 28;

const day = (k: number) => new Date(Date.UTC(2024, 0, 1 + k)).toISOString().slice(0, 10);
const udsFile = (from: number, to: number) => ({
  name: `DI_CONNECT/DI-Connect-Aggregator/UDSFile_${day(from)}_${day(to)}.json`,
  data: Buffer.from(JSON.stringify(Array.from({ length: to - from + 1 }, (_, i) => ({ calendarDate: day(from + i), includesWellnessData: true, totalSteps: 1000 + from + i })))),
});

for (const { dialect, skip } of await dialects()) {
  describe(`import resume state with the phases side by side on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    const scratch = mkdtempSync(join(tmpdir(), 'fitsync-import-resume-'));
    before(async () => {
      w = await startWorld(dialect, `import-resume-${dialect}`);
    });
    after(async () => {
      await w?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    test('stopped at commits of either phase, the state matches what is stored; resumed, each item counts once', async () => {
      const name = uniqueName('imr');
      const pair = await userWithSession(w.s.app, w.s.db, name);
      const userId = (await call(w.s.app, 'GET', '/v1/me', { token: pair.access_token })).body.user_id as string;
      const email = `${name}@example.com`;
      w.sim.createUser({ email, password: 'garmin-pw', mfa: null, activities: ACTIVITIES, days: 0, workouts: 0 });
      const acts = simExportActivities(w.sim, email);
      const archive = await buildExport(acts, {
        parts: 2,
        partMethod: 'mixed',
        extraMembers: [udsFile(0, 99), udsFile(100, DAYS - 1)],
      });
      const { db } = w.s;
      const { blobs, runtime } = w.s.app.deps;
      const importId = `imp-${randomUUID()}`;
      await insertImport(db, { importId, userId, format: 'garmin-export', sizeBytes: archive.length, sha256: createHash('sha256').update(archive).digest('hex'), now: runtime.now() });
      await putUpload(blobs, importId, archive);

      const savedState = async (): Promise<ImportState> =>
        parseImportState((await db.get<{ progress_json: string | null }>('SELECT progress_json FROM imports WHERE import_id = ?', [importId]))!.progress_json);
      const count = async (sql: string) => Number((await db.get<{ n: number | string }>(sql, [userId]))!.n);

      /** One attempt from the saved state; stopped (as at shutdown) once `stopAt` says so after a commit. */
      const attempt = async (stopAt: (kind: string, thisAttempt: Record<string, number>) => boolean): Promise<'completed' | 'stopped'> => {
        const ac = new AbortController();
        const seen: Record<string, number> = {};
        const progress = {
          setTotal() {},
          step() {},
          phase() {},
          done(kind: string, _o: unknown, n = 1) {
            seen[kind] = (seen[kind] ?? 0) + n;
            if (n > 0 && stopAt(kind, seen)) ac.abort('shutdown');
          },
        };
        try {
          await runImport(
            { db, runtime, fitStore: blobs.fit, batchFiles: 5 },
            {
              jobId: 'job-resume',
              importId,
              userId,
              openUpload: () => blobs.uploads.open(importId),
              scratchDir: join(scratch, importId),
              state: await savedState(),
              progress,
              signal: ac.signal,
            },
          );
          return 'completed';
        } catch (err) {
          assert.ok(err instanceof SyncAborted, String(err));
          return 'stopped';
        }
      };

      /** The saved state describes exactly the rows stored: no more, no less. */
      const consistent = async (when: string) => {
        const st = await savedState();
        const withFit = await count('SELECT COUNT(*) AS n FROM activities WHERE user_id = ? AND fit_sha256 IS NOT NULL');
        const all = await count('SELECT COUNT(*) AS n FROM activities WHERE user_id = ?');
        const days = await count('SELECT COUNT(*) AS n FROM health_days WHERE user_id = ?');
        const why = `${when}: ${JSON.stringify({ ...st, matched: st.matched.length })}, ${withFit} with FIT, ${days} days`;
        assert.equal(all, withFit, why);
        assert.equal(st.matched.length, withFit, why);
        assert.equal(st.stats.withFit, withFit, why);
        assert.deepEqual(st.counts.activities, { new: withFit, updated: 0, unchanged: 0 }, why);
        assert.equal(days, Math.min(DAYS, st.healthChunksDone * CHUNK), why);
        assert.deepEqual(st.counts.health, { new: days, updated: 0, unchanged: 0 }, why);
        assert.equal(st.processed, withFit + days, why);
        return st;
      };

      // Stopped at the first health commit: the FIT pass is under way beside it, not finished.
      assert.equal(await attempt((kind) => kind === 'health'), 'stopped');
      const first = await consistent('stopped at a health commit');
      assert.ok(first.healthChunksDone >= 1, 'a health chunk committed');
      assert.equal(first.fitDone, false, 'the health days are stored while the FIT pass runs, not after it');
      // Stopped at this attempt's second FIT window: health moved on meanwhile, from where it was.
      assert.equal(await attempt((kind, seen) => kind === 'activities' && seen.activities! >= 10), 'stopped');
      const second = await consistent('stopped at a FIT window');
      assert.ok(second.matched.length > first.matched.length, 'the FIT pass went on from its position');
      assert.ok(second.healthChunksDone >= first.healthChunksDone, 'no health chunk forgotten');
      assert.equal(await attempt(() => false), 'completed');
      const end = await consistent('completed');
      assert.equal(end.fitDone, true);
      assert.deepEqual(end.counts.activities, { new: ACTIVITIES, updated: 0, unchanged: 0 });
      assert.deepEqual(end.counts.health, { new: DAYS, updated: 0, unchanged: 0 });
      const rows = await db.all<{ activity_id: string; fit_sha256: string | null }>(
        'SELECT activity_id, fit_sha256 FROM activities WHERE user_id = ? ORDER BY activity_id',
        [userId],
      );
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      assert.deepEqual(
        rows,
        acts.map((a) => ({ activity_id: a.id, fit_sha256: sha(a.fit) })).sort((a, b) => (a.activity_id < b.activity_id ? -1 : 1)),
      );
    });
  });
}
