import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import type { ExportFormat } from '@fitsync/api';
import { ActivityExporter } from '../src/export/activity-exporter.js';
import { assertCsvMatches, assertGpxMatches, assertTcxMatches, type SdkTruth, sdkTruth } from './helpers/export-checks.js';
import { gpxpyRead, missingTools, toolsSkip, xmllintWellFormed, xmllintXpath } from './helpers/export-tools.js';
import { SdkActivityReader } from './helpers/sdk-activity-reader.js';
import { drain, linkedUser, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

// The renderers over the SDK's own decode (an in-test ActivityReader), independent of how the server
// stores records; activities-export-api.test.ts runs the same checks through the route.
describe('activity exports, read back by independent tools', { skip: await toolsSkip() }, () => {
  let w: SyncWorld;
  let u: SyncUser;
  let exporter: ActivityExporter;
  let dir: string;
  const truths: (SdkTruth & { name: string | null })[] = [];

  before(async () => {
    w = await startWorld('sqlite', 'export-tools');
    u = await linkedUser(w, { activities: 8, days: 1, workouts: 0 }, 'export');
    await startSync(w, u, { sync_type: 'activities' });
    await drain(w);
    const { db, app } = w.s;
    const reader = new SdkActivityReader(db, (sha) => app.deps.fitStore.pathOf(sha));
    exporter = new ActivityExporter({ reader, data: app.deps.data, fitStore: app.deps.fitStore });
    dir = mkdtempSync(join(tmpdir(), 'fitsync-export-'));
    const rows = await db.all<{ activity_id: string; name: string | null; fit_sha256: string }>(
      'SELECT activity_id, name, fit_sha256 FROM activities WHERE user_id = ? ORDER BY activity_id',
      [u.userId],
    );
    for (const r of rows) {
      const t = sdkTruth(r.activity_id, await readFile(app.deps.fitStore.pathOf(r.fit_sha256)));
      if (t.decodeError === null) truths.push({ ...t, name: r.name });
    }
    assert.ok(truths.some((t) => t.withPosition.length > 0), 'the sim account has activities with a track');
  });
  after(async () => {
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function exportFile(id: string, format: ExportFormat): Promise<string> {
    const out = await exporter.export(u.userId, id, format);
    const file = join(dir, out.filename);
    writeFileSync(file, await text(out.body));
    return file;
  }

  test('the independent readers are installed', async () => {
    assert.deepEqual(await missingTools(), [], 'install them: apt-get install gpsbabel python3-gpxpy libxml2-utils');
  });

  test('GPX: gpxpy and GPSBabel read every record with a position, at its time, within 1e-6°, with its heart rate', async () => {
    for (const t of truths.filter((x) => x.withPosition.length > 0)) {
      assert.equal(await assertGpxMatches(await exportFile(t.id, 'gpx'), t), t.name);
    }
  });

  test('TCX: GPSBabel reads the same track points, times and heart rates; one Lap per decoded lap', async () => {
    for (const t of truths.filter((x) => x.records.length > 0)) await assertTcxMatches(await exportFile(t.id, 'tcx'), t);
  });

  test('CSV: a header of the record fields and one CRLF row per record, values as the SDK decodes them', async () => {
    for (const t of truths.filter((x) => x.records.length > 0)) await assertCsvMatches(await exportFile(t.id, 'csv'), t);
  });

  test('names with XML markup, quotes and non-ASCII survive GPX and TCX', async () => {
    const t = truths.find((x) => x.withPosition.length > 0)!;
    const name = `Tom & "Jerry's" <run> — Zürich 5 km 🏃 \u0001`;
    await w.s.db.run('UPDATE activities SET name = ? WHERE user_id = ? AND activity_id = ?', [name, u.userId, t.id]);
    const gpx = await exportFile(t.id, 'gpx');
    await xmllintWellFormed(gpx);
    // A control character is not XML at all (XML 1.0 §2.2): it becomes U+FFFD, the rest is kept.
    const kept = name.replace('\u0001', '\uFFFD');
    assert.equal((await gpxpyRead(gpx)).name, kept);
    const tcx = await exportFile(t.id, 'tcx');
    await xmllintWellFormed(tcx);
    assert.equal(await xmllintXpath(tcx, "string(//*[local-name()='Notes'])"), kept);
  });
});
