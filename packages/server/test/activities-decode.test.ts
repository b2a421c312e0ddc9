import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { RECORD_FIELDS } from '@fitsync/api';
import { Decoder, Stream } from '@garmin/fitsdk';
import { main } from '../src/main.js';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { assertSameValues, expectedPoint, type Mesg } from './helpers/fit-oracle.js';
import { apiGet, drain, linkedUser, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

/** Plus the two odd files of `odd_activities` (one without records, one with a corrupt tail). */
const ACTIVITIES = 12;

/** The official SDK's default decode of a stored file: the oracle every API value is compared with. */
async function sdkDecode(w: SyncWorld, sha: string): Promise<Record<string, Mesg[]>> {
  const bytes = (await w.s.app.deps.blobs.fit.read(sha))!;
  const { messages, errors } = new Decoder(Stream.fromBuffer(bytes)).read();
  assert.deepEqual(errors, []);
  return messages as unknown as Record<string, Mesg[]>;
}

async function syncAll(w: SyncWorld, u: SyncUser): Promise<void> {
  const job = await startSync(w, u, { sync_type: 'activities' });
  await drain(w);
  const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
  assert.equal(done.status, 'completed', done.error_message);
}

for (const { dialect, skip } of await dialects()) {
  describe(`decoded activities on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    let u: SyncUser;
    let get: ReturnType<typeof apiGet>;
    before(async () => {
      w = await startWorld(dialect, `activities-decode-${dialect}`);
      u = await linkedUser(w, { activities: ACTIVITIES, days: 0, workouts: 0, odd_activities: true }, 'decode');
      get = apiGet(w, u);
      await syncAll(w, u);
    });
    after(() => w?.close());

    test("every activity's detail and records equal the sim's truth and the SDK's decode of its file, value for value", async () => {
      const list = (await get('/v1/activities?limit=100')).activities;
      const truth = new Map(w.sim.truth(u.email).activities.map((t) => [t.activity_id, t]));
      assert.equal(list.length, ACTIVITIES + 2, 'the odd files are listed too');
      assert.deepEqual(
        list.map((a: { activity_id: string }) => truth.get(a.activity_id)?.odd).filter(Boolean).sort(),
        ['corrupt_tail', 'no_records'],
      );
      for (const a of list) {
        const t = truth.get(a.activity_id)!;
        const detail = await get(`/v1/activities/${a.activity_id}`);
        const { decode_error, ...summary } = a;
        assert.deepEqual({ ...detail, decode_error }, { ...detail, ...summary, decode_error });
        if (t.odd === 'corrupt_tail') {
          assert.equal(a.decode_error, 'the FIT file is damaged: its size or CRC check failed');
          assert.deepEqual([detail.record_count, detail.laps, detail.record_fields, detail.sport], [null, [], [], null]);
          const p = assertProblem(await call(w.s.app, 'GET', `/v1/activities/${a.activity_id}/records`, { token: u.token }), 422, 'decode_error');
          assert.match(p.detail, /could not be decoded: the FIT file is damaged/);
          continue;
        }
        assert.equal(a.decode_error, null);
        assert.equal(detail.sport, t.sport);
        assert.equal(detail.sub_sport, t.sub_sport);
        assert.equal(detail.laps.length, t.laps);
        assert.equal(detail.record_count, t.records);
        const m = await sdkDecode(w, a.fit_sha256);
        const id = m.fileIdMesgs![0]!;
        assert.deepEqual(detail.device, {
          manufacturer: id.manufacturer,
          product: id.garminProduct ?? String(id.product),
          serial_number: String(id.serialNumber),
          // The sim's files carry no device_info message (no software version).
          software_version: m.deviceInfoMesgs === undefined ? null : detail.device.software_version,
        });
        const laps = m.lapMesgs ?? [];
        assert.equal(laps.length, t.laps);
        for (const [index, l] of laps.entries()) {
          assert.deepEqual(detail.laps[index], {
            index,
            start_time: l.startTime.toISOString(),
            duration_s: l.totalTimerTime,
            distance_m: l.totalDistance,
            avg_hr: l.avgHeartRate ?? null,
            max_hr: l.maxHeartRate ?? null,
            avg_speed_mps: l.enhancedAvgSpeed ?? l.avgSpeed ?? null,
            max_speed_mps: l.enhancedMaxSpeed ?? l.maxSpeed ?? null,
            ascent_m: l.totalAscent ?? null,
            descent_m: l.totalDescent ?? null,
            calories: l.totalCalories ?? null,
          });
        }
        const want = (m.recordMesgs ?? []).map(expectedPoint);
        assert.deepEqual(
          detail.record_fields,
          RECORD_FIELDS.filter((_, j) => want.some((p) => p[j] !== null)),
        );
        const records = await get(`/v1/activities/${a.activity_id}/records`);
        assert.deepEqual(records.fields, [...RECORD_FIELDS]);
        assertSameValues(records.points, want, a.activity_id);
        const lat = RECORD_FIELDS.indexOf('lat');
        assert.equal(records.points.filter((p: (number | null)[]) => p[lat] !== null).length, t.records_with_position, 'records with position');
      }
    });

    test('?fields= picks and orders columns', async () => {
      // The account is new each run: its newest activity may be one of the odd files (no records to pick from).
      const a = (await get('/v1/activities?limit=100')).activities.find((x: { decode_error: string | null }) => x.decode_error === null);
      const all = await get(`/v1/activities/${a.activity_id}/records`);
      const some = await get(`/v1/activities/${a.activity_id}/records?fields=heart_rate,time,lat`);
      assert.deepEqual(some.fields, ['heart_rate', 'time', 'lat']);
      const col = (f: string) => RECORD_FIELDS.indexOf(f as (typeof RECORD_FIELDS)[number]);
      assertSameValues(
        some.points,
        all.points.map((p: (number | null)[]) => [p[col('heart_rate')]!, p[col('time')]!, p[col('lat')]!]),
        'projection',
      );
    });

    test('bad fields are 400 naming them; unknown or foreign activities 404', async () => {
      const a = (await get('/v1/activities?limit=1')).activities[0];
      const path = `/v1/activities/${a.activity_id}/records`;
      const unknown = assertProblem(await call(w.s.app, 'GET', `${path}?fields=time,pulse`, { token: u.token }), 400, 'validation_error');
      assert.match(unknown.detail, /unknown field "pulse"/);
      const twice = assertProblem(await call(w.s.app, 'GET', `${path}?fields=time,lat,time`, { token: u.token }), 400, 'validation_error');
      assert.match(twice.detail, /time is asked for twice/);
      assertProblem(await call(w.s.app, 'GET', `${path}?fields=`, { token: u.token }), 400, 'validation_error');
      assertProblem(await call(w.s.app, 'GET', '/v1/activities/123', { token: u.token }), 404, 'not_found');
      assertProblem(await call(w.s.app, 'GET', '/v1/activities/123/records', { token: u.token }), 404, 'not_found');
      assertProblem(await call(w.s.app, 'GET', '/v1/activities/abc', { token: u.token }), 400, 'validation_error');
      const other = await linkedUser(w, { activities: 0, days: 0, workouts: 0 }, 'other');
      assertProblem(await call(w.s.app, 'GET', `/v1/activities/${a.activity_id}`, { token: other.token }), 404, 'not_found');
      assertProblem(await call(w.s.app, 'GET', path, { token: other.token }), 404, 'not_found');
    });

    test('`fitsync-server rebuild` decodes stored files that have no decoded data, without one upstream call', async () => {
      const list: { activity_id: string; decode_error: string | null }[] = (await get('/v1/activities?limit=100')).activities;
      const n = list.length;
      // Detail and records as a user sees them (the corrupt file's records are a 422).
      const view = async (id: string) =>
        Promise.all([`/v1/activities/${id}`, `/v1/activities/${id}/records`].map(async (p) => {
          const r = await call(w.s.app, 'GET', p, { token: u.token });
          return [r.status, r.body];
        }));
      const before = new Map<string, unknown>();
      for (const a of list) before.set(a.activity_id, await view(a.activity_id));
      // As stored before decoding existed: no decoded rows; and one decoded by an older decoder.
      const [kept] = list.filter((a) => a.decode_error === null);
      await w.s.db.run('DELETE FROM activity_decoded WHERE user_id = ? AND activity_id <> ?', [u.userId, kept!.activity_id]);
      await w.s.db.run('UPDATE activity_decoded SET decoder_version = 0, laps_json = ? WHERE user_id = ?', ['[]', u.userId]);
      // Read through the API, an activity without a decoded row would be decoded on the spot: the table is looked at instead.
      const left = await w.s.db.all<{ activity_id: string; decoder_version: number | string }>(
        'SELECT activity_id, decoder_version FROM activity_decoded WHERE user_id = ?',
        [u.userId],
      );
      assert.deepEqual(
        left.map((r) => [r.activity_id, Number(r.decoder_version)]),
        [[kept!.activity_id, 0]],
      );
      // A decode by an older decoder is served as it is until the rebuild.
      assert.deepEqual((await get(`/v1/activities/${kept!.activity_id}`)).laps, []);
      const calls = w.sim.stats().total;
      let out = '';
      const stdout = new PassThrough().on('data', (c: Buffer) => {
        out += c.toString();
      });
      const env = { FITSYNC_LOG_LEVEL: 'silent', FITSYNC_DATABASE_URL: w.s.config.databaseUrl };
      const io = { stdin: Readable.from([]), stdout, stderr: new PassThrough(), env, stopSignal: () => new Promise<string>(() => {}) };
      assert.equal(await main(['rebuild', '--user', u.username, '--data-dir', w.s.dataDir], io), 0);
      assert.match(out, new RegExp(`; activities ${n} activities \\(${n - 1} new, 1 updated, 0 unchanged\\)\\n$`));
      for (const a of list) assert.deepEqual(await view(a.activity_id), before.get(a.activity_id));
      assert.equal(w.sim.stats().total, calls, 'rebuild called Garmin');
      out = '';
      assert.equal(await main(['rebuild', '--user', u.username, '--data-dir', w.s.dataDir], io), 0);
      assert.match(out, new RegExp(`; activities ${n} activities \\(0 new, 0 updated, ${n} unchanged\\)\\n$`));
    });
  });
}
