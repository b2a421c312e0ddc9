import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ActivityDetail } from '@fitsync/api';
import type { ActivityTruth, RunningSim } from '@fitsync/garmin-sim';
import { PtySession } from '../helpers/pty.js';
import { tempDir } from '../helpers/real-server.js';
import { schemaErrors } from '../helpers/schema-check.js';
import { screenLines, widest } from '../helpers/screen.js';
import { type LinkedUser, simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: the built CLI against the real fitsync-server (which decodes the FIT files in the sync)
// with garmin-sim as Garmin: `activities show` in pseudo-terminals, `activities export` to files.
describe('activities show and export against the real server and garmin-sim', () => {
  let sim: RunningSim;
  const { dirs, ptys, linkedUser } = simServerFixture('cli-activities-e2e', { FITSYNC_GARMIN_RPS: '0', FITSYNC_GARMIN_DEPLOYMENT_RPS: '0' }, (s) => {
    sim = s;
  });

  let user: Promise<{ u: LinkedUser; details: ActivityDetail[]; truth: Map<string, ActivityTruth> }> | undefined;
  /**
   * One synced account shared by the tests (a sync costs seconds), with the sim's odd files (one
   * without records, one with a corrupt tail): its activities' details, newest first, and the truth.
   */
  function synced() {
    user ??= (async () => {
      const u = await linkedUser('acts', { activities: 12, days: 1, workouts: 0, odd_activities: true });
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
      const truth = new Map(sim.truth(u.email).activities.map((t) => [t.activity_id, t]));
      return { u, details, truth };
    })();
    return user;
  }

  test('show -o json: every synced activity, valid by the schema, with the laps and records of the sim truth', async () => {
    const { details, truth } = await synced();
    assert.equal(details.length, truth.size);
    const kinds = new Set<string>();
    for (const d of details) {
      assert.deepEqual(schemaErrors(ActivityDetail, d), [], d.activity_id);
      const t = truth.get(d.activity_id) as ActivityTruth;
      if (t.odd === 'corrupt_tail') {
        assert.match(d.decode_error ?? '', /./, `${d.activity_id}: a decode error`);
        kinds.add('corrupt');
        continue;
      }
      assert.equal(d.decode_error, null, d.activity_id);
      assert.equal(d.laps.length, t.laps, `${d.activity_id} laps`);
      assert.equal(d.record_count, t.records, `${d.activity_id} records`);
      assert.equal(d.record_fields.includes('lat'), t.records_with_position > 0, `${d.activity_id} positions`);
      kinds.add(t.odd ?? (t.indoor ? 'indoor' : 'outdoor'));
    }
    assert.deepEqual([...kinds].sort(), ['corrupt', 'indoor', 'no_records', 'outdoor'], 'the account has every kind');
  });

  test('show of an indoor activity and of an undecodable one, on a terminal: a line instead of the track; the decode error', async () => {
    const { u, details, truth } = await synced();
    const env = { HOME: u.dir, FITSYNC_CONFIG_DIR: u.dir, TZ: 'UTC' };
    const indoor = details.find((d) => truth.get(d.activity_id)?.indoor && truth.get(d.activity_id)?.odd === null) as ActivityDetail;
    const p = new PtySession(['activities', 'show', indoor.activity_id], env, { cols: 80, rows: 60, linger: true });
    ptys.push(p);
    assert.equal(await p.exitCode(), 0, p.output);
    const lines = screenLines(p.output);
    assert.ok(lines.includes('Heart rate (bpm)'), p.output);
    assert.ok(lines.includes('No track: no positions were recorded (an indoor activity).'), p.output);
    assert.ok(widest(p.output) <= 80);
    const corrupt = details.find((d) => truth.get(d.activity_id)?.odd === 'corrupt_tail') as ActivityDetail;
    const c = new PtySession(['activities', 'show', corrupt.activity_id], env, { cols: 80, rows: 60, linger: true });
    ptys.push(c);
    assert.equal(await c.exitCode(), 0, c.output);
    assert.ok(screenLines(c.output).some((l) => /^Decode error: +\S/.test(l)), c.output);
    assert.ok(!screenLines(c.output).includes('Heart rate (bpm)'));
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

  test('export --since to GPX: a file per activity with a track, points as the truth says (gpxpy); the rest reported (exit 5); --force', async () => {
    const { u, details, truth } = await synced();
    const dir = tempDir();
    dirs.push(dir);
    const r = await u.cli(['activities', 'export', '--since', '2000-01-01', '--format', 'gpx', '--dir', dir, '-o', 'json'], { timeoutMs: 60_000 });
    const tracked = details.filter((d) => d.decode_error === null && (truth.get(d.activity_id) as ActivityTruth).records_with_position > 0);
    const refused = details.filter((d) => !tracked.includes(d));
    assert.ok(refused.length >= 2, 'indoor and odd activities');
    assert.equal(r.code, 5, r.err);
    assert.deepEqual(readdirSync(dir).sort(), tracked.map((d) => `${d.activity_id}.gpx`).sort(), 'no other file, no temporary file');
    const points = gpxpyPoints(tracked.map((d) => join(dir, `${d.activity_id}.gpx`)));
    assert.deepEqual(points, tracked.map((d) => (truth.get(d.activity_id) as ActivityTruth).records_with_position));
    for (const d of refused) assert.match(r.err, new RegExp(`activity ${d.activity_id} not exported: \\S`));
    assert.match(r.err, new RegExp(`Exported ${tracked.length} of ${details.length} activities as GPX .*; ${refused.length} failed\\.`));
    const doc = JSON.parse(r.out) as { exports: { activity_id: string; file: string | null; sha256: string | null }[] };
    for (const e of doc.exports.filter((x) => x.file !== null)) {
      assert.equal(createHash('sha256').update(readFileSync(e.file as string)).digest('hex'), e.sha256);
    }

    const ids = tracked.map((d) => d.activity_id);
    const again = await u.cli(['activities', 'export', ...ids, '--format', 'gpx', '--dir', dir]);
    assert.equal(again.code, 2, again.err);
    assert.match(again.err, new RegExp(`${ids.length} files exist already: .*\\.gpx`));
    assert.match(again.err, /use --force/);
    const forced = await u.cli(['activities', 'export', ...ids, '--format', 'gpx', '--dir', dir, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual(readdirSync(dir).sort(), ids.map((id) => `${id}.gpx`).sort());
  });

  test('export --format fit gives the stored original; --out - streams a TCX that xmllint accepts', async () => {
    const { u, details } = await synced();
    const d = details.find((x) => x.decode_error === null && (x.record_count ?? 0) > 0) as ActivityDetail;
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
    // FIT: the stored original, which every activity has (even one that could not be decoded).
    const p = new PtySession(['activities', 'export', '--since', '2000-01-01', '--format', 'fit', '--dir', dir], { HOME: u.dir, FITSYNC_CONFIG_DIR: u.dir }, { cols: 80, linger: true });
    ptys.push(p);
    assert.equal(await p.exitCode(), 0, p.output);
    assert.ok(p.output.includes('\r\u001b[2K'), 'redrawn in place');
    assert.match(p.output, new RegExp(`done +.*100% {2}${details.length}/${details.length} files`));
    assert.match(p.output, new RegExp(`Exported ${details.length} of ${details.length} activities as FIT`));
    assert.equal(readdirSync(dir).length, details.length);
  });
});
