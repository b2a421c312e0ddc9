import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { crc32, inflateRawSync } from 'node:zlib';
import { systemRuntime } from '@fitsync/runtime';
import { Decoder, Stream } from '@garmin/fitsdk';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, http, readSingleEntryZip, signedInUsers, signIn } from './helpers.js';

interface ListItem {
  activityId: number;
  startTimeGMT: string;
  beginTimestamp: number;
  activityType: { typeKey: string };
  distance: number;
  duration: number;
  elapsedDuration: number;
  calories: number;
  averageHR: number;
  maxHR: number;
  lapCount: number;
}

/** The parts of the SDK's decoded messages the test reads (the SDK types them loosely). */
interface Decoded {
  fileIdMesgs: Array<{ type: string; manufacturer: string }>;
  recordMesgs: Array<{ positionLat?: number; heartRate?: number; distance?: number }>;
  lapMesgs: Array<{ totalDistance: number }>;
  sessionMesgs: Array<{
    totalDistance: number;
    totalTimerTime: number;
    totalElapsedTime: number;
    totalCalories: number;
    avgHeartRate: number;
    maxHeartRate: number;
    sport: string;
    startTime: Date;
  }>;
  activityMesgs: unknown[];
}

// Garmin type key → FIT sport name as the SDK decodes it.
const FIT_SPORT: Record<string, string> = {
  running: 'running',
  trail_running: 'running',
  cycling: 'cycling',
  road_biking: 'cycling',
  walking: 'walking',
  hiking: 'hiking',
  treadmill_running: 'running',
  indoor_cycling: 'cycling',
};

