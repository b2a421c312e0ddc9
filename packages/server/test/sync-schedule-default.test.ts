import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { linkedUser, startWorld, type SyncWorld } from './sync/harness.js';

describe('schedule settings', () => {
  const load = (env: Record<string, string>) => loadConfig({}, env).schedule;
  test('defaults: minimum 15m, new links every 6h', () => {
    assert.deepEqual(load({}), { minIntervalS: 900, defaultEveryS: 21_600 });
  });
  test('DURATION values and `off`', () => {
    assert.deepEqual(load({ FITSYNC_SCHEDULE_MIN_INTERVAL: '30s', FITSYNC_DEFAULT_SYNC_EVERY: '1d' }), { minIntervalS: 30, defaultEveryS: 86_400 });
    assert.deepEqual(load({ FITSYNC_DEFAULT_SYNC_EVERY: 'off' }), { minIntervalS: 900, defaultEveryS: null });
  });
  test('bad values name the variable', () => {
    for (const [name, value] of [
      ['FITSYNC_SCHEDULE_MIN_INTERVAL', '15'],
      ['FITSYNC_SCHEDULE_MIN_INTERVAL', '0m'],
      ['FITSYNC_DEFAULT_SYNC_EVERY', '1.5h'],
      ['FITSYNC_DEFAULT_SYNC_EVERY', '6 hours'],
    ] as const) {
      assert.throws(() => load({ [name]: value }), (e: unknown) => e instanceof ConfigError && e.message.startsWith(name), `${name}=${value}`);
    }
    assert.throws(() => load({ FITSYNC_DEFAULT_SYNC_EVERY: '5m' }), /must not be shorter than FITSYNC_SCHEDULE_MIN_INTERVAL \(15m\)/);
  });
});

for (const { dialect, skip } of await dialects()) {
  describe(`default schedule of a new Garmin link on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    let off: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `sched-default-${dialect}`, { FITSYNC_DEFAULT_SYNC_EVERY: '2h' });
      off = await startWorld(dialect, `sched-default-off-${dialect}`, { FITSYNC_DEFAULT_SYNC_EVERY: 'off' });
    });
    after(async () => {
      await w?.close();
      await off?.close();
    });

    test('linking sets FITSYNC_DEFAULT_SYNC_EVERY; a user who turned it off stays off when linking again', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 }, 'deflt');
      const get = () => call(w.s.app, 'GET', '/v1/sync/schedule', { token: u.token });
      const s = (await get()).body;
      assert.equal(s.every_s, 7200);
      assert.equal(s.sync_type, 'all');
      assert.equal(s.enabled, true);
      assert.ok(Date.parse(s.next_run_at) >= Date.now() + 7200_000 - 60_000);

      assert.equal((await call(w.s.app, 'DELETE', '/v1/sync/schedule', { token: u.token })).status, 204);
      assert.equal((await call(w.s.app, 'DELETE', '/v1/garmin/connection', { token: u.token })).status, 204);
      const again = await call(w.s.app, 'PUT', '/v1/garmin/connection', { token: u.token, body: { email: u.email, password: 'garmin-pw' } });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      const after = (await get()).body;
      assert.equal(after.enabled, false);
      assert.equal(after.every_s, 7200);
    });

    test('FITSYNC_DEFAULT_SYNC_EVERY=off: linking adds no schedule', async () => {
      const u = await linkedUser(off, { activities: 1, days: 1, workouts: 0 }, 'nodef');
      const s = (await call(off.s.app, 'GET', '/v1/sync/schedule', { token: u.token })).body;
      assert.equal(s.every_s, null);
      assert.equal(s.enabled, false);
    });
  });
}
