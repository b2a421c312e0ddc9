import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { crc32, inflateRawSync } from 'node:zlib';
import { systemRuntime } from '@fitsync/runtime';
import { Decoder, Stream } from '@garmin/fitsdk';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, http, readSingleEntryZip, signIn } from './helpers.js';

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
