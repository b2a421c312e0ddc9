import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GearItem, PersonalRecord } from '@fitsync/api';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';

const shoe: GearItem = {
  gear_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  name: 'Trail shoes',
  type: 'shoes',
  make: 'Other',
  model: 'Unknown Shoes',
  status: 'active',
  date_begin: '2024-03-01',
  date_end: null,
  max_distance_m: 800000,
  total_distance_m: 123456.7,
  total_activities: 17,
};
const bike: GearItem = {
  ...shoe,
  gear_id: 'ffeeddccbbaa99887766554433221100',
  name: 'Old\u001b[31m bike',
  type: 'bike',
  status: 'retired',
  date_end: '2025-01-31',
  max_distance_m: null,
  total_distance_m: null,
  total_activities: null,
};
const record = (o: Partial<PersonalRecord>): PersonalRecord => ({
  record_id: '9000000020',
  type_id: 1,
  label: '1 km',
  value: 213.81399536132812,
  unit: 's',
  activity_id: '90000000021',
  activity_name: 'Morning Run',
  activity_type: 'running',
  time: '2024-07-30T23:25:26.000Z',
  ...o,
});
const records = [
  record({}),
  record({ record_id: '2', type_id: 7, label: 'longest run', unit: 'm', value: 21234.5 }),
  record({ record_id: '3', type_id: 12, label: 'most steps in a day', unit: 'steps', value: 31234, activity_id: null, activity_name: null, activity_type: null }),
  record({ record_id: '4', type_id: 99, label: null, unit: null, value: 2, time: null }),
];

describe('activities gear / records against a stub server', () => {
  const fixture = stubFixture();
  const run = async (path: string, body: unknown, argv: string[], times = 1) => {
    const plan = Array.from({ length: times }, () => ({ method: 'GET', path, reply: { status: 200, body } }));
    const { dir, stub } = await fixture.setup(plan, { signedIn: true });
    const out = [];
    for (let i = 0; i < times; i++) out.push(await runMain(i === 0 ? argv : [...argv, '-o', i === 1 ? 'json' : 'csv'], { configDir: dir, runtime: new DrivenRuntime() }));
    stub.verify();
    return out;
  };

  test('gear: table in km with blanks for retired totals, server text cleaned; json is the API answer; csv in metres', async () => {
    const [t, j, c] = await run('/v1/gear', { gear: [shoe, bike] }, ['activities', 'gear'], 3);
    assert.equal(t!.code, 0, t!.err);
    const lines = t!.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME +TYPE +STATUS +KM +ACTIVITIES +MAX KM +SINCE +ID$/);
    assert.match(lines[1]!, /^Trail shoes +shoes +active +123\.5 +17 +800\.0 +2024-03-01 +a1b2c3d4e5f60718293a4b5c6d7e8f90$/);
    assert.match(lines[2]!, /^Old bike +bike +retired +- +- +- +2024-03-01 +ffeedd/);
    assert.deepEqual(JSON.parse(j!.out), { gear: [shoe, bike] });
    assert.equal(
      c!.out.split('\n')[0],
      'gear_id,name,type,make,model,status,date_begin,date_end,max_distance_m,total_distance_m,total_activities',
    );
    assert.equal(c!.out.split('\n')[1], 'a1b2c3d4e5f60718293a4b5c6d7e8f90,Trail shoes,shoes,Other,Unknown Shoes,active,2024-03-01,,800000,123456.7,17');
  });

  test('records: times as m:ss, distances in km, steps; unknown types by number; json and csv raw', async () => {
    const [t, j, c] = await run('/v1/records', { records }, ['activities', 'records'], 3);
    assert.equal(t!.code, 0, t!.err);
    const lines = t!.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^RECORD +VALUE +SET +ACTIVITY +ACTIVITY ID$/);
    assert.match(lines[1]!, /^1 km +3:34 +2024-07-30 +running: Morning Run +90000000021$/);
    assert.match(lines[2]!, /^longest run +21\.23 km +2024-07-30 /);
    assert.match(lines[3]!, /^most steps in a day +31234 steps +2024-07-30 +- +-$/);
    assert.match(lines[4]!, /^type 99 +2 +- +running: Morning Run/);
    assert.deepEqual(JSON.parse(j!.out), { records });
    assert.equal(c!.out.split('\n')[0], 'record_id,type_id,label,value,unit,time,activity_id,activity_name,activity_type');
    assert.equal(c!.out.split('\n')[1], '9000000020,1,1 km,213.81399536132812,s,2024-07-30T23:25:26.000Z,90000000021,Morning Run,running');
  });

  test('nothing synced: an empty table and a hint on stderr (exit 0)', async () => {
    const [g] = await run('/v1/gear', { gear: [] }, ['activities', 'gear']);
    assert.equal(g!.code, 0);
    assert.equal(g!.out, 'NAME  TYPE  STATUS  KM  ACTIVITIES  MAX KM  SINCE  ID\n');
    assert.match(g!.err, /No gear synced/);
    const [r] = await run('/v1/records', { records: [] }, ['activities', 'records']);
    assert.match(r!.err, /No personal records synced/);
  });

  test('an answer breaking the contract: exit 6 with one line; an extra argument: exit 2', async () => {
    const [g] = await run('/v1/gear', { gear: [{ ...shoe, total_distance_m: 'far' }] }, ['activities', 'gear']);
    assert.equal(g!.code, 6);
    assert.equal(g!.err, 'the server sent an unexpected gear list answer\n');
    const [r] = await run('/v1/records', { records: [record({ type_id: 1.5 })] }, ['activities', 'records']);
    assert.equal(r!.code, 6);
    assert.equal(r!.err, 'the server sent an unexpected personal records answer\n');
    const { dir } = await fixture.setup([], { signedIn: true });
    const x = await runMain(['activities', 'records', 'extra'], { configDir: dir, runtime: new DrivenRuntime() });
    assert.equal(x.code, 2);
    assert.match(x.err, /unexpected argument "extra"/);
  });
});
