import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { type ExportFormat, RECORD_FIELDS, type RecordField } from '@fitsync/api';
import { ActivityExporter } from '../src/export/activity-exporter.js';
import {
  gpsbabelTrack,
  gpxpyRead,
  missingTools,
  REQUIRE_TOOLS,
  xmllintWellFormed,
  xmllintXpath,
} from './helpers/export-tools.js';
import { SdkActivityReader, sdkDecode, sdkRecordValue } from './helpers/sdk-activity-reader.js';
import { drain, linkedUser, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

const missing = await missingTools();
const skip =
  missing.length > 0 && !REQUIRE_TOOLS ? `missing ${missing.join(', ')} (Debian packages; .ci/run installs them)` : false;

/** What the SDK decodes from the stored FIT file: the reference every reader's answer is held to. */
interface Truth {
  id: string;
  name: string | null;
  laps: number;
  records: Record<RecordField, number | null>[];
  withPosition: Record<RecordField, number | null>[];
}

describe('activity exports, read back by independent tools', { skip }, () => {
  let w: SyncWorld;
  let u: SyncUser;
  let exporter: ActivityExporter;
  let dir: string;
  const truths: Truth[] = [];

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
      const { messages, error } = sdkDecode(await readFile(app.deps.fitStore.pathOf(r.fit_sha256)));
      if (error) continue;
      const records = (messages.recordMesgs ?? []).map(
        (m) => Object.fromEntries(RECORD_FIELDS.map((f) => [f, sdkRecordValue(m, f)])) as Record<RecordField, number | null>,
      );
      truths.push({
        id: r.activity_id,
        name: r.name,
        laps: messages.lapMesgs?.length ?? 0,
        records,
        withPosition: records.filter((p) => p.lat !== null && p.lon !== null),
      });
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

  test('the independent readers are installed', () => {
    assert.deepEqual(missing, [], 'install them: apt-get install gpsbabel python3-gpxpy libxml2-utils');
  });

  test('GPX: gpxpy and GPSBabel read every record with a position, at its time, within 1e-6°, with its heart rate', async () => {
    for (const t of truths.filter((x) => x.withPosition.length > 0)) {
      const file = await exportFile(t.id, 'gpx');
      await xmllintWellFormed(file);
      const doc = await gpxpyRead(file);
      assert.equal(doc.name, t.name);
      assert.equal(doc.tracks.length, 1);
      assert.equal(doc.points.length, t.withPosition.length, `${t.id}: gpxpy point count`);
      for (const [i, [lat, lon, ele, time, hr, cad]] of doc.points.entries()) {
        const want = t.withPosition[i]!;
        // gpxpy parses the printed decimal to the same double: the shortest round-trip text loses nothing.
        assert.equal(lat, want.lat, `${t.id}#${i} lat`);
        assert.equal(lon, want.lon, `${t.id}#${i} lon`);
        assert.equal(ele, want.altitude_m);
        assert.equal(Date.parse(time!), want.time, `${t.id}#${i} time`);
        assert.equal(hr === null ? null : Number(hr), want.heart_rate, `${t.id}#${i} hr`);
        assert.equal(cad === null ? null : Number(cad), want.cadence, `${t.id}#${i} cadence`);
      }
      const babel = await gpsbabelTrack('gpx', file);
      assert.equal(babel.length, t.withPosition.length, `${t.id}: GPSBabel point count`);
      for (const [i, p] of babel.entries()) {
        const want = t.withPosition[i]!;
        assert.ok(Math.abs(p.lat - want.lat!) <= 1e-6 && Math.abs(p.lon - want.lon!) <= 1e-6, `${t.id}#${i} position`);
        assert.equal(p.time, want.time, `${t.id}#${i} time`);
        assert.equal(p.hr, want.heart_rate, `${t.id}#${i} hr`);
      }
    }
  });

  test('TCX: GPSBabel reads the same track points, times and heart rates; one Lap per decoded lap', async () => {
    for (const t of truths.filter((x) => x.records.length > 0)) {
      const file = await exportFile(t.id, 'tcx');
      await xmllintWellFormed(file);
      const ns = "*[local-name()='Activity']/*[local-name()='Lap']";
      assert.equal(Number(await xmllintXpath(file, `count(//${ns})`)), Math.max(1, t.laps), `${t.id}: laps`);
      assert.equal(Number(await xmllintXpath(file, `count(//${ns}//*[local-name()='Trackpoint'])`)), t.records.length);
      const babel = await gpsbabelTrack('gtrnctr', file);
      assert.equal(babel.length, t.withPosition.length, `${t.id}: GPSBabel point count`);
      for (const [i, p] of babel.entries()) {
        const want = t.withPosition[i]!;
        assert.ok(Math.abs(p.lat - want.lat!) <= 1e-6 && Math.abs(p.lon - want.lon!) <= 1e-6, `${t.id}#${i} position`);
        assert.equal(p.time, want.time, `${t.id}#${i} time`);
        assert.equal(p.hr, want.heart_rate, `${t.id}#${i} hr`);
      }
    }
  });

  test('CSV: a header of the record fields and one CRLF row per record, values as the SDK decodes them', async () => {
    for (const t of truths.filter((x) => x.records.length > 0)) {
      const csv = await readFile(await exportFile(t.id, 'csv'), 'utf8');
      assert.ok(csv.endsWith('\r\n'));
      const [head, ...rows] = csv.slice(0, -2).split('\r\n');
      assert.equal(head, RECORD_FIELDS.join(','));
      assert.equal(rows.length, t.records.length);
      for (const [i, row] of rows.entries()) {
        const cells = row.split(',');
        for (const [k, f] of RECORD_FIELDS.entries()) {
          const want = t.records[i]![f];
          const got = cells[k] === '' ? null : f === 'time' ? Date.parse(cells[k]!) : Number(cells[k]);
          assert.ok(Object.is(got, want), `${t.id}#${i} ${f}: ${cells[k]} vs ${want}`);
        }
      }
    }
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
