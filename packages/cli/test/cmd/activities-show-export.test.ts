import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ActivityDetail, RECORD_FIELDS } from '@fitsync/api';
import { activityDetail, records } from '../helpers/activity-data.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { fakeIO } from '../helpers/fake-io.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { schemaErrors } from '../helpers/schema-check.js';
import { widest, withoutEscapes } from '../helpers/screen.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { TestInterrupts } from '../helpers/test-interrupts.js';
import { activity, problemBody } from '../helpers/sync-stub-server.js';

const CHART_QUERY = `fields=${encodeURIComponent('time,heart_rate,speed_mps,lat,lon')}`;

/** Fake streams whose stdout is a terminal `columns` wide. */
function terminal(columns: number) {
  const f = fakeIO({ tty: true });
  Object.assign(f.io.out, { isTTY: true, columns });
  return f;
}

/** A GPX document for activity `id` (what the server's export route sends, shortened). */
function gpx(id: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="FitSync"><trk><name>${id}</name></trk></gpx>\n`;
}

describe('activities show and export against a stub server', () => {
  const fixture = stubFixture();
  async function setup() {
    const cwd = tempConfigDir();
    fixture.defer(() => removeDir(cwd));
    return { ...(await fixture.setupRaw({ signedIn: true })), runtime: new DrivenRuntime(Date.now()), cwd };
  }

  test('show: summary and an aligned laps table; no records fetched off a terminal', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/activities/42', 200, activityDetail('42'));
    const r = await runMain(['activities', 'show', '42'], { configDir: dir, runtime, env: { TZ: 'UTC' } });
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(r.out, /^Activity: +42$/m);
    assert.match(r.out, /^Start: +2026-05-30 06:15 \(2026-05-30 06:15:00Z\)$/m);
    assert.match(r.out, /^Avg pace: +5:05 \/km$/m);
    assert.match(r.out, /^Avg HR: +149 bpm$/m);
    assert.match(r.out, /^Device: +garmin fr945 \(software 12\.1\)$/m);
    const head = lines.findIndex((l) => l.startsWith('LAP'));
    assert.match(lines[head] as string, /^LAP +START +TIME +KM +PACE \/KM +AVG HR +MAX HR +ASCENT M +CAL$/);
    const rows = lines.slice(head, head + 6);
    assert.match(rows[1] as string, /^1 +0:00 +5:00 +1\.00 +5:00 +140 +150 +12 +70$/);
    assert.match(rows[5] as string, /^5 +20:00 +4:48 +0\.81 +4:48 +158 +170 +12 +70$/);
    // Aligned: every column starts where its header does.
    for (const h of ['START', 'KM', 'AVG HR', 'CAL']) {
      const at = (rows[0] as string).indexOf(h);
      for (const row of rows.slice(1)) assert.notEqual((row as string)[at], ' ', `${h} column in "${row}"`);
      for (const row of rows.slice(1)) assert.equal((row as string)[at - 1], ' ');
    }
    assert.ok(!/[\u2800-\u28ff▁-█]/.test(r.out), 'no chart in a pipe');
    stub.verify();
  });

  test('show -o json: the API detail, valid by the schema; -o csv: one row per lap', async () => {
    const { dir, stub, runtime } = await setup();
    const body = activityDetail('18234567890123456789');
    stub.json('GET', '/v1/activities/18234567890123456789', 200, body, 2);
    const j = await runMain(['activities', 'show', '18234567890123456789', '-o', 'json'], { configDir: dir, runtime, io: terminal(120) });
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out);
    assert.deepEqual(schemaErrors(ActivityDetail, doc), []);
    assert.deepEqual(doc, body);
    const c = await runMain(['activities', 'show', '18234567890123456789', '-o', 'csv'], { configDir: dir, runtime });
    const csv = c.out.trimEnd().split('\n');
    assert.equal(csv[0], 'index,start_time,duration_s,distance_m,avg_hr,max_hr,avg_speed_mps,max_speed_mps,ascent_m,descent_m,calories');
    assert.equal(csv.length, 6);
    assert.match(csv[1] as string, /^0,2026-05-30T06:15:00.000Z,300,1000,140,150,3.33333/);
    stub.verify();
  });

  for (const width of [80, 120]) {
    test(`show on a ${width}-column terminal: heart-rate and pace charts and the track, fitted to the width`, async () => {
      const { dir, stub, runtime } = await setup();
      stub.json('GET', '/v1/activities/7', 200, activityDetail('7'));
      stub.json('GET', `/v1/activities/7/records?${CHART_QUERY}`, 200, records(['time', 'heart_rate', 'speed_mps', 'lat', 'lon']));
      const r = await runMain(['activities', 'show', '7'], { configDir: dir, runtime, io: terminal(width) });
      assert.equal(r.code, 0, r.err);
      const text = withoutEscapes(r.out);
      assert.match(text, /^Heart rate \(bpm\)$/m);
      assert.match(text, /^Pace \(min\/km, faster is higher\)$/m);
      assert.match(text, /^Track \(north up\)$/m);
      assert.match(r.out, /\u001b\[31m/, 'coloured on a terminal');
      assert.equal(widest(r.out), width);
      stub.verify();
    });
  }

  test('show: indoor → a line instead of the track; only fields with values are asked for; a decode error is shown, no records', async () => {
    const { dir, stub, runtime } = await setup();
    const indoorFields = RECORD_FIELDS.filter((f) => f !== 'lat' && f !== 'lon');
    stub.json('GET', '/v1/activities/8', 200, activityDetail('8', { activity_type: 'indoor_cycling', sport: 'cycling', sub_sport: 'indoor_cycling', record_fields: indoorFields }));
    stub.json('GET', `/v1/activities/8/records?${encodeURIComponent('fields')}=${encodeURIComponent('time,heart_rate,speed_mps')}`, 200, records(['time', 'heart_rate', 'speed_mps'], 200, { indoor: true }));
    const r = await runMain(['activities', 'show', '8', '--ascii'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Speed \(km\/h\)$/m);
    assert.match(r.out, /^No track: no positions were recorded \(an indoor activity\)\.$/m);
    assert.match(r.out, /^[\x20-\x7e\n]*$/, '--ascii: plain ASCII, no colour');
    stub.json('GET', '/v1/activities/9', 200, activityDetail('9', { decode_error: 'FIT file integrity check failed', laps: [], record_count: null, record_fields: [], sport: null, device: null }));
    const d = await runMain(['activities', 'show', '9'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, /^Decode error: +FIT file integrity check failed$/m);
    assert.match(d.err, /`fitsync activities download 9` still gives the original/);
    assert.ok(!d.out.includes('LAP'), 'no laps table without laps');
    stub.verify();
  });

  test('show: unknown activity → exit 4; bad id → exit 2 before any request', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/activities/404', 404, problemBody(404, 'not_found'));
    const r = await runMain(['activities', 'show', '404'], { configDir: dir, runtime });
    assert.equal(r.code, 4);
    assert.match(r.err, /Activity 404 not found/);
    const b = await runMain(['activities', 'show', '../x'], { configDir: dir, runtime });
    assert.equal(b.code, 2);
    const n = await runMain(['activities', 'show'], { configDir: dir, runtime });
    assert.equal(n.code, 2);
    assert.match(n.err, /ACTIVITY_ID is required/);
    stub.verify();
  });

  test('export one to --out and several to --dir: files named ID.EXT, no temporary files, a summary line', async () => {
    const { dir, stub, runtime, cwd } = await setup();
    for (const id of ['1', '2', '3']) {
      stub.on('GET', `/v1/activities/${id}/export?format=gpx`, (_c, res) => {
        res.writeHead(200, { 'content-type': 'application/gpx+xml', 'content-length': String(Buffer.byteLength(gpx(id))) });
        res.end(gpx(id));
      }, id === '1' ? 2 : 1);
    }
    const one = await runMain(['activities', 'export', '1', '--format', 'gpx', '--out', join(cwd, 'run.gpx')], { configDir: dir, runtime });
    assert.equal(one.code, 0, one.err);
    assert.equal(readFileSync(join(cwd, 'run.gpx'), 'utf8'), gpx('1'));
    assert.match(one.err, /Exported 1 of 1 activity as GPX to .*run\.gpx \(\d+ B\) in [\d.]+ s\./);
    const out = join(cwd, 'many');
    const many = await runMain(['activities', 'export', '1', '2', '3', '2', '--format', 'gpx', '--dir', out, '-o', 'json'], { configDir: dir, runtime });
    assert.equal(many.code, 0, many.err);
    assert.deepEqual(readdirSync(out).sort(), ['1.gpx', '2.gpx', '3.gpx']);
    for (const id of ['1', '2', '3']) assert.equal(readFileSync(join(out, `${id}.gpx`), 'utf8'), gpx(id));
    const doc = JSON.parse(many.out);
    assert.deepEqual(doc.exports.map((e: { activity_id: string; error: null }) => [e.activity_id, e.error]), [['1', null], ['2', null], ['3', null]]);
    assert.match(many.err, /Exported 3 of 3 activities as GPX/);
    stub.verify();
  });

  test('export: Ctrl-C stops the exports under way → exit 130; whole files kept, no temporary file left', async () => {
    const { dir, stub, runtime, cwd } = await setup();
    stub.on('GET', '/v1/activities/1/export?format=gpx', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/gpx+xml' });
      res.end(gpx('1'));
    });
    stub.on('GET', '/v1/activities/2/export?format=gpx', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/gpx+xml' });
      res.write(gpx('2').slice(0, 40)); // and the rest never comes
    });
    const interrupts = new TestInterrupts();
    const run = runMain(['activities', 'export', '1', '2', '--format', 'gpx', '--dir', cwd], { configDir: dir, runtime, interrupts });
    const deadline = Date.now() + 10_000;
    const names = () => readdirSync(cwd);
    while (!(names().includes('1.gpx') && names().some((f) => f.startsWith('.2.gpx.') && f.endsWith('.part')))) {
      assert.ok(Date.now() < deadline, `timed out; files: ${names().join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    interrupts.fire();
    const r = await run;
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /Export stopped: 1 of 2 files written, each complete; no partial file was left\./);
    assert.deepEqual(names(), ['1.gpx']);
    assert.equal(readFileSync(join(cwd, '1.gpx'), 'utf8'), gpx('1'));
    assert.equal(interrupts.waiting, 0, 'Ctrl-C has its default back');
    stub.verify();
  });

  test('export --since/--until: every listed activity; an empty range exports nothing (exit 0)', async () => {
    const { dir, stub, runtime, cwd } = await setup();
    stub.json('GET', '/v1/activities?limit=1000&since=2026-05-01&until=2026-05-31', 200, { activities: [activity('11'), activity('12')], next_cursor: null });
    for (const id of ['11', '12']) stub.json('GET', `/v1/activities/${id}/export?format=csv`, 200, 'time,heart_rate\n');
    const r = await runMain(['activities', 'export', '--since', '2026-05-01', '--until', '2026-05-31', '--format', 'csv', '--dir', cwd], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(cwd).sort(), ['11.csv', '12.csv']);
    assert.match(r.out, /^ACTIVITY +RESULT +BYTES +FILE$/m);
    assert.match(r.out, /^11 +exported +\d+ +.*11\.csv$/m);
    stub.json('GET', '/v1/activities?limit=1000&since=2026-06-01', 200, { activities: [], next_cursor: null });
    const e = await runMain(['activities', 'export', '--since', '2026-06-01', '--format', 'csv', '--dir', cwd], { configDir: dir, runtime });
    assert.equal(e.code, 0, e.err);
    assert.match(e.err, /No activities between 2026-06-01 and today; nothing exported/);
    stub.verify();
  });

  test('export never overwrites without --force (names the files, exports nothing); --force replaces them', async () => {
    const { dir, stub, runtime, cwd } = await setup();
    writeFileSync(join(cwd, '1.tcx'), 'precious');
    writeFileSync(join(cwd, '2.tcx'), 'precious too');
    const r = await runMain(['activities', 'export', '1', '2', '3', '--format', 'tcx', '--dir', cwd], { configDir: dir, runtime });
    assert.equal(r.code, 2);
    assert.match(r.err, /2 files exist already: .*1\.tcx, .*2\.tcx; nothing was exported/);
    assert.match(r.err, /--force/);
    assert.deepEqual(readdirSync(cwd).sort(), ['1.tcx', '2.tcx']);
    for (const id of ['1', '2', '3']) stub.json('GET', `/v1/activities/${id}/export?format=tcx`, 200, `<tcx>${id}</tcx>`);
    const f = await runMain(['activities', 'export', '1', '2', '3', '--format', 'tcx', '--dir', cwd, '--force'], { configDir: dir, runtime });
    assert.equal(f.code, 0, f.err);
    assert.equal(readFileSync(join(cwd, '1.tcx'), 'utf8'), '"<tcx>1</tcx>"');
    assert.deepEqual(readdirSync(cwd).sort(), ['1.tcx', '2.tcx', '3.tcx']);
    stub.verify();
  });

  test('export: an activity the server cannot export (422) is reported and skipped, the others written; exit 5', async () => {
    const { dir, stub, runtime, cwd } = await setup();
    stub.json('GET', '/v1/activities/1/export?format=gpx', 200, 'ok');
    stub.json('GET', '/v1/activities/2/export?format=gpx', 422, problemBody(422, 'decode_error', { detail: 'The FIT file could not be decoded; format=fit still gives the original file' }));
    stub.json('GET', '/v1/activities/3/export?format=gpx', 422, problemBody(422, 'nothing_to_export', { detail: 'An indoor activity has no track; use tcx or csv' }));
    stub.json('GET', '/v1/activities/4/export?format=gpx', 200, 'ok');
    const r = await runMain(['activities', 'export', '1', '2', '3', '4', '--format', 'gpx', '--dir', cwd], { configDir: dir, runtime });
    assert.equal(r.code, 5, r.err);
    assert.deepEqual(readdirSync(cwd).sort(), ['1.gpx', '4.gpx']);
    assert.match(r.err, /activity 2 not exported: The FIT file could not be decoded; format=fit still gives the original file/);
    assert.match(r.err, /activity 3 not exported: An indoor activity has no track; use tcx or csv/);
    assert.match(r.err, /Exported 2 of 4 activities as GPX .*; 2 failed\./);
    assert.match(r.out, /^2 +failed +- +-$/m);
    stub.verify();
  });

  test('export: a 404 is reported per activity (exit 4); signed out stops everything (exit 3)', async () => {
    const { dir, stub, runtime, cwd } = await setup();
    stub.json('GET', '/v1/activities/5/export?format=fit', 404, problemBody(404, 'not_found'));
    const r = await runMain(['activities', 'export', '5', '--format', 'fit', '--dir', cwd], { configDir: dir, runtime });
    assert.equal(r.code, 4);
    assert.match(r.err, /activity 5 not exported: Activity 5 not found/);
    assert.deepEqual(readdirSync(cwd), []);
    stub.json('GET', '/v1/activities/6/export?format=fit', 403, problemBody(403, 'forbidden'));
    const a = await runMain(['activities', 'export', '6', '--format', 'fit', '--dir', cwd], { configDir: dir, runtime });
    assert.equal(a.code, 3);
    assert.deepEqual(readdirSync(cwd), []);
    stub.verify();
  });

  test('export --out -: the document on stdout; a FIT file is refused on a terminal', async () => {
    const { dir, stub, runtime } = await setup();
    stub.on('GET', '/v1/activities/1/export?format=gpx', (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/gpx+xml' });
      res.end(gpx('1'));
    });
    const r = await runMain(['activities', 'export', '1', '--format', 'gpx', '--out', '-'], { configDir: dir, runtime });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, gpx('1'));
    assert.match(r.err, /Exported 1 of 1 activity as GPX to stdout/);
    const t = await runMain(['activities', 'export', '1', '--format', 'fit', '--out', '-'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(t.code, 2);
    assert.match(t.err, /refusing to write a binary FIT file to the terminal/);
    stub.verify();
  });

  test('export: bad flags are usage errors (exit 2) before any request', async () => {
    const { dir, stub, runtime, cwd } = await setup();
    const cases: [string[], RegExp][] = [
      [['1', '--format', 'gpx', '--out', 'a.gpx', '--dir', cwd], /--out and --dir cannot be used together/],
      [['1', '2', '--format', 'gpx', '--out', 'a.gpx'], /--out takes exactly one ACTIVITY_ID/],
      [['--since', '2026-01-01', '--format', 'gpx', '--out', 'a.gpx'], /--out takes exactly one ACTIVITY_ID/],
      [['1', '--format', 'kml'], /unknown --format "kml"[\s\S]*gpx, tcx, csv, fit/],
      [['1'], /--format is required/],
      [['--format', 'gpx'], /ACTIVITY_ID or --since is required/],
      [['1', '--since', '2026-01-01', '--format', 'gpx'], /not both/],
      [['--since', '2026-02-30', '--format', 'gpx'], /invalid --since/],
      [['1', '--format', 'gpx', '--bogus'], /unknown flag/i],
    ];
    for (const [args, message] of cases) {
      const r = await runMain(['activities', 'export', ...args], { configDir: dir, runtime });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
    assert.equal(existsSync(join(cwd, 'a.gpx')), false);
    mkdirSync(join(cwd, 'x'));
    stub.verify();
  });

  test('export --help: usage with both forms and examples', async () => {
    const { dir } = await setup();
    const r = await runMain(['activities', 'export', '--help'], { configDir: dir });
    assert.equal(r.code, 0);
    assert.match(r.out, /fitsync activities export ACTIVITY_ID… --format gpx\|tcx\|csv\|fit/);
    assert.match(r.out, /--since YYYY-MM-DD \[--until YYYY-MM-DD\]/);
    assert.match(r.out, /fitsync activities export --since 2026-01-01 --until 2026-03-31 --format gpx --dir gpx --force/);
  });
});
