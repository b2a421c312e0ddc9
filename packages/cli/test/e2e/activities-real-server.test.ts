import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActivityDetail } from '@fitsync/api';
import { PtySession } from '../helpers/pty.js';
import { schemaErrors } from '../helpers/schema-check.js';
import { screenLines, widest } from '../helpers/screen.js';
import { type LinkedUser, simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: the built CLI against the real fitsync-server (which decodes the FIT files in the sync)
// with garmin-sim as Garmin: `activities show` in pseudo-terminals, `activities export` to files.
describe('activities show and export against the real server and garmin-sim', () => {
  const { ptys, linkedUser } = simServerFixture('cli-activities-e2e', { FITSYNC_GARMIN_RPS: '0' }, () => undefined);

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
});
