import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import type { GearItem, PersonalRecord } from '@fitsync/api';
import { PR_TYPES } from '@fitsync/garmin';
import { Decoder, Stream } from '@garmin/fitsdk';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, http, readSingleEntryZip, signedInUsers } from './helpers.js';

interface FilterGearItem {
  gearPk: number;
  uuid: string;
  userProfilePk: number;
  gearTypeName: string;
  gearStatusName: string;
  displayName: string | null;
  customMakeModel: string | null;
  gearMakeName: string;
  gearModelName: string;
  dateBegin: string;
  dateEnd: string | null;
  maximumMeters: number | null;
}

// The keys of the recorded answer (garmin-endpoints.md "Personal records", fixture notebook-personal-records).
const PR_KEYS = [
  'id', 'typeId', 'status', 'activityId', 'activityName', 'activityType', 'activityStartDateTimeInGMT',
  'actStartDateTimeInGMTFormatted', 'activityStartDateTimeLocal', 'activityStartDateTimeLocalFormatted', 'value',
  'prStartTimeGmt', 'prStartTimeGmtFormatted', 'prStartTimeLocal', 'prStartTimeLocalFormatted', 'prTypeLabelKey',
  'poolLengthUnit',
];

describe('gear and personal records', () => {
  let sim: RunningSim;
  const emails = ['g1@example.com', 'g2@example.com', 'g3@example.com', 'g4@example.com', 'g5@example.com', 'g6@example.com'];
  let tokens: Map<string, string>;
  const get = (email: string, path: string) => http(`${sim.url}${path}`, { headers: bearer(tokens.get(email)!) });

  before(async () => {
    sim = await startSim({ seed: 'gear' });
    tokens = await signedInUsers(sim, emails, { activities: 25, days: 60 });
  });
  after(() => sim.close());

  test('filterGear lists 1-3 shoes and 0-2 bikes in Garmin\'s shape; the truth is what the API will answer', async () => {
    let retired = 0;
    let bikes = 0;
    for (const email of emails) {
      const u = sim.state.user(email)!;
      const res = await get(email, `/gear-service/gear/filterGear?userProfilePk=${u.profileId}`);
      assert.equal(res.status, 200);
      const items = res.json<FilterGearItem[]>();
      const shoes = items.filter((g) => g.gearTypeName === 'Shoes').length;
      const bike = items.filter((g) => g.gearTypeName === 'Bike').length;
      assert.ok(shoes >= 1 && shoes <= 3, `${shoes} shoes`);
      assert.ok(bike >= 0 && bike <= 2, `${bike} bikes`);
      assert.equal(shoes + bike, items.length);
      bikes += bike;
      assert.ok(items.filter((g) => g.gearStatusName === 'retired').length <= 1);
      const truth: GearItem[] = sim.truth(email).gear;
      assert.equal(truth.length, items.length);
      for (const [i, g] of items.entries()) {
        assert.equal(g.userProfilePk, u.profileId);
        assert.match(g.uuid, /^[0-9a-f]{32}$/);
        assert.match(g.dateBegin, /^\d{4}-\d{2}-\d{2}T00:00:00\.0$/);
        const t = truth[i]!;
        assert.equal(t.gear_id, g.uuid);
        assert.equal(t.name, g.displayName ?? g.customMakeModel ?? `${g.gearMakeName} ${g.gearModelName}`);
        assert.equal(t.type, g.gearTypeName.toLowerCase());
        assert.equal(t.status, g.gearStatusName);
        assert.equal(t.date_begin, g.dateBegin.slice(0, 10));
        assert.equal(t.date_end, g.dateEnd === null ? null : g.dateEnd.slice(0, 10));
        assert.equal(t.max_distance_m, g.maximumMeters);
        const stats = await get(email, `/gear-service/gear/stats/${g.uuid}`);
        if (g.gearStatusName === 'retired') {
          retired++;
          assert.equal(stats.status, 404, 'retired gear has no stats');
          assert.equal(t.total_distance_m, null);
          assert.equal(t.total_activities, null);
          assert.ok(g.dateEnd !== null);
        } else {
          assert.equal(stats.status, 200);
          const s = stats.json<{ uuid: string; totalDistance: number; totalActivities: number }>();
          assert.equal(s.uuid, g.uuid);
          assert.equal(t.total_distance_m, s.totalDistance);
          assert.equal(t.total_activities, s.totalActivities);
        }
      }
    }
    assert.ok(retired > 0, 'some account has retired gear');
    assert.ok(bikes > 0, 'some account has a bike');
  });

  test('gear stats add up the activities that used the gear (filterGear?activityId=)', async () => {
    const email = emails[0]!;
    const sums = new Map<string, { m: number; n: number }>();
    const list = await get(email, '/activitylist-service/activities/search/activities?start=0&limit=100');
    const ids = [...list.text.matchAll(/"activityId":(\d+)/g)].map((m) => m[1]!);
    const items = list.json<Array<{ distance: number; activityType: { typeKey: string } }>>();
    for (const [i, id] of ids.entries()) {
      const res = await get(email, `/gear-service/gear/filterGear?activityId=${id}`);
      assert.equal(res.status, 200);
      const used = res.json<FilterGearItem[]>();
      assert.ok(used.length <= 1);
      if (used.length === 0) continue;
      const kind = items[i]!.activityType.typeKey.includes('cycl') || items[i]!.activityType.typeKey.includes('bik') ? 'Bike' : 'Shoes';
      assert.equal(used[0]!.gearTypeName, kind, 'shoes on foot, a bike on a bike');
      const s = sums.get(used[0]!.uuid) ?? { m: 0, n: 0 };
      s.m += Math.round(items[i]!.distance * 100);
      s.n++;
      sums.set(used[0]!.uuid, s);
    }
    assert.ok(sums.size > 0);
    for (const g of sim.truth(email).gear.filter((x) => x.status === 'active')) {
      const s = sums.get(g.gear_id) ?? { m: 0, n: 0 };
      assert.equal(g.total_activities, s.n);
      assert.equal(g.total_distance_m, s.m / 100);
    }
  });

  test('gear routes validate: missing or bad profile 400, another profile 403, unknown gear 404', async () => {
    const email = emails[0]!;
    const other = sim.state.user(emails[1]!)!;
    assert.equal((await get(email, '/gear-service/gear/filterGear')).status, 400);
    assert.equal((await get(email, '/gear-service/gear/filterGear?userProfilePk=abc')).status, 400);
    assert.equal((await get(email, `/gear-service/gear/filterGear?userProfilePk=${other.profileId}`)).status, 403);
    assert.equal((await get(email, '/gear-service/gear/filterGear?activityId=123')).status, 404);
    assert.equal((await get(email, `/gear-service/gear/stats/${'0'.repeat(32)}`)).status, 404);
    const othersGear = sim.truth(emails[1]!).gear.find((g) => g.status === 'active')!;
    assert.equal((await get(email, `/gear-service/gear/stats/${othersGear.gear_id}`)).status, 404, "another user's gear");
    const noAuth = await http(`${sim.url}/gear-service/gear/filterGear?userProfilePk=1`);
    assert.equal(noAuth.status, 401);
  });

  test('personal records: the recorded shape, values from the activities, labels from PR_TYPES', async () => {
    const keys = [...PR_KEYS].sort();
    for (const email of emails) {
      const u = sim.state.user(email)!;
      const res = await get(email, `/personalrecord-service/personalrecord/prs/${u.displayName}`);
      assert.equal(res.status, 200);
      const list = res.json<Array<Record<string, unknown>>>();
      // Ids above 2^53: read them from the text.
      const activityIds = [...res.text.matchAll(/"activityId":(\d+)/g)].map((m) => m[1]!);
      const truth: PersonalRecord[] = sim.truth(email).personal_records;
      assert.equal(list.length, truth.length);
      assert.ok(list.length >= 3, 'records for runs, rides or steps');
      const known = new Set(sim.truth(email).activities.map((a) => a.activity_id));
      for (const [i, pr] of list.entries()) {
        assert.deepEqual(Object.keys(pr).sort(), keys);
        const t = truth[i]!;
        assert.equal(t.type_id, pr.typeId);
        assert.equal(t.record_id, String(pr.id));
        assert.equal(t.value, pr.value);
        assert.equal(t.value, Math.fround(t.value!), '32-bit float values like Garmin');
        assert.equal(t.label, PR_TYPES[t.type_id]!.label);
        assert.equal(t.unit, PR_TYPES[t.type_id]!.unit);
        assert.equal(t.time, new Date(pr.prStartTimeGmt as number).toISOString());
        assert.equal(pr.status, 'ACCEPTED');
        if (activityIds[i] === '0') {
          assert.equal(t.activity_id, null);
          assert.equal(t.type_id, 12, 'the steps record is not tied to an activity');
        } else {
          assert.equal(t.activity_id, activityIds[i]);
          assert.ok(known.has(activityIds[i]!), 'records point at the account\'s activities');
          assert.equal(t.activity_type, pr.activityType);
          assert.equal(t.activity_name, pr.activityName);
        }
      }
      assert.deepEqual(truth.map((t) => t.type_id), [...truth.map((t) => t.type_id)].sort((a, b) => a - b));
    }
  });

  test('the 1 km record is the fastest full auto lap of a run, read from the FIT files', async () => {
    const email = emails.find((e) => sim.truth(e).personal_records.some((p) => p.type_id === 1))!;
    let best = Number.POSITIVE_INFINITY;
    for (const a of sim.truth(email).activities.filter((x) => x.sport === 'running')) {
      const res = await get(email, `/download-service/files/activity/${a.activity_id}`);
      const fit = inflateRawSync(readSingleEntryZip(res.body).compressed);
      const laps = (new Decoder(Stream.fromBuffer(fit)).read().messages.lapMesgs ?? []) as Array<{ totalDistance: number; totalTimerTime: number }>;
      for (const l of laps) if (l.totalDistance >= 1000) best = Math.min(best, (l.totalTimerTime * 1000) / l.totalDistance);
    }
    const pr = sim.truth(email).personal_records.find((p) => p.type_id === 1)!;
    assert.ok(Math.abs(pr.value! - best) < 0.001, `${pr.value} vs ${best}`);
    const longest = sim.truth(email).personal_records.find((p) => p.type_id === 7)!;
    assert.equal(longest.unit, 'm');
  });

  test('another display name answers 403 like the other display-name routes; the routes are counted', async () => {
    const email = emails[0]!;
    sim.resetStats();
    const res = await get(email, '/personalrecord-service/personalrecord/prs/somebody-else');
    assert.equal(res.status, 403);
    const u = sim.state.user(email)!;
    await get(email, `/gear-service/gear/filterGear?userProfilePk=${u.profileId}`);
    await get(email, `/gear-service/gear/stats/${sim.truth(email).gear[0]!.gear_id}`);
    const byRoute = sim.stats().by_route;
    assert.deepEqual(byRoute['/personalrecord-service/personalrecord/prs/{displayName}'], { '403': 1 });
    assert.deepEqual(byRoute['/gear-service/gear/filterGear'], { '200': 1 });
    assert.equal(Object.keys(byRoute['/gear-service/gear/stats/{uuid}']!).length, 1);
  });
});
