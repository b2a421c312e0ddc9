import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GearItem, PersonalRecord } from '@fitsync/api';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { apiGet, assertTruth, drain, linkedUser, routeCounts, startSync, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';

/** Upstream calls of gear and personal records, by route. */
function extrasCalls(w: SyncWorld): Record<string, number> {
  const all = routeCounts(w.sim.stats());
  return Object.fromEntries(Object.entries(all).filter(([route]) => /gear-service|personalrecord-service/.test(route)));
}
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
const byId = <T extends { gear_id: string } | { record_id: string }>(list: T[]): T[] =>
  [...list].sort((a, b) => {
    const ka = 'gear_id' in a ? a.gear_id : a.record_id;
    const kb = 'gear_id' in b ? b.gear_id : b.record_id;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });

async function sync(w: SyncWorld, u: SyncUser, body: Record<string, unknown> = { sync_type: 'activities' }) {
  const job = await startSync(w, u, body);
  await drain(w);
  return (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
}

async function served(w: SyncWorld, u: SyncUser): Promise<{ gear: GearItem[]; records: PersonalRecord[] }> {
  const get = apiGet(w, u);
  return { gear: (await get('/v1/gear')).gear, records: (await get('/v1/records')).records };
}

async function assertExtrasTruth(w: SyncWorld, u: SyncUser) {
  const truth = w.sim.truth(u.email);
  const got = await served(w, u);
  assert.deepEqual(byId(got.gear), byId(truth.gear));
  assert.deepEqual(byId(got.records), byId(truth.personal_records));
  return { truth, got };
}

// Gear and personal records ride along with the activities kind (sync/kinds/activity-extras.ts).
for (const { dialect, skip } of await dialects()) {
  describe(`gear and personal records sync on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    let u: SyncUser;
    before(async () => {
      w = await startWorld(dialect, `gear-sync-${dialect}`);
      // An account with retired gear (about half have some): its totals are never asked for.
      for (let k = 0; k < 30; k++) {
        u = await linkedUser(w, { activities: 40, days: 5, workouts: 0 }, `gear${k}`);
        if (w.sim.truth(u.email).gear.some((g) => g.status === 'retired')) break;
      }
    });
    after(() => w?.close());

    test('a first sync serves exactly the truth; totals asked for active gear only; Garmin answers kept whole', async () => {
      w.sim.resetStats();
      const done = await sync(w, u);
      assert.equal(done.status, 'completed', done.error_message);
      const { truth, got } = await assertExtrasTruth(w, u);
      assert.ok(truth.gear.length > 0 && truth.personal_records.length > 0, 'the account has gear and records');
      assert.ok(got.records.some((r) => r.activity_id === null), 'a record not tied to an activity (Garmin id 0) → null');
      const active = truth.gear.filter((g) => g.status === 'active');
      const calls = extrasCalls(w);
      const statsCalls = sum(Object.fromEntries(Object.entries(calls).filter(([r]) => r.includes('/stats/'))));
      assert.equal(statsCalls, active.length, JSON.stringify(calls));
      assert.equal(sum(calls), 2 + active.length, JSON.stringify(calls));
      const retired = got.gear.filter((x) => x.status === 'retired');
      assert.ok(retired.length > 0, 'the account has retired gear');
      for (const g of retired) {
        assert.equal(g.total_distance_m, null);
        assert.equal(g.total_activities, null);
      }
      const rows = await w.s.db.all<{ gear_id: string; raw_json: string; stats_json: string | null; status: string }>(
        'SELECT gear_id, raw_json, stats_json, status FROM gear WHERE user_id = ?',
        [u.userId],
      );
      for (const r of rows) {
        assert.equal(JSON.parse(r.raw_json).uuid, r.gear_id);
        assert.equal(r.stats_json === null, r.status !== 'active');
      }
      const prRaw = await w.s.db.all<{ record_id: string; raw_json: string }>('SELECT record_id, raw_json FROM personal_records WHERE user_id = ?', [
        u.userId,
      ]);
      for (const r of prRaw) assert.equal(String(JSON.parse(r.raw_json).id), r.record_id);
    });

    test('a no-op incremental sync makes no gear or record call and rewrites nothing', async () => {
      const before = await served(w, u);
      const stamp = await w.s.db.all('SELECT record_id, fetched_at FROM personal_records WHERE user_id = ? ORDER BY record_id', [u.userId]);
      w.sim.resetStats();
      const done = await sync(w, u, { sync_type: 'all' });
      assert.equal(done.status, 'completed', done.error_message);
      assert.deepEqual(extrasCalls(w), {});
      assert.deepEqual(await served(w, u), before);
      assert.deepEqual(
        await w.s.db.all('SELECT record_id, fetched_at FROM personal_records WHERE user_id = ? ORDER BY record_id', [u.userId]),
        stamp,
      );
    });

    test('new activities or a full sync fetch them again; the same answers serve the same lists', async () => {
      const before = await served(w, u);
      w.sim.resetStats();
      let done = await sync(w, u, { sync_type: 'activities', full: true });
      assert.equal(done.status, 'completed', done.error_message);
      assert.ok(sum(extrasCalls(w)) >= 2, JSON.stringify(extrasCalls(w)));
      assert.deepEqual(await served(w, u), before, 'a re-sync changes nothing');

      w.sim.addActivities(u.email, 3);
      w.sim.resetStats();
      done = await sync(w, u);
      assert.equal(done.status, 'completed', done.error_message);
      assert.equal(done.counts.activities.new, 3);
      assert.ok(sum(extrasCalls(w)) >= 2, JSON.stringify(extrasCalls(w)));
      await assertExtrasTruth(w, u);
    });

    test('a failing personal-record call fails the job but keeps its activities; the next (no-op) sync fetches them', async () => {
      w.sim.addActivities(u.email, 2);
      w.sim.setFaults([{ path_prefix: '/personalrecord-service/', kind: '500', rate: 1 }]);
      let done: { status: string; error_message: string | null; counts: { activities: { new: number } } };
      try {
        done = await sync(w, u);
      } finally {
        w.sim.setFaults([]);
      }
      assert.equal(done.status, 'failed');
      assert.match(done.error_message ?? '', /personal records/);
      assert.equal(done.counts.activities.new, 2, 'the activities were stored before the extras');
      const truth = w.sim.truth(u.email);
      const ids = (await apiGet(w, u)('/v1/activities?limit=1000')).activities.map((a: { activity_id: string }) => a.activity_id);
      assert.deepEqual(ids, truth.activities.map((a) => a.activity_id));

      w.sim.resetStats();
      done = await sync(w, u);
      assert.equal(done.status, 'completed', done.error_message ?? '');
      assert.equal(done.counts.activities.new, 0);
      assert.ok(sum(extrasCalls(w)) >= 2, 'retried although the pass stored nothing new');
      await assertExtrasTruth(w, u);
      await assertTruth(w, u);
    });

    test('another user sees only their own gear and records; unauthenticated is 401', async () => {
      const other = await linkedUser(w, { activities: 0, days: 0, workouts: 0 }, 'gear-other');
      assert.deepEqual(await served(w, other), { gear: [], records: [] });
      for (const path of ['/v1/gear', '/v1/records']) {
        const r = await call(w.s.app, 'GET', path);
        assert.equal(r.status, 401);
      }
    });
  });
}
