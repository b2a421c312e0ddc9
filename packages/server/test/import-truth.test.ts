import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { insertImportJob } from './helpers/import-jobs.js';
import { apiGet, assertTruth, drain, linkedUser, startSync, startWorld, stored, type SyncWorld } from './sync/harness.js';

const DOWNLOADS = '/download-service/files/activity/{id}';

/** The daily fields Garmin's export carries (docs/import.md "Field mapping"); the rest need the API. */
const EXPORT_FIELDS = [
  'steps', 'distance_m', 'calories', 'active_calories', 'floors', 'intensity_minutes', 'resting_hr', 'min_hr', 'max_hr',
  'avg_stress', 'max_stress', 'body_battery_high', 'body_battery_low', 'body_battery_charged', 'body_battery_drained',
  'spo2_avg', 'spo2_low', 'respiration_avg', 'sleep_start', 'sleep_end', 'sleep_s', 'sleep_deep_s', 'sleep_light_s',
  'sleep_rem_s', 'sleep_awake_s', 'sleep_score', 'hrv_nightly_avg_ms', 'hrv_status', 'training_readiness',
  'vo2max_running', 'vo2max_cycling', 'hydration_ml', 'weight_g', 'body_fat_pct', 'body_water_pct', 'muscle_mass_g',
  'bone_mass_g', 'bmi',
];

// A sim account's own export (GET /__sim/users/{email}/export.zip, Garmin's layout from the same data
// as its API), imported by a user who then links the account: the stored data equals /truth for
// everything the export carries, and the first API sync downloads no FIT file.
for (const { dialect, skip } of await dialects()) {
  describe(`import of the sim's export equals its truth on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `import-truth-${dialect}`);
    });
    after(async () => {
      await w?.close();
    });

    for (const query of ['', '?nested=deflate&layout=2018&summary_parts=3&files_per_part=7']) {
      test(`activities, FIT files, daily fields, weigh-ins, workouts${query ? ` (${query.slice(1)})` : ''}; then a sync downloads no FIT`, async () => {
        const u = await linkedUser(w, { activities: 25, days: 150, workouts: 3, odd_activities: true }, uniqueName('truth'));
        const res = await fetch(`${w.sim.url}/__sim/users/${encodeURIComponent(u.email)}/export.zip${query}`);
        assert.equal(res.status, 200);
        const archive = Buffer.from(await res.arrayBuffer());
        const ids = await insertImportJob(w.s.db, w.s.app.deps.blobs, u.userId, archive, w.s.app.deps.runtime.now());
        await drain(w);
        const job = (await call(w.s.app, 'GET', `/v1/sync/jobs/${ids.jobId}`, { token: u.token })).body;
        assert.equal(job.status, 'completed', JSON.stringify(job));
        assert.doesNotMatch(job.message, /matched no activity/);

        const truth = w.sim.truth(u.email);
        const got = await stored(w.s.db, w.s.app.deps.blobs.fit, u.userId);
        const byId = (a: { activity_id: string }, b: { activity_id: string }) => (a.activity_id < b.activity_id ? -1 : 1);
        assert.deepEqual(
          [...got.activities].sort(byId),
          truth.activities.map(({ activity_id, fit_sha256 }) => ({ activity_id, fit_sha256 })).sort(byId),
        );
        assert.deepEqual([...got.days].sort(), [...truth.days].sort());
        assert.deepEqual([...got.workouts].sort(), [...truth.workouts].sort());
        const get = apiGet(w, u);
        const { days } = (await get('/v1/health/daily')) as { days: Record<string, unknown>[] };
        const pick = (d: Record<string, unknown>) => Object.fromEntries([['date', d.date], ...EXPORT_FIELDS.map((f) => [f, d[f]])]);
        assert.deepEqual(days.map(pick), truth.health_days.map(pick));
        assert.deepEqual(((await get('/v1/health/weight')) as { entries: unknown[] }).entries, truth.weights);

        w.sim.resetStats();
        const sync = await startSync(w, u, { sync_type: 'all' });
        await drain(w);
        const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${sync.job_id}`, { token: u.token })).body;
        assert.equal(done.status, 'completed', JSON.stringify(done));
        assert.equal(Object.values(w.sim.stats().by_route[DOWNLOADS] ?? {}).reduce((a, b) => a + b, 0), 0, 'FIT downloads after the import');
        // The import moved the cursors: that sync topped up from the newest imported day. A full
        // sync fills what the export lacks (series, gear, records), still downloading no FIT file:
        // import + full sync = the whole truth.
        const full = await startSync(w, u, { sync_type: 'all', full: true });
        await drain(w);
        assert.equal((await call(w.s.app, 'GET', `/v1/sync/jobs/${full.job_id}`, { token: u.token })).body.status, 'completed');
        assert.equal(Object.values(w.sim.stats().by_route[DOWNLOADS] ?? {}).reduce((a, b) => a + b, 0), 0, 'FIT downloads after a full sync');
        await assertTruth(w, u);
      });
    }
  });
}