describe('FIT downloads', () => {
  let sim: RunningSim;
  let token: string;

  before(async () => {
    sim = await startSim({ seed: 'fit-test' });
    sim.createUser({ email: 'fit@example.com', password: 'pw', activities: 30, days: 60 });
    token = (await signIn(sim.url, 'fit@example.com', 'pw')).access_token;
  });
  after(() => sim.close());

  test('every served file unzips, passes the FIT SDK integrity check and matches its list summary', async () => {
    const list = await http(`${sim.url}/activitylist-service/activities/search/activities?start=0&limit=100`, {
      headers: bearer(token),
    });
    assert.equal(list.status, 200);
    // Ids are above 2^53: take them from the JSON text, not from JSON.parse.
    const ids = [...list.text.matchAll(/"activityId":(\d+)/g)].map((m) => m[1]!);
    const items = list.json<ListItem[]>();
    assert.equal(ids.length, 30);
    assert.equal(items.length, 30);
    const truth = sim.truth('fit@example.com');
    const shaById = new Map(truth.activities.map((a) => [a.activity_id, a.fit_sha256]));

    for (const [i, id] of ids.entries()) {
      const item = items[i]!;
      const res = await http(`${sim.url}/download-service/files/activity/${id}`, { headers: bearer(token) });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/x-zip-compressed');
      const entry = readSingleEntryZip(res.body);
      assert.equal(entry.name, `${id}_ACTIVITY.fit`);
      assert.equal(entry.centralName, entry.name);
      assert.equal(entry.method, 8);
      const fit = inflateRawSync(entry.compressed);
      assert.equal(fit.length, entry.size);
      assert.equal(crc32(fit), entry.crc, 'local header CRC-32');
      assert.equal(entry.centralCrc, entry.crc, 'central directory CRC-32');
      assert.equal(createHash('sha256').update(fit).digest('hex'), shaById.get(id), 'truth sha256');

      const decoder = new Decoder(Stream.fromBuffer(fit));
      assert.ok(decoder.isFIT(), 'isFIT');
      assert.ok(decoder.checkIntegrity(), 'checkIntegrity');
      const decoded = decoder.read();
      const errors = decoded.errors;
      const messages = decoded.messages as unknown as Decoded;
      assert.deepEqual(errors, []);
      assert.equal(messages.fileIdMesgs[0]!.type, 'activity');
      assert.equal(messages.fileIdMesgs[0]!.manufacturer, 'garmin');
      assert.ok(messages.recordMesgs.length >= 90, 'a few hundred records');
      const indoor = item.activityType.typeKey.startsWith('treadmill') || item.activityType.typeKey.startsWith('indoor');
      assert.equal(messages.activityMesgs.length, 1);
      const session = messages.sessionMesgs[0]!;
      assert.equal(messages.sessionMesgs.length, 1);
      assert.equal(session.totalDistance, item.distance);
      assert.equal(session.totalTimerTime, item.duration);
      assert.equal(session.totalElapsedTime, item.elapsedDuration);
      assert.equal(session.totalCalories, item.calories);
      assert.equal(session.avgHeartRate, item.averageHR);
      assert.equal(session.maxHeartRate, item.maxHR);
      assert.equal(session.sport, FIT_SPORT[item.activityType.typeKey]);
      assert.equal(session.startTime.getTime(), item.beginTimestamp);
      assert.equal(new Date(`${item.startTimeGMT.replace(' ', 'T')}Z`).getTime(), item.beginTimestamp);
      assert.equal(messages.lapMesgs.length, item.lapCount);
      const lapDistance = messages.lapMesgs.reduce((s, l) => s + l.totalDistance, 0);
      assert.ok(Math.abs(lapDistance - item.distance) < 0.01, 'laps add up to the session');
      const first = messages.recordMesgs[0]!;
      assert.equal(typeof first.positionLat, indoor ? 'undefined' : 'number');
      assert.equal(typeof first.heartRate, 'number');
      const last = messages.recordMesgs[messages.recordMesgs.length - 1]!;
      assert.equal(last.distance, item.distance);
    }
  });

  test('the same activity downloads as the same bytes; another seed gives other files', async () => {
    const id = sim.truth('fit@example.com').activities[3]!.activity_id;
    const a = await http(`${sim.url}/download-service/files/activity/${id}`, { headers: bearer(token) });
    const b = await http(`${sim.url}/download-service/files/activity/${id}`, { headers: bearer(token) });
    assert.deepEqual(a.body, b.body);

    const again = await startSim({ seed: 'fit-test', runtime: { ...systemRuntime, now: () => sim.state.users.get('fit@example.com')!.createdAtS * 1000 } });
    try {
      again.createUser({ email: 'fit@example.com', password: 'pw', activities: 30, days: 60 });
      assert.deepEqual(again.truth('fit@example.com'), sim.truth('fit@example.com'));
    } finally {
      await again.close();
    }
    const other = await startSim({ seed: 'other-seed' });
    try {
      other.createUser({ email: 'fit@example.com', password: 'pw', activities: 30, days: 60 });
      assert.notDeepEqual(other.truth('fit@example.com').activities, sim.truth('fit@example.com').activities);
    } finally {
      await other.close();
    }
  });

  test('unknown activity ids answer 404, other users cannot download', async () => {
    sim.createUser({ email: 'other@example.com', password: 'pw2', activities: 1 });
    const otherToken = (await signIn(sim.url, 'other@example.com', 'pw2')).access_token;
    const id = sim.truth('fit@example.com').activities[0]!.activity_id;
    const res = await http(`${sim.url}/download-service/files/activity/${id}`, { headers: bearer(otherToken) });
    assert.equal(res.status, 404);
    const none = await http(`${sim.url}/download-service/files/activity/123`, { headers: bearer(token) });
    assert.equal(none.status, 404);
  });
});

