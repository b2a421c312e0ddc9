import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXPORT_FORMATS, EXPORT_MEDIA, type ExportFormat } from '@fitsync/api';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { assertCsvMatches, assertGpxMatches, assertTcxMatches, type SdkTruth, sdkTruth } from './helpers/export-checks.js';
import { toolsSkip, xmllintXpath } from './helpers/export-tools.js';
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
      // This seed's account has running, cycling, indoor (no position) and paused activities, plus
      // the sim's two odd files (no records; a corrupt tail); the first test checks they are all there.
      w = await startWorld(dialect, 'export-api');
      const history = { activities: 8, days: 0, workouts: 0, odd_activities: true };
      u = await linkedUser(w, history, 'exportapi', 'export@example.com');
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

    const storedFit = async (sha: string) => (await w.s.app.deps.blobs.fit.read(sha))!;
    const exportOf = (id: string, format: ExportFormat) =>
      call(w.s.app, 'GET', `/v1/activities/${id}/export?format=${format}`, { token: u.token });

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

    test('every activity in every format: what the independent tools read equals the SDK decode and the sim truth', async () => {
      const truth = new Map(w.sim.truth(u.email).activities.map((a) => [a.activity_id, a]));
      const seen = new Set<string>();
      for (const a of list) {
        const sim = truth.get(a.activity_id)!;
        const t: SdkTruth = sdkTruth(a.activity_id, await storedFit(a.fit_sha256));
        // The original is served byte for byte whatever the decode found.
        const original = (await download(a.activity_id, 'fit')).bytes;
        assert.equal(createHash('sha256').update(original).digest('hex'), a.fit_sha256);
        if (sim.odd === 'corrupt_tail') {
          seen.add('corrupt_tail');
          assert.notEqual(a.decode_error, null);
          for (const f of ['gpx', 'tcx', 'csv'] as const) {
            const p = assertProblem(await exportOf(a.activity_id, f), 422, 'decode_error');
            assert.match(p.detail, /could not be decoded .*format=fit still gives the original file/);
          }
          continue;
        }
        assert.equal(a.decode_error, null);
        assert.equal(t.records.length, sim.records);
        assert.equal(t.withPosition.length, sim.records_with_position);
        if (sim.odd === 'no_records') {
          seen.add('no_records');
          for (const f of ['gpx', 'tcx', 'csv'] as const) {
            const p = assertProblem(await exportOf(a.activity_id, f), 422, 'nothing_to_export');
            assert.match(p.detail, /has no records/);
          }
          continue;
        }
        if (sim.indoor) {
          seen.add('indoor');
          const p = assertProblem(await exportOf(a.activity_id, 'gpx'), 422, 'nothing_to_export');
          assert.match(p.detail, /an indoor activity has no track; use tcx or csv/);
        } else {
          assert.equal(await assertGpxMatches((await download(a.activity_id, 'gpx')).file, t), a.name);
        }
        if (sim.paused) seen.add('paused');
        seen.add(sim.sport);
        assert.equal(t.laps, sim.laps);
        await assertTcxMatches((await download(a.activity_id, 'tcx')).file, t);
        await assertCsvMatches((await download(a.activity_id, 'csv')).file, t);
      }
      for (const kind of ['corrupt_tail', 'cycling', 'indoor', 'no_records', 'paused', 'running']) assert.ok(seen.has(kind), kind);
    });

    test('a name with markup, quotes, non-ASCII and a control character comes back in GPX and TCX', async () => {
      let a = list[0]!;
      let t = sdkTruth(a.activity_id, await storedFit(a.fit_sha256));
      for (const x of list) {
        if (t.withPosition.length > 0) break;
        a = x;
        t = sdkTruth(x.activity_id, await storedFit(x.fit_sha256));
      }
      assert.ok(t.withPosition.length > 0, 'an activity with a track');
      const name = `<Lauf> & "Rüdiger's" — 10 km 🏃 \u0001`;
      await w.s.db.run('UPDATE activities SET name = ? WHERE user_id = ? AND activity_id = ?', [name, u.userId, a.activity_id]);
      // A control character is not XML at all (XML 1.0 §2.2): it becomes U+FFFD, the rest is kept.
      const kept = name.replace('\u0001', '\uFFFD');
      assert.equal(await assertGpxMatches((await download(a.activity_id, 'gpx')).file, t), kept);
      const tcx = (await download(a.activity_id, 'tcx')).file;
      await assertTcxMatches(tcx, t);
      assert.equal(await xmllintXpath(tcx, "string(//*[local-name()='Notes'])"), kept);
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

    test('a file not decoded yet (an import leaves decoding to the backlog) is decoded on the spot and the decode stored; without its file, 422 decode_error saying so; fit still serves what is stored', async () => {
      const [a, b] = [list[list.length - 1]!, list[list.length - 2]!];
      const decodedRows = async (id: string) =>
        Number((await w.s.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM activity_decoded WHERE user_id = ? AND activity_id = ?', [u.userId, id]))!.n);
      await w.s.db.run('DELETE FROM activity_decoded WHERE user_id = ? AND activity_id = ?', [u.userId, a.activity_id]);
      const csv = await call(w.s.app, 'GET', `/v1/activities/${a.activity_id}/export?format=csv`, { token: u.token });
      assert.equal(csv.status, 200, JSON.stringify(csv.body));
      assert.equal(await decodedRows(a.activity_id), 1, 'the decode made for the export is stored');
      // The file itself gone too: nothing to decode from.
      await w.s.db.run('DELETE FROM activity_decoded WHERE user_id = ? AND activity_id = ?', [u.userId, b.activity_id]);
      const fits = w.s.app.deps.blobs.fit;
      const away = (await fits.read(b.fit_sha256))!;
      await fits.delete(b.fit_sha256);
      try {
        for (const f of ['gpx', 'tcx', 'csv'] as const) {
          const res = await call(w.s.app, 'GET', `/v1/activities/${b.activity_id}/export?format=${f}`, { token: u.token });
          const p = assertProblem(res, 422, 'decode_error');
          assert.match(p.detail, /not decoded yet.*format=fit still gives the original file/);
        }
      } finally {
        await fits.put(away);
      }
      const original = (await download(a.activity_id, 'fit')).bytes;
      assert.deepEqual(original, await storedFit(a.fit_sha256));
    });
  });
}
