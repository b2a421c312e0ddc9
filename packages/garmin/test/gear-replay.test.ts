/**
 * Personal records (recorded answer) and gear (unrecorded: the fields garmin-endpoints.md lists)
 * through the client's parsers; malformed answers are typed errors; retired gear's 404 is null.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Interaction } from './helpers/fixtures.js';
import { recordedSteps, replayApi, withReplay } from './helpers/replay-api.js';
import { type ReplayServer, startReplay } from './helpers/replay-server.js';

const API = 'https://connectapi.garmin.com';

const answer = (path: string, body: unknown, status = 200): Interaction => ({
  request: { method: 'GET', url: `${API}${path}`, headers: {}, body: null },
  response: { status, headers: { 'content-type': 'application/json' }, body },
});

/** A filterGear item with the fields consumers read (garmin-endpoints.md, "Gear"). */
const shoe = {
  gearPk: 9000001,
  uuid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  userProfilePk: 12345678,
  gearTypeName: 'Shoes',
  gearStatusName: 'active',
  displayName: 'Trail shoes',
  customMakeModel: null,
  gearMakeName: 'Other',
  gearModelName: 'Unknown Shoes',
  dateBegin: '2024-03-01T00:00:00.0',
  dateEnd: null,
  maximumMeters: 800000.0,
  notified: false,
  gearVersion: 2,
  createDate: '2024-03-01T10:00:00.0',
  updateDate: '2024-06-01T10:00:00.0',
};
const retiredBike = {
  ...shoe,
  gearPk: 9000002,
  uuid: 'ffeeddccbbaa99887766554433221100',
  gearTypeName: 'BIKE',
  gearStatusName: 'retired',
  displayName: null,
  dateEnd: '2025-01-31T00:00:00.0',
  maximumMeters: null,
};

describe('personal records (recorded answer)', () => {
  test('the notebook recording parses, with ids exact and times as epoch ms', async () => {
    const prs = await withReplay(recordedSteps('notebook-personal-records'), (api) => api.getPersonalRecords('testuser'));
    assert.equal(prs.length, 2);
    const [km, mile] = prs as [(typeof prs)[0], (typeof prs)[0]];
    assert.equal(km.id, '9000000020');
    assert.equal(km.typeId, 1);
    assert.equal(km.status, 'ACCEPTED');
    assert.equal(km.activityId, '90000000021');
    assert.equal(km.activityType, 'running');
    assert.equal(km.value, 213.81399536132812);
    assert.equal(km.prStartTimeGmt, Date.parse('2024-07-30T23:25:26Z'));
    assert.equal(mile.typeId, 2);
    assert.equal(mile.raw.prStartTimeGmtFormatted, '2024-07-30T23:18:47.0');
  });

  test('activityId 0 (a record not tied to an activity) → null; 204 → no records', async () => {
    const body = [{ id: 9000000030, typeId: 16, activityId: 0, value: 2.0, prStartTimeGmt: null }];
    const prs = await withReplay(
      [answer('/personalrecord-service/personalrecord/prs/test%20user', body), answer('/personalrecord-service/personalrecord/prs/x', null, 204)],
      async (api) => [await api.getPersonalRecords('test user'), await api.getPersonalRecords('x')],
    );
    assert.equal(prs[0]![0]!.activityId, null);
    assert.equal(prs[0]![0]!.prStartTimeGmt, null);
    assert.deepEqual(prs[1], []);
  });
});

describe('gear', () => {
  test('filterGear asks with the profile number; items parse with dates as days', async () => {
    const gear = await withReplay([answer('/gear-service/gear/filterGear?userProfilePk=12345678', [shoe, retiredBike])], (api) =>
      api.getGear('12345678'),
    );
    assert.equal(gear.length, 2);
    assert.equal(gear[0]!.uuid, shoe.uuid);
    assert.equal(gear[0]!.gearPk, '9000001');
    assert.equal(gear[0]!.dateBegin, '2024-03-01');
    assert.equal(gear[0]!.dateEnd, null);
    assert.equal(gear[0]!.maximumMeters, 800000);
    assert.equal(gear[1]!.gearStatusName, 'retired');
    assert.equal(gear[1]!.dateEnd, '2025-01-31');
    assert.equal(gear[1]!.raw.gearVersion, 2);
  });

  test('stats of active gear; 404 (retired gear) → null', async () => {
    const stats = { uuid: shoe.uuid, totalDistance: 123456.7, totalActivities: 17, processsing: false };
    const [a, r] = await withReplay(
      [answer(`/gear-service/gear/stats/${shoe.uuid}`, stats), answer(`/gear-service/gear/stats/${retiredBike.uuid}`, { message: 'no' }, 404)],
      async (api) => [await api.getGearStats(shoe.uuid), await api.getGearStats(retiredBike.uuid)],
    );
    assert.equal(a!.totalDistance, 123456.7);
    assert.equal(a!.totalActivities, 17);
    assert.equal(r, null);
  });
});

describe('malformed gear and record answers are typed errors', () => {
  let replay: ReplayServer;
  before(async () => {
    replay = await startReplay([]);
  });
  after(() => replay.close());
  const api = () => replayApi(replay.url);

  const cases: [string, string, unknown, (a: ReturnType<typeof api>) => Promise<unknown>, RegExp][] = [
    ['records not a list', '/personalrecord-service/personalrecord/prs/u', { a: 1 }, (a) => a.getPersonalRecords('u'), /expected a JSON array/],
    ['record without typeId', '/personalrecord-service/personalrecord/prs/u', [{ id: 1 }], (a) => a.getPersonalRecords('u'), /typeId/],
    ['record value a string', '/personalrecord-service/personalrecord/prs/u', [{ id: 1, typeId: 1, value: 'fast' }], (a) => a.getPersonalRecords('u'), /value/],
    ['gear without uuid', '/gear-service/gear/filterGear?userProfilePk=1', [{ ...shoe, uuid: null }], (a) => a.getGear('1'), /no uuid/],
    ['gear uuid with a slash', '/gear-service/gear/filterGear?userProfilePk=1', [{ ...shoe, uuid: '../x' }], (a) => a.getGear('1'), /uuid/],
    ['gear date not a date', '/gear-service/gear/filterGear?userProfilePk=1', [{ ...shoe, dateBegin: 'March' }], (a) => a.getGear('1'), /dateBegin/],
    ['stats distance a string', '/gear-service/gear/stats/abc', { totalDistance: 'far' }, (a) => a.getGearStats('abc'), /totalDistance/],
    ['stats empty (204)', '/gear-service/gear/stats/abc', null, (a) => a.getGearStats('abc'), /empty answer/],
  ];
  for (const [name, path, body, call, message] of cases) {
    test(name, async () => {
      replay.plan([answer(path, body, body === null ? 204 : 200)]);
      await assert.rejects(call(api()), { code: 'unexpected_answer', message });
      replay.assertDone();
    });
  }

  test('bad input is refused before any request', async () => {
    await assert.rejects(api().getGear('12a'), { code: 'invalid_input' });
    await assert.rejects(api().getGearStats('../../x'), { code: 'invalid_input' });
    await assert.rejects(api().getPersonalRecords(''), { code: 'invalid_input' });
    assert.equal(replay.failures.length, 0);
  });
});
