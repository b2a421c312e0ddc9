import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { findGarminConnection } from '../src/repositories/garmin-connections.js';
import { findSyncJob } from '../src/repositories/sync-jobs.js';
import { getCursor } from '../src/repositories/sync-cursors.js';
import { TIME_ZONE_CHECKED_KEY } from '../src/sync/account-zone.js';
import { addDays } from '../src/sync/dates.js';
import { toSyncJob } from '../src/sync/job-view.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { apiGet, drain, insertScheduledJob, linkedUser, routeCounts, signInAgain, startWorld, type SyncUser, type SyncWorld } from './sync/harness.js';
import { assertHealthTruth } from './sync/health-truth.js';

const HOUR = 3_600_000;
/** 2026-06-10 00:00 UTC. */
const D0 = Date.UTC(2026, 5, 10);

/**
 * The edges of the day: the server's clock near UTC midnight, and near the account's own
 * midnight. `local` is the account's date at that instant (what "today" must be).
 */
const CASES = [
  { zone: 'Pacific/Honolulu', at: D0 + 23.5 * HOUR, local: '2026-06-10', what: 'UTC 23:30, local 13:30' },
  { zone: 'Pacific/Honolulu', at: D0 + 24.5 * HOUR, local: '2026-06-10', what: 'UTC 00:30 the next day, local 14:30' },
  { zone: 'Pacific/Honolulu', at: D0 + 33.5 * HOUR, local: '2026-06-10', what: 'local 23:30' },
  { zone: 'Pacific/Honolulu', at: D0 + 34.5 * HOUR, local: '2026-06-11', what: 'local 00:30' },
  { zone: 'Pacific/Fakaofo', at: D0 + 23.5 * HOUR, local: '2026-06-11', what: 'UTC 23:30, local 12:30 the next day' },
  { zone: 'Pacific/Fakaofo', at: D0 + 24.5 * HOUR, local: '2026-06-11', what: 'UTC 00:30, local 13:30' },
  { zone: 'Pacific/Tongatapu', at: D0 + 10.5 * HOUR, local: '2026-06-10', what: 'local 23:30' },
  { zone: 'Pacific/Tongatapu', at: D0 + 11.5 * HOUR, local: '2026-06-11', what: 'local 00:30' },
] as const;

async function healthSync(w: SyncWorld, u: SyncUser, body: Record<string, unknown>) {
  const res = await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await drain(w);
  const job = toSyncJob((await findSyncJob(w.s.db, res.body.job_id))!);
  assert.equal(job.status, 'completed', job.error_message ?? '');
  return job;
}

async function storedDays(w: SyncWorld, u: SyncUser): Promise<string[]> {
  return (await w.s.db.all<{ day: string }>('SELECT day FROM health_days WHERE user_id = ? ORDER BY day', [u.userId])).map((r) => r.day);
}