/** Decoded FIT messages as the realism checks read them. */
interface Rec {
  timestamp: Date;
  positionLat?: number;
  positionLong?: number;
  altitude?: number;
  heartRate?: number;
  cadence?: number;
  distance?: number;
  speed?: number;
  power?: number;
  temperature?: number;
}
interface LapMesg {
  startTime: Date;
  totalElapsedTime: number;
  totalTimerTime: number;
  totalDistance: number;
  totalCalories: number;
  maxHeartRate: number;
  maxPower?: number;
  startPositionLat?: number;
  lapTrigger: string;
}
interface Full {
  recordMesgs?: Rec[];
  lapMesgs?: LapMesg[];
  eventMesgs?: Array<{ timestamp: Date; event: string; eventType: string }>;
  deviceInfoMesgs?: Array<{ deviceIndex: string; softwareVersion: number; serialNumber: number }>;
  fileIdMesgs?: Array<{ serialNumber: number }>;
  sessionMesgs?: Array<{
    sport: string;
    subSport: string;
    totalElapsedTime: number;
    totalTimerTime: number;
    totalDistance: number;
    totalCalories: number;
    numLaps: number;
    startPositionLat?: number;
  }>;
}

function decode(fit: Buffer): { ok: boolean; errors: unknown[]; m: Full } {
  const decoder = new Decoder(Stream.fromBuffer(fit));
  const ok = decoder.checkIntegrity();
  const { messages, errors } = decoder.read();
  return { ok, errors, m: messages as unknown as Full };
}

async function downloadFit(base: string, token: string, id: string): Promise<Buffer> {
  const res = await http(`${base}/download-service/files/activity/${id}`, { headers: bearer(token) });
  assert.equal(res.status, 200);
  return inflateRawSync(readSingleEntryZip(res.body).compressed);
}

const LAP_M: Record<string, number> = { running: 1000, walking: 1000, hiking: 1000, cycling: 5000 };

