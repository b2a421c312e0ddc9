import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXPORT_FORMATS, EXPORT_MEDIA, type ExportFormat } from '@fitsync/api';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { assertCsvMatches, assertGpxMatches, assertTcxMatches, type SdkTruth, sdkTruth } from './helpers/export-checks.js';
import { toolsSkip } from './helpers/export-tools.js';
import { drain, linkedUser, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

const toolSkip = await toolsSkip();

// GET /v1/activities/{id}/export end to end: a sim account synced (FIT files decoded and stored by
// the sync), then every export fetched over HTTP from the real server and read back by the
// independent tools against the SDK's decode of the stored file.
for (const { dialect, skip } of await dialects()) {
  describe(`activity exports over HTTP on ${dialect}`, { skip: skip || toolSkip }, () => {
    let w: SyncWorld;
    let u: SyncUser;
    let dir: string;
    let list: { activity_id: string; name: string | null; fit_sha256: string; decode_error: string | null }[];

    before(async () => {
      w = await startWorld(dialect, `export-api-${dialect}`);
      u = await linkedUser(w, { activities: 6, days: 0, workouts: 0 }, 'exportapi');
      const job = await startSync(w, u, { sync_type: 'activities' });
      await drain(w);
      assert.equal((await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body.status, 'completed');
      list = (await call(w.s.app, 'GET', '/v1/activities?limit=100', { token: u.token })).body.activities;
      dir = mkdtempSync(join(tmpdir(), 'fitsync-export-api-'));
    });
    after(async () => {
      await w?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const storedFit = (sha: string) => readFile(w.s.app.deps.fitStore.pathOf(sha));

    /** GET the export over HTTP; asserts the attachment headers; returns the saved file and its bytes. */
    async function download(id: string, format: ExportFormat): Promise<{ file: string; bytes: Buffer }> {
      const res = await fetch(`${w.s.url}/v1/activities/${id}/export?format=${format}`, {
        headers: { authorization: `Bearer ${u.token}` },
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, `${id} ${format}: ${bytes.toString('utf8', 0, 300)}`);
      assert.equal(res.headers.get('content-type'), EXPORT_MEDIA[format].type);
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="${id}.${EXPORT_MEDIA[format].ext}"`);
      const file = join(dir, `${dialect}-${id}.${format}`);
      writeFileSync(file, bytes);
      return { file, bytes };
    }

    test('every activity in every format: what the independent tools read equals the SDK decode of its FIT file', async () => {
      let tracks = 0;
      for (const a of list) {
        assert.equal(a.decode_error, null);
        const fit = await storedFit(a.fit_sha256);
        const t: SdkTruth = sdkTruth(a.activity_id, fit);
        if (t.withPosition.length > 0) {
          tracks++;
          assert.equal(await assertGpxMatches((await download(a.activity_id, 'gpx')).file, t), a.name);
        }
        await assertTcxMatches((await download(a.activity_id, 'tcx')).file, t);
        await assertCsvMatches((await download(a.activity_id, 'csv')).file, t);
        const original = (await download(a.activity_id, 'fit')).bytes;
        assert.equal(createHash('sha256').update(original).digest('hex'), a.fit_sha256);
      }
      assert.ok(tracks > 0, 'some activities have a track');
    });

    test('a name with markup, quotes and non-ASCII comes back intact in GPX', async () => {
      let a = list[0]!;
      let t = sdkTruth(a.activity_id, await storedFit(a.fit_sha256));
      for (const x of list) {
        if (t.withPosition.length > 0) break;
        a = x;
        t = sdkTruth(x.activity_id, await storedFit(x.fit_sha256));
      }
      assert.ok(t.withPosition.length > 0, 'an activity with a track');
      const name = `<Lauf> & "Rüdiger's" 10 km 🏃`;
      await w.s.db.run('UPDATE activities SET name = ? WHERE user_id = ? AND activity_id = ?', [name, u.userId, a.activity_id]);
      assert.equal(await assertGpxMatches((await download(a.activity_id, 'gpx')).file, t), name);
    });

    test('refusals: 400 for a missing or unknown format, 404 for an unknown or foreign activity, 401 without a token', async () => {
      const id = list[0]!.activity_id;
      const get = (path: string, token?: string) => call(w.s.app, 'GET', `/v1/activities/${path}`, { token });
      for (const q of ['', '?format=kml', '?format=GPX', '?format=gpx&format=tcx']) {
        assertProblem(await get(`${id}/export${q}`, u.token), 400, 'validation_error');
      }
      assertProblem(await get('abc/export?format=gpx', u.token), 400, 'validation_error');
      const other = await linkedUser(w, { activities: 0, days: 0, workouts: 0 }, 'exportother');
      for (const f of EXPORT_FORMATS) {
        assertProblem(await get(`999999999/export?format=${f}`, u.token), 404, 'not_found');
        assertProblem(await get(`${id}/export?format=${f}`, other.token), 404, 'not_found');
      }
      assertProblem(await get(`${id}/export?format=gpx`), 401, 'invalid_token');
    });

    test('a file not decoded yet (stored before decoding existed): 422 decode_error saying so; fit still serves it', async () => {
      const a = list[list.length - 1]!;
      await w.s.db.run('DELETE FROM activity_decoded WHERE user_id = ? AND activity_id = ?', [u.userId, a.activity_id]);
      for (const f of ['gpx', 'tcx', 'csv'] as const) {
        const res = await call(w.s.app, 'GET', `/v1/activities/${a.activity_id}/export?format=${f}`, { token: u.token });
        const p = assertProblem(res, 422, 'decode_error');
        assert.match(p.detail, /not decoded yet.*format=fit still gives the original file/);
      }
      const original = (await download(a.activity_id, 'fit')).bytes;
      assert.deepEqual(original, await storedFit(a.fit_sha256));
    });
  });
}
