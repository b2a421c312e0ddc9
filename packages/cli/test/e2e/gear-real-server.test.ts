import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunningSim } from '@fitsync/garmin-sim';
import { type RealServer, runCli, tempDir } from '../helpers/real-server.js';
import { simServerFixture } from '../helpers/sim-server-fixture.js';

// Black-box: the built CLI lists gear and personal records synced by the real server from garmin-sim.
describe('activities gear / records against the real server and garmin-sim', () => {
  let sim: RunningSim;
  let server: RealServer;
  const { dirs } = simServerFixture('cli-gear-e2e', { FITSYNC_GARMIN_RPS: '0', FITSYNC_GARMIN_DEPLOYMENT_RPS: '0' }, (s, srv) => {
    sim = s;
    server = srv;
  });

  test('after a sync, gear and records equal the sim truth in json; the tables show a row each', async () => {
    const name = 'gearcli';
    await server.addUser(name, `fitsync-${name}-pw`);
    const dir = tempDir();
    dirs.push(dir);
    const cli = (args: string[], o: { input?: string } = {}) => runCli(args, { configDir: dir, ...o });
    assert.equal((await cli(['auth', 'login', '--server', server.url, '--username', name, '--password-stdin'], { input: `fitsync-${name}-pw\n` })).code, 0);
    const email = `${name}@example.com`;
    sim.createUser({ email, password: 'garmin-pw', mfa: null, activities: 15, days: 0, workouts: 0 });
    assert.equal((await cli(['garmin', 'connect', '--email', email, '--password-stdin'], { input: 'garmin-pw\n' })).code, 0);

    const before = await cli(['activities', 'gear']);
    assert.equal(before.code, 0, before.err);
    assert.match(before.err, /No gear synced/);

    const sync = await cli(['sync', 'start', '--type', 'activities', '--wait']);
    assert.equal(sync.code, 0, sync.err);
    const truth = sim.truth(email);

    const gear = await cli(['activities', 'gear', '-o', 'json']);
    assert.equal(gear.code, 0, gear.err);
    assert.deepEqual(JSON.parse(gear.out), { gear: truth.gear });
    const records = await cli(['activities', 'records', '-o', 'json']);
    assert.equal(records.code, 0, records.err);
    assert.deepEqual(JSON.parse(records.out), { records: truth.personal_records });

    const table = await cli(['activities', 'gear']);
    assert.equal(table.out.trimEnd().split('\n').length, 1 + truth.gear.length);
    for (const g of truth.gear) assert.ok(table.out.includes(g.gear_id), g.gear_id);
    const rtable = await cli(['activities', 'records']);
    assert.equal(rtable.out.trimEnd().split('\n').length, 1 + truth.personal_records.length);
    assert.match(rtable.out, /^RECORD +VALUE +SET +ACTIVITY +ACTIVITY ID\n/);
    const csv = await cli(['activities', 'records', '-o', 'csv']);
    assert.equal(csv.out.trimEnd().split('\n').length, 1 + truth.personal_records.length);
  });
});