describe('realistic activity files', () => {
  let sim: RunningSim;
  const accounts = ['ann@example.com', 'bob@example.com', 'cid@example.com'];
  let tokens: Map<string, string>;

  before(async () => {
    sim = await startSim({ seed: 'realism' });
    tokens = await signedInUsers(sim, accounts, { activities: 40, days: 90 });
  });
  after(() => sim.close());

  test('every sport decodes without errors; laps, records and positions equal the truth', async () => {
    const seen = new Set<string>();
    let records = 0;
    let files = 0;
    let paused = 0;
    for (const email of accounts) {
      for (const t of sim.truth(email).activities) {
        const what = `${email} ${t.activity_id} ${t.sport}/${t.sub_sport}`;
        const { ok, errors, m } = decode(await downloadFit(sim.url, tokens.get(email)!, t.activity_id));
        assert.ok(ok, `${what}: checkIntegrity`);
        assert.deepEqual(errors, [], what);
        assert.equal(t.odd, null, 'accounts without odd_activities have clean files only');
        seen.add(`${t.sport}/${t.sub_sport}`);
        files++;
        records += t.records;
        const recs = m.recordMesgs ?? [];
        const laps = m.lapMesgs ?? [];
        const session = m.sessionMesgs![0]!;
        assert.equal(recs.length, t.records, `${what}: records`);
        assert.equal(laps.length, t.laps, `${what}: laps`);
        assert.equal(session.numLaps, t.laps, `${what}: num_laps`);
        assert.equal(recs.filter((r) => r.positionLat !== undefined && r.positionLong !== undefined).length, t.records_with_position);
        assert.equal(session.sport, t.sport);
        assert.equal(session.subSport, t.sub_sport);
        // device_info next to file_id: the creator, with its software version and the same serial.
        const dev = m.deviceInfoMesgs![0]!;
        assert.equal(dev.deviceIndex, 'creator');
        assert.ok(dev.softwareVersion > 1, 'software version');
        assert.equal(dev.serialNumber, m.fileIdMesgs![0]!.serialNumber);
        // Every record has the realistic channels; power only on a bike.
        for (const r of recs.slice(1)) {
          for (const k of ['altitude', 'heartRate', 'cadence', 'distance', 'speed', 'temperature'] as const) {
            assert.equal(typeof r[k], 'number', `${what}: record ${k}`);
          }
          assert.equal(typeof r.power, t.sport === 'cycling' ? 'number' : 'undefined', `${what}: power`);
        }
        const cad = recs.slice(1).reduce((s, r) => s + r.cadence!, 0) / (recs.length - 1);
        // FIT cadence is per cycle: 40-95 strides a minute on foot, 70-100 rpm on a bike.
        assert.ok(cad > 40 && cad < 100, `${what}: mean cadence ${cad}`);
        if (t.indoor) {
          assert.equal(t.records_with_position, 0);
          assert.equal(session.startPositionLat, undefined, `${what}: indoor session without position`);
          assert.ok(laps.every((l) => l.startPositionLat === undefined));
        } else assert.equal(t.records_with_position, t.records);

        // Smart recording: 1-10 s between records, except across the pause.
        const stops = (m.eventMesgs ?? []).filter((e) => e.event === 'timer' && e.eventType === 'stopAll');
        const starts = (m.eventMesgs ?? []).filter((e) => e.event === 'timer' && e.eventType === 'start');
        const pauseS = Math.round(session.totalElapsedTime - session.totalTimerTime);
        assert.equal(t.paused, pauseS > 0, `${what}: paused iff timer < elapsed`);
        assert.equal(stops.length, t.paused ? 2 : 1);
        assert.equal(starts.length, t.paused ? 2 : 1);
        let gaps = 0;
        for (let i = 1; i < recs.length; i++) {
          const dt = (recs[i]!.timestamp.getTime() - recs[i - 1]!.timestamp.getTime()) / 1000;
          if (dt > 10) {
            gaps++;
            assert.ok(t.paused && dt - pauseS >= 1 && dt - pauseS <= 10, `${what}: a ${dt} s gap between records`);
            assert.equal(stops[0]!.timestamp.getTime(), recs[i - 1]!.timestamp.getTime(), 'timer stops at the last record before the gap');
            assert.equal(starts[1]!.timestamp.getTime(), recs[i]!.timestamp.getTime(), 'timer starts with the first record after it');
          } else assert.ok(dt >= 1, `${what}: records ${dt} s apart`);
        }
        assert.equal(gaps, t.paused ? 1 : 0);
        if (t.paused) paused++;

        // Laps: a new one each lapM metres (the first record reaching it), the last shorter; totals from the records.
        const lapM = LAP_M[t.sport]!;
        const byTime = new Map(recs.map((r) => [r.timestamp.getTime(), r]));
        let cum = 0;
        let timer = 0;
        let calories = 0;
        for (const [k, lap] of laps.entries()) {
          const last = k === laps.length - 1;
          cum += lap.totalDistance;
          timer += lap.totalTimerTime;
          calories += lap.totalCalories;
          const endMs = lap.startTime.getTime() + Math.floor(lap.totalElapsedTime) * 1000;
          const end = byTime.get(endMs);
          assert.ok(end, `${what}: a record ends lap ${k}`);
          assert.ok(Math.abs(end.distance! - cum) < 0.011, `${what}: lap ${k} distance adds up to the records`);
          assert.equal(lap.lapTrigger, last ? 'sessionEnd' : 'distance');
          if (!last) {
            assert.ok(cum >= (k + 1) * lapM, `${what}: lap ${k} ends at ${cum} m`);
            const before = recs[recs.indexOf(end) - 1]!;
            assert.ok(before.distance! < (k + 1) * lapM, `${what}: lap ${k} ends at the first record past ${(k + 1) * lapM} m`);
          } else assert.ok(lap.totalDistance < lapM + 100, `${what}: the last lap is the remainder`);
          const inLap = recs.filter((r) => {
            const ms = r.timestamp.getTime();
            return (k === 0 ? ms >= lap.startTime.getTime() : ms > lap.startTime.getTime()) && ms <= endMs;
          });
          assert.equal(lap.maxHeartRate, Math.max(...inLap.map((r) => r.heartRate!)), `${what}: lap ${k} max HR from its records`);
          if (t.sport === 'cycling') assert.equal(lap.maxPower, Math.max(...inLap.map((r) => r.power!)));
        }
        assert.ok(Math.abs(cum - session.totalDistance) < 0.011, 'laps add up to the session distance');
        assert.ok(Math.abs(timer - session.totalTimerTime) < 0.0011, 'lap timer times add up');
        assert.equal(calories, session.totalCalories, 'lap calories add up');
        assert.ok(Math.abs(recs.at(-1)!.distance! - session.totalDistance) < 0.011);
      }
    }
    assert.deepEqual(
      [...seen].sort(),
      ['cycling/generic', 'cycling/indoorCycling', 'cycling/road', 'hiking/generic', 'running/generic', 'running/trail', 'running/treadmill', 'walking/generic'],
      'every sport appears in the sample',
    );
    assert.ok(paused > 0 && paused < files, 'some activities are paused, not all');
    // Benchmarks sync thousands of these: the mean stays within 1.5x of the former ~250 records.
    assert.ok(records / files > 150 && records / files < 375, `mean records ${records / files}`);
  });

  test('the truth is the same on every call, over HTTP too', async () => {
    const a = sim.truth(accounts[0]!);
    assert.deepEqual(sim.truth(accounts[0]!), a);
    const res = await http(`${sim.url}/__sim/users/${encodeURIComponent(accounts[0]!)}/truth`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), JSON.parse(JSON.stringify(a)));
  });
});

