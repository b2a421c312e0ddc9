import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { type ActivityDetail, type ActivityRecords, type ExportFormat, RECORD_FIELDS, type RecordField } from '@fitsync/api';
import type { ActivityReader } from '../src/activities/activity-reader.js';
import { ActivityExporter } from '../src/export/activity-exporter.js';
import { chunkedStream } from '../src/export/chunked.js';
import { renderGpx } from '../src/export/gpx.js';
import { isoTime, xmlNumber, xmlText } from '../src/export/xml-text.js';
import { ApiError } from '../src/http/api-error.js';
import { gpsbabelTrack, gpxpyRead, toolsSkip, xmllintWellFormed, xmllintXpath } from './helpers/export-tools.js';

const T0 = Date.parse('2026-03-01T07:00:00Z');
type Row = Partial<Record<RecordField, number | null>>;

function detailOf(over: Partial<ActivityDetail> = {}): ActivityDetail {
  return {
    activity_id: '42',
    name: 'Morning run',
    activity_type: 'running',
    start_time: new Date(T0).toISOString(),
    duration_s: 30,
    distance_m: 100,
    calories: 12,
    avg_hr: 120,
    fit_sha256: 'ab'.repeat(32),
    decode_error: null,
    sport: 'running',
    sub_sport: null,
    device: { manufacturer: 'garmin', product: 'fr965', serial_number: '3999999999', software_version: '19.18' },
    laps: [],
    record_count: null,
    record_fields: [],
    ...over,
  };
}

function recordsOf(rows: Row[]): ActivityRecords {
  return { fields: [...RECORD_FIELDS], points: rows.map((r) => RECORD_FIELDS.map((f) => r[f] ?? null)) };
}

/** An ActivityReader over one activity held in memory (the route and storage are tested end to end elsewhere). */
function memoryReader(detail: ActivityDetail, records: ActivityRecords | ApiError): ActivityReader {
  return {
    detail: async (_u, id) => {
      if (id !== detail.activity_id) throw new ApiError(404, 'not_found', `No activity ${id}.`);
      return detail;
    },
    records: async (_u, _id, fields) => {
      if (records instanceof ApiError) throw records;
      const at = fields.map((f) => records.fields.indexOf(f));
      return { fields: [...fields], points: records.points.map((p) => at.map((i) => p[i] ?? null)) };
    },
  };
}

function exporterOf(detail: ActivityDetail, records: ActivityRecords | ApiError): ActivityExporter {
  const noFit = () => {
    throw new Error('the original FIT file is not read for this format');
  };
  return new ActivityExporter({ reader: memoryReader(detail, records), data: { fitOf: noFit }, fitStore: { open: noFit } });
}

async function rejects422(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 422);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('export text helpers', () => {
  test('numbers are the shortest text that reads back as the same double, never with an exponent', () => {
    for (const n of [0, 1e-7, -2.5e-9, 8.381903171539307e-8, 45.020764572545886, -179.99999991618097, 1e21, 123.456]) {
      const s = xmlNumber(n);
      assert.doesNotMatch(s, /e/i, s);
      assert.ok(Object.is(Number(s), n === 0 ? 0 : n), `${n} → ${s}`);
    }
  });
  test('times are UTC, with milliseconds only when they have some', () => {
    assert.equal(isoTime(T0), '2026-03-01T07:00:00Z');
    assert.equal(isoTime(T0 + 250), '2026-03-01T07:00:00.250Z');
  });
  test('markup is escaped and characters XML forbids become U+FFFD; the rest is kept', () => {
    assert.equal(xmlText(`<a b="c">&'d'</a>`), '&lt;a b=&quot;c&quot;&gt;&amp;&apos;d&apos;&lt;/a&gt;');
    assert.equal(xmlText('é 🏃 \t\n'), 'é 🏃 \t\n');
    assert.equal(xmlText('a\u0000b\u001Fc\uD800d\uFFFF'), 'a\uFFFDb\uFFFDc\uFFFDd\uFFFD');
  });
  test('a long document streams in chunks of about 64 KiB', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ time: T0 + i * 1000, lat: 45 + i * 1e-5, lon: 7, heart_rate: 140 }));
    const chunks: Buffer[] = [];
    for await (const c of chunkedStream(renderGpx(detailOf(), recordsOf(rows)))) chunks.push(c as Buffer);
    assert.ok(chunks.length > 10, `${chunks.length} chunks`);
    for (const c of chunks.slice(0, -1)) assert.ok(c.length >= 64 * 1024 && c.length < 66 * 1024, `chunk of ${c.length}`);
    assert.equal(Buffer.concat(chunks).toString('utf8').split('<trkpt ').length - 1, rows.length);
  });
});