for (const { dialect, skip } of await dialects()) {
  describe(`health days in the Garmin account's time zone on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    const clock = new FakeRuntime({ now: D0 });
    before(async () => {
      w = await startWorld(dialect, `time-zones-${dialect}`, {}, { runtime: clock, simRuntime: clock });
    });
    after(() => w?.close());

    for (const c of CASES) {
      test(`${c.zone} at ${c.what}: exactly the account's days up to its today ${c.local}`, async () => {
        clock.set(c.at);
        const u = await linkedUser(w, { activities: 2, days: 4, workouts: 0, time_zone: c.zone }, 'tz');
        // Today so far: the account's local day, partial up to the clock.
        assert.deepEqual(w.sim.editHealth(u.email, { add_today: true }), [c.local]);
        const job = await healthSync(w, u, { sync_type: 'health' });
        const truth = w.sim.truth(u.email);
        assert.equal(truth.days[0], c.local, "the truth's newest day is the account's today");
        assert.deepEqual(await storedDays(w, u), [...truth.days].sort(), 'every local day with data, today included');
        await assertHealthTruth(apiGet(w, u), truth);
        // The health cursor is the last day read: the account's today, never a day it has not reached.
        assert.equal(await getCursor(w.s.db, u.userId, 'health'), c.local);
        assert.equal(job.counts.health.new + job.counts.health.unchanged, 366, 'a year of days up to local today');
        assert.equal((await findGarminConnection(w.s.db, u.userId))!.time_zone, c.zone, 'the zone is stored');
      });
    }

    test('windows are the account\'s dates: until may name its tomorrow, not the day after', async () => {
      clock.set(D0 + 24.5 * HOUR); // Honolulu: 2026-06-10 14:30; UTC: 2026-06-11
      const u = await linkedUser(w, { activities: 0, days: 4, workouts: 0, time_zone: 'Pacific/Honolulu' }, 'tzw');
      await healthSync(w, u, { sync_type: 'health' }); // learns the zone
      const tooLate = await call(w.s.app, 'POST', '/v1/sync/jobs', {
        token: u.token,
        body: { sync_type: 'health', since: '2026-06-09', until: '2026-06-12' },
      });
      assert.equal(tooLate.status, 400, JSON.stringify(tooLate.body));
      assert.equal(tooLate.body.detail, 'until must be between 2000-01-01 and 2026-06-11.');
      w.sim.editHealth(u.email, { add_today: true });
      w.sim.resetStats();
      const job = await healthSync(w, u, { sync_type: 'health', since: '2026-06-09', until: '2026-06-11' });
      // The window stops at the account's today (06-10): 06-09 and 06-10 read, 06-11 does not exist yet.
      assert.equal(job.counts.health.new + job.counts.health.updated + job.counts.health.unchanged, 2);
      assert.equal(routeCounts(w.sim.stats())['/usersummary-service/usersummary/daily/{displayName}'], 2);
      assert.equal((await storedDays(w, u)).at(-1), '2026-06-10');
    });

    test('the zone is asked once, then re-checked after a week; scheduled idle runs never ask', async () => {
      clock.set(D0 + 5 * HOUR);
      let u = await linkedUser(w, { activities: 1, days: 3, workouts: 0, time_zone: 'Pacific/Fakaofo' }, 'tzr');
      const zoneCalls = () => routeCounts(w.sim.stats())['/userprofile-service/userprofile/personal-information/{displayName}'] ?? 0;
      w.sim.resetStats();
      await healthSync(w, u, { sync_type: 'health' });
      assert.equal(zoneCalls(), 1);
      assert.equal(await getCursor(w.s.db, u.userId, TIME_ZONE_CHECKED_KEY), String(clock.now()));
      await clock.advance(HOUR);
      u = await signInAgain(w, u);
      w.sim.resetStats();
      await healthSync(w, u, { sync_type: 'health' });
      assert.equal(zoneCalls(), 0, 'a known zone is not asked again within a week');
      // Scheduled: the first run syncs (no marks yet), the next finds nothing changed and asks nothing.
      for (let i = 0; i < 2; i++) {
        await clock.advance(HOUR);
        const id = await insertScheduledJob(w, u, 'all');
        w.sim.resetStats();
        await drain(w);
        assert.equal(toSyncJob((await findSyncJob(w.s.db, id))!).status, 'completed');
      }
      assert.equal(zoneCalls(), 0);
      assert.ok(w.sim.stats().total <= 2);
      await clock.advance(7 * 24 * HOUR);
      u = await signInAgain(w, u);
      w.sim.resetStats();
      await healthSync(w, u, { sync_type: 'health' });
      assert.equal(zoneCalls(), 1, 'asked again after a week');
    });

    test('before the first job learns the zone, windows are bounded by the most generous zone (UTC+14)', async () => {
      clock.set(D0 + 12 * HOUR); // UTC+14: 2026-06-11 02:00, so its tomorrow is 06-12
      const u = await linkedUser(w, { activities: 0, days: 2, workouts: 0, time_zone: 'Pacific/Honolulu' }, 'tzu');
      const body = (until: string) => ({ sync_type: 'health', until });
      assert.equal((await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body: body(addDays('2026-06-10', 3)) })).status, 400);
      const job = await healthSync(w, u, body(addDays('2026-06-10', 2)));
      // The job itself stops at the account's today (Honolulu 2026-06-10 02:00): a year of days up to it.
      assert.deepEqual(await storedDays(w, u), [...w.sim.truth(u.email).days].sort());
      const c = job.counts.health;
      assert.equal(c.new + c.updated + c.unchanged, 366);
    });
  });
}

for (const { dialect, skip } of await dialects()) {
  describe(`without a zone from Garmin on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    // One attempt per call: a retry would wait on the fake clock.
    const clock = new FakeRuntime({ now: D0 + 30 * HOUR }); // UTC 2026-06-11 06:00, Honolulu 2026-06-10 20:00
    before(async () => {
      w = await startWorld(dialect, `time-zones-fallback-${dialect}`, { FITSYNC_GARMIN_RETRY_ATTEMPTS: '1' }, { runtime: clock, simRuntime: clock });
    });
    after(() => w?.close());

    test("days follow the newest activity's offset; the job does not fail and no zone is stored", async () => {
      const u = await linkedUser(w, { activities: 3, days: 3, workouts: 0, time_zone: 'Pacific/Honolulu' }, 'tzf');
      w.sim.setFaults([{ path_prefix: '/userprofile-service/userprofile/personal-information', kind: '500', rate: 1 }]);
      try {
        const [today] = w.sim.editHealth(u.email, { add_today: true });
        assert.equal(today, '2026-06-10');
        await healthSync(w, u, { sync_type: 'health' });
        assert.equal((await findGarminConnection(w.s.db, u.userId))!.time_zone, null);
        // UTC−10 from the activities: the cursor is the account's today, not the UTC date.
        assert.equal(await getCursor(w.s.db, u.userId, 'health'), today);
        assert.deepEqual(await storedDays(w, u), [...w.sim.truth(u.email).days].sort());
        // Asked once this week: the next job goes straight to the fallback (the newest activity).
        w.sim.resetStats();
        await healthSync(w, u, { sync_type: 'health' });
        const routes = routeCounts(w.sim.stats());
        assert.equal(routes['/userprofile-service/userprofile/personal-information/{displayName}'], undefined);
        assert.equal(await getCursor(w.s.db, u.userId, 'health'), today);
      } finally {
        w.sim.setFaults([]);
      }
    });
  });
}