describe('odd files (opt-in)', () => {
  let sim: RunningSim;
  let token: string;

  before(async () => {
    sim = await startSim({ seed: 'odd' });
  });
  after(() => sim.close());

  test('odd_activities adds one file without records and one with a corrupt tail, listed like the others', async () => {
    const bad = await http(`${sim.url}/__sim/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'odd@example.com', password: 'pw', odd_activities: 'yes' }),
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /odd_activities must be a boolean/);
    const made = await http(`${sim.url}/__sim/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'odd@example.com', password: 'pw', activities: 5, odd_activities: true }),
    });
    assert.equal(made.status, 201);
    assert.equal(made.json<{ activities: number; odd_activities: boolean }>().activities, 7);
    assert.equal(made.json<{ odd_activities: boolean }>().odd_activities, true);
    token = (await signIn(sim.url, 'odd@example.com', 'pw')).access_token;

    const truth = sim.truth('odd@example.com').activities;
    assert.deepEqual(truth.map((t) => t.odd).filter((o) => o !== null).sort(), ['corrupt_tail', 'no_records']);
    const list = await http(`${sim.url}/activitylist-service/activities/search/activities?start=0&limit=100`, { headers: bearer(token) });
    const ids = [...list.text.matchAll(/"activityId":(\d+)/g)].map((m) => m[1]!);
    assert.deepEqual(ids, truth.map((t) => t.activity_id), 'odd activities are in the list too');

    const empty = truth.find((t) => t.odd === 'no_records')!;
    const e = decode(await downloadFit(sim.url, token, empty.activity_id));
    assert.ok(e.ok, 'a file without records is still a valid FIT file');
    assert.deepEqual(e.errors, []);
    assert.equal(e.m.recordMesgs, undefined, 'no record messages');
    assert.equal(empty.records, 0);
    assert.equal(e.m.sessionMesgs!.length, 1);
    assert.equal(e.m.lapMesgs!.length, empty.laps);

    const cut = truth.find((t) => t.odd === 'corrupt_tail')!;
    const fit = await downloadFit(sim.url, token, cut.activity_id);
    assert.equal(createHash('sha256').update(fit).digest('hex'), cut.fit_sha256);
    const c = decode(fit);
    assert.equal(c.ok, false, 'the integrity check fails');
    assert.ok(c.errors.length > 0, 'the SDK reports an error');
    assert.ok((c.m.recordMesgs ?? []).length < cut.records, 'fewer records than were written');

    for (const t of truth.filter((x) => x.odd === null)) {
      const d = decode(await downloadFit(sim.url, token, t.activity_id));
      assert.ok(d.ok);
      assert.equal((d.m.recordMesgs ?? []).length, t.records);
    }
  });

  test('accounts without the option have no odd files', () => {
    sim.createUser({ email: 'plain@example.com', password: 'pw', activities: 30 });
    assert.ok(sim.truth('plain@example.com').activities.every((t) => t.odd === null));
  });
});
