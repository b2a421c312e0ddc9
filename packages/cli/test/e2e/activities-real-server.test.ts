import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ActivityDetail } from '@fitsync/api';
import { PtySession } from '../helpers/pty.js';
import { tempDir } from '../helpers/real-server.js';
import { schemaErrors } from '../helpers/schema-check.js';
import { screenLines, widest } from '../helpers/screen.js';
import { type LinkedUser, simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: the built CLI against the real fitsync-server (which decodes the FIT files in the sync)
// with garmin-sim as Garmin: `activities show` in pseudo-terminals, `activities export` to files.
describe('activities show and export against the real server and garmin-sim', () => {
  const { dirs, ptys, linkedUser } = simServerFixture('cli-activities-e2e', { FITSYNC_GARMIN_RPS: '0' }, () => undefined);

  let user: Promise<{ u: LinkedUser; details: ActivityDetail[] }> | undefined;
  /** One synced account shared by the tests (a sync costs seconds): its activities' details, newest first. */
  function synced() {
    user ??= (async () => {
      const u = await linkedUser('acts', { activities: 6, days: 1, workouts: 0 });
      const s = await u.cli(['sync', 'start', '--type', 'activities', '--wait', '-o', 'json'], { timeoutMs: 60_000 });
      assert.equal(s.code, 0, s.err);
      const list = await u.cli(['activities', 'list', '-o', 'json']);
      const ids = (JSON.parse(list.out).activities as { activity_id: string }[]).map((a) => a.activity_id);
      const details: ActivityDetail[] = [];
      for (const id of ids) {
        const r = await u.cli(['activities', 'show', id, '-o', 'json']);
        assert.equal(r.code, 0, r.err);
        details.push(JSON.parse(r.out));
      }
      return { u, details };
    })();
    return user;
  }

  test('show -o json: the decoded detail of every synced activity, valid by the schema', async () => {
    const { details } = await synced();
    assert.equal(details.length, 6);
    for (const d of details) {
      assert.deepEqual(schemaErrors(ActivityDetail, d), [], d.activity_id);
      assert.equal(d.decode_error, null);
      assert.ok((d.record_count ?? 0) > 0, `${d.activity_id} has records`);
      assert.ok(d.record_fields.includes('time') && d.record_fields.includes('heart_rate'));
    }
  });

  for (const cols of [80, 120]) {
    test(`show in a ${cols}-column pseudo-terminal: summary, laps, charts and track fitted to the width`, async () => {
      const { u, details } = await synced();
      const d = details.find((x) => x.record_fields.includes('lat') && x.laps.length > 0) ?? details.find((x) => x.record_fields.includes('lat'));
      assert.ok(d, 'an activity with a track');
      const p = new PtySession(['activities', 'show', d.activity_id], { HOME: u.dir, FITSYNC_CONFIG_DIR: u.dir, TZ: 'UTC' }, { cols, rows: 60, linger: true });
      ptys.push(p);
      assert.equal(await p.exitCode(), 0, p.output);
      const lines = screenLines(p.output);
      assert.ok(lines.some((l) => new RegExp(`^Activity: +${d.activity_id}$`).test(l)), p.output);
      assert.ok(lines.includes('Heart rate (bpm)'), p.output);
      assert.ok(lines.includes('Track (north up)'), p.output);
      assert.ok(lines.some((l) => /[\u2801-\u28ff]/.test(l)), 'Braille track');
      assert.match(p.output, /\u001b\[31m/, 'coloured');
      assert.ok(widest(p.output) <= cols, `widest line ${widest(p.output)} > ${cols}`);
      const chart = lines.indexOf('Heart rate (bpm)');
      assert.equal(widest(lines.slice(chart + 1, chart + 6).join('\n')), cols, 'the chart uses the width');
      if (process.env.FITSYNC_TEST_SHOW_SCREEN) console.log(p.output);
      if (d.laps.length > 0) {
        const head = lines.findIndex((l) => l.startsWith('LAP '));
        assert.ok(head > 0, p.output);
        const rows = lines.slice(head + 1, head + 1 + d.laps.length);
        const at = (lines[head] as string).indexOf('KM');
        for (const [i, row] of rows.entries()) {
          assert.match(row, new RegExp(`^${i + 1} `));
          assert.match(row.slice(at), /^\d+\.\d\d /, `km column aligned in "${row}"`);
        }
      }
    });
  }

  /** Track points per GPX file as gpxpy (Debian's python3-gpxpy, an independent reader) counts them. */
  function gpxpyPoints(files: string[]): number[] {
    const script = 'import sys, gpxpy\nfor f in sys.argv[1:]:\n  g = gpxpy.parse(open(f))\n  print(sum(len(s.points) for t in g.tracks for s in t.segments))';
    return execFileSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' }).trim().split('\n').map(Number);
  }

  test('export --since to GPX: one file per activity, read by gpxpy; refused without --force, replaced with it', async () => {
    const { u, details } = await synced();
    const dir = tempDir();
    dirs.push(dir);
    const r = await u.cli(['activities', 'export', '--since', '2000-01-01', '--format', 'gpx', '--dir', dir, '-o', 'json'], { timeoutMs: 60_000 });
    const outdoor = details.filter((d) => d.record_fields.includes('lat'));
    const failed = details.length - outdoor.length;
    assert.equal(r.code, failed === 0 ? 0 : 5, r.err);
    assert.deepEqual(readdirSync(dir).sort(), outdoor.map((d) => `${d.activity_id}.gpx`).sort(), 'no temporary files');
    const files = outdoor.map((d) => join(dir, `${d.activity_id}.gpx`));
    const points = gpxpyPoints(files);
    for (const [i, d] of outdoor.entries()) {
      assert.ok((points[i] as number) > 0 && (points[i] as number) <= (d.record_count as number), `${d.activity_id}: ${points[i]} points`);
    }
    const doc = JSON.parse(r.out) as { exports: { activity_id: string; file: string; sha256: string }[] };
    for (const e of doc.exports.filter((x) => x.file !== null)) {
      assert.equal(createHash('sha256').update(readFileSync(e.file)).digest('hex'), e.sha256);
    }
    assert.match(r.err, new RegExp(`Exported ${outdoor.length} of ${details.length} activities as GPX`));

    const again = await u.cli(['activities', 'export', '--since', '2000-01-01', '--format', 'gpx', '--dir', dir]);
    assert.equal(again.code, 2, again.err);
    assert.match(again.err, new RegExp(`${outdoor.length === 1 ? 'a file exists' : `${outdoor.length} files exist`} already: .*\\.gpx`));
    assert.match(again.err, /use --force/);
    const ids = outdoor.map((d) => d.activity_id);
    const forced = await u.cli(['activities', 'export', ...ids, '--format', 'gpx', '--dir', dir, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual(readdirSync(dir).sort(), ids.map((id) => `${id}.gpx`).sort());
  });

  test('export --format fit gives the stored original; --out - streams a TCX that xmllint accepts', async () => {
    const { u, details } = await synced();
    const d = details[0] as ActivityDetail;
    const dir = tempDir();
    dirs.push(dir);
    const fit = await u.cli(['activities', 'export', d.activity_id, '--format', 'fit', '--out', join(dir, 'a.fit')]);
    assert.equal(fit.code, 0, fit.err);
    assert.equal(createHash('sha256').update(readFileSync(join(dir, 'a.fit'))).digest('hex'), d.fit_sha256);
    const tcx = await u.cli(['activities', 'export', d.activity_id, '--format', 'tcx', '--out', '-']);
    assert.equal(tcx.code, 0, tcx.err);
    assert.match(tcx.out, /TrainingCenterDatabase/);
    execFileSync('xmllint', ['--noout', '-'], { input: tcx.out });
  });

  test('export of many in a pseudo-terminal: a progress bar on stderr, then the summary', async () => {
    const { u, details } = await synced();
    const dir = tempDir();
    dirs.push(dir);
    const p = new PtySession(['activities', 'export', '--since', '2000-01-01', '--format', 'csv', '--dir', dir], { HOME: u.dir, FITSYNC_CONFIG_DIR: u.dir }, { cols: 80, linger: true });
    ptys.push(p);
    assert.equal(await p.exitCode(), 0, p.output);
    assert.ok(p.output.includes('\r\u001b[2K'), 'redrawn in place');
    assert.match(p.output, new RegExp(`done +.*100% {2}${details.length}/${details.length} files`));
    assert.match(p.output, new RegExp(`Exported ${details.length} of ${details.length} activities as CSV`));
    assert.equal(readdirSync(dir).length, details.length);
  });
});
