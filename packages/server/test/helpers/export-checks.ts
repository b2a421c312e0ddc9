import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { RECORD_FIELDS, type RecordField } from '@fitsync/api';
import { type BabelPoint, gpsbabelTrack, gpxpyRead, xmllintWellFormed, xmllintXpath } from './export-tools.js';
import { sdkDecode, sdkRecordValue } from './sdk-activity-reader.js';

type Values = Record<RecordField, number | null>;

/** What the official SDK decodes from a FIT file: the reference every export reader's answer is held to. */
export interface SdkTruth {
  id: string;
  decodeError: string | null;
  laps: number;
  records: Values[];
  withPosition: Values[];
}

export function sdkTruth(id: string, fit: Buffer): SdkTruth {
  const { messages, error } = sdkDecode(fit);
  const records = (messages.recordMesgs ?? []).map(
    (m) => Object.fromEntries(RECORD_FIELDS.map((f) => [f, sdkRecordValue(m, f)])) as Values,
  );
  return {
    id,
    decodeError: error,
    laps: messages.lapMesgs?.length ?? 0,
    records,
    withPosition: records.filter((p) => p.lat !== null && p.lon !== null),
  };
}

/** GPSBabel's points: one per record with a position, at its time, within 1e-6° (unicsv prints 6 decimals), same heart rate. */
function assertBabelPoints(babel: BabelPoint[], t: SdkTruth): void {
  assert.equal(babel.length, t.withPosition.length, `${t.id}: GPSBabel point count`);
  for (const [i, p] of babel.entries()) {
    const want = t.withPosition[i]!;
    assert.ok(Math.abs(p.lat - want.lat!) <= 1e-6 && Math.abs(p.lon - want.lon!) <= 1e-6, `${t.id}#${i} position`);
    assert.equal(p.time, want.time, `${t.id}#${i} time`);
    assert.equal(p.hr, want.heart_rate, `${t.id}#${i} hr`);
  }
}

/** A GPX export read by xmllint, gpxpy and GPSBabel agrees with the SDK's decode; returns gpxpy's name. */
export async function assertGpxMatches(file: string, t: SdkTruth): Promise<string | null> {
  await xmllintWellFormed(file);
  const doc = await gpxpyRead(file);
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
  assertBabelPoints(await gpsbabelTrack('gpx', file), t);
  return doc.name;
}

/** A TCX export read by xmllint and GPSBabel agrees with the SDK's decode: laps, trackpoints, positions, times, heart rates. */
export async function assertTcxMatches(file: string, t: SdkTruth): Promise<void> {
  await xmllintWellFormed(file);
  const lap = "*[local-name()='Activity']/*[local-name()='Lap']";
  assert.equal(Number(await xmllintXpath(file, `count(//${lap})`)), Math.max(1, t.laps), `${t.id}: laps`);
  assert.equal(Number(await xmllintXpath(file, `count(//${lap}//*[local-name()='Trackpoint'])`)), t.records.length);
  assertBabelPoints(await gpsbabelTrack('gtrnctr', file), t);
}

/** A CSV export has the record fields as header and one CRLF row per record with the SDK's values. */
export async function assertCsvMatches(file: string, t: SdkTruth): Promise<void> {
  const csv = await readFile(file, 'utf8');
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