describe('exports of unusual activities', { skip: await toolsSkip() }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fitsync-export-render-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function exportTo(ex: ActivityExporter, format: ExportFormat): Promise<string> {
    const out = await ex.export('u', '42', format);
    assert.equal(out.filename, `42.${format}`);
    const file = join(dir, `${format}-${Math.random().toString(36).slice(2)}.${format}`);
    writeFileSync(file, await text(out.body));
    return file;
  }

  test('an indoor activity (no position): GPX is 422 nothing_to_export; TCX and CSV carry every record', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      time: T0 + i * 1000,
      heart_rate: 100 + i,
      cadence: 85,
      power_w: 200 + i,
      distance_m: i * 3.3,
    }));
    const ex = exporterOf(detailOf({ activity_type: 'indoor_cycling', sport: 'cycling' }), recordsOf(rows));
    await rejects422(ex.export('u', '42', 'gpx'), 'nothing_to_export', /indoor activity has no track; use tcx or csv/);
    const tcx = await exportTo(ex, 'tcx');
    await xmllintWellFormed(tcx);
    assert.equal(await xmllintXpath(tcx, "string(//*[local-name()='Activity']/@Sport)"), 'Biking');
    assert.equal(await xmllintXpath(tcx, "count(//*[local-name()='Trackpoint'])"), '30');
    assert.equal(await xmllintXpath(tcx, "count(//*[local-name()='Position'])"), '0');
    assert.equal(await xmllintXpath(tcx, "sum(//*[local-name()='Watts'])"), String(rows.reduce((s, r) => s + r.power_w, 0)));
    assert.deepEqual(await gpsbabelTrack('gtrnctr', tcx), [], 'GPSBabel reads no positions');
    const csv = (await text((await ex.export('u', '42', 'csv')).body)).split('\r\n');
    assert.equal(csv.length, 32);
    assert.equal(csv[1], `2026-03-01T07:00:00.000Z,,,,100,85,,200,,0`);
  });

  test('no laps: TCX has one lap over all records with the activity totals', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ time: T0 + i * 10_000, lat: 1e-7 * i, lon: -0.5, heart_rate: 90 }));
    const tcx = await exportTo(exporterOf(detailOf(), recordsOf(rows)), 'tcx');
    await xmllintWellFormed(tcx);
    const lap = "//*[local-name()='Lap']";
    assert.equal(await xmllintXpath(tcx, `count(${lap})`), '1');
    assert.equal(await xmllintXpath(tcx, `count(${lap}//*[local-name()='Trackpoint'])`), '5');
    assert.equal(await xmllintXpath(tcx, `string(${lap}/*[local-name()='TotalTimeSeconds'])`), '30');
    assert.equal(await xmllintXpath(tcx, `string(${lap}/*[local-name()='DistanceMeters'])`), '100');
    assert.equal(await xmllintXpath(tcx, `string(${lap}/*[local-name()='Calories'])`), '12');
    assert.equal(await xmllintXpath(tcx, "string(//*[local-name()='Creator']/*[local-name()='UnitId'])"), '3999999999');
  });

  test('laps split the trackpoints at their start times; records before the first lap go to it', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ time: T0 + i * 1000, lat: 50, lon: 8 + i * 1e-4 }));
    const lap = (index: number, startS: number) => ({
      index,
      start_time: new Date(T0 + startS * 1000).toISOString(),
      duration_s: 4,
      distance_m: 10,
      avg_hr: null,
      max_hr: null,
      avg_speed_mps: 2.5,
      max_speed_mps: null,
      ascent_m: null,
      descent_m: null,
      calories: null,
    });
    const tcx = await exportTo(exporterOf(detailOf({ laps: [lap(1, 6), lap(0, 1)] }), recordsOf(rows)), 'tcx');
    await xmllintWellFormed(tcx);
    const counts = [];
    for (const k of [1, 2]) {
      counts.push(await xmllintXpath(tcx, `count((//*[local-name()='Lap'])[${k}]//*[local-name()='Trackpoint'])`));
    }
    assert.deepEqual(counts, ['6', '4']);
    assert.equal((await gpsbabelTrack('gtrnctr', tcx)).length, 10);
  });

  test('GPX keeps milliseconds, tiny and negative coordinates, temperature and cadence exactly', async () => {
    const rows = [
      { time: T0 + 250, lat: 1e-7, lon: -179.99999991618097, altitude_m: -12.4, heart_rate: 61, cadence: 80, temperature_c: -3 },
      { time: T0 + 1250, lat: null, lon: 5, heart_rate: 62 },
      { time: T0 + 2000, lat: -89.99999, lon: 8.381903171539307e-8, heart_rate: null, cadence: 0 },
    ];
    const ex = exporterOf(detailOf({ name: null, activity_type: null, sport: 'running' }), recordsOf(rows));
    const gpx = await exportTo(ex, 'gpx');
    await xmllintWellFormed(gpx);
    const doc = await gpxpyRead(gpx);
    assert.equal(doc.name, null);
    assert.equal(doc.tracks[0]!.type, 'running');
    assert.deepEqual(
      doc.points.map(([lat, lon, ele, time, hr, cad, atemp]) => [lat, lon, ele, Date.parse(time!), hr, cad, atemp]),
      [
        [1e-7, -179.99999991618097, -12.4, T0 + 250, '61', '80', '-3'],
        [-89.99999, 8.381903171539307e-8, null, T0 + 2000, null, '0', null],
      ],
    );
    const babel = await gpsbabelTrack('gpx', gpx);
    assert.deepEqual(
      babel.map((p) => p.time),
      [T0 + 250, T0 + 2000],
    );
  });

  test('no records: 422 nothing_to_export for gpx, tcx and csv', async () => {
    const ex = exporterOf(detailOf({ record_count: 0 }), recordsOf([]));
    for (const f of ['gpx', 'tcx', 'csv'] as const) {
      await rejects422(ex.export('u', '42', f), 'nothing_to_export', /has no records/);
    }
  });

  test('a FIT file the SDK refused: 422 decode_error that points to format=fit', async () => {
    const ex = exporterOf(detailOf({ decode_error: 'integrity check failed' }), new ApiError(422, 'decode_error', 'x'));
    for (const f of ['gpx', 'tcx', 'csv'] as const) {
      const message =
        /could not be decoded \(integrity check failed\), so there is no (gpx|tcx|csv) to write; format=fit still gives the original file\./;
      await rejects422(ex.export('u', '42', f), 'decode_error', message);
    }
    // Not decoded yet (the reader refuses the records while the detail has no error): the same answer.
    const pending = exporterOf(detailOf(), new ApiError(422, 'decode_error', 'Activity 42: its FIT file is not decoded yet'));
    const saysWhy = /^Activity 42: its FIT file is not decoded yet\. format=fit still gives/;
    await rejects422(pending.export('u', '42', 'csv'), 'decode_error', saysWhy);
    // Without a stored file there is no original to offer.
    const noFileError = new ApiError(422, 'decode_error', 'Activity 42 has no stored FIT file.');
    const noFile = exporterOf(detailOf({ fit_sha256: null }), noFileError);
    await rejects422(noFile.export('u', '42', 'tcx'), 'decode_error', /^Activity 42 has no stored FIT file\.$/);
  });
});
