import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startSim, zipBuffer } from '@fitsync/garmin-sim';
import { sanitize, agreeWithFit, parseSummaries, zeroSummaryStats } from '../src/imports/export/activities.js';
import { peekFit } from '../src/imports/export/fit-peek.js';
import { FitMatcher } from '../src/imports/fit-matcher.js';
import { isPersonalMember, memberKind } from '../src/imports/export/member-kinds.js';
import { importScratchDir } from '../src/imports/import-files.js';
import { uploadExists } from './helpers/blobs.js';
import { getCursor } from '../src/repositories/sync-cursors.js';
import { call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import {
  asUploadedFilesPart,
  encryptedArchive,
  nestedArchive,
  notZipFiles,
  plainArchive,
  ratioBombArchive,
  symlinkArchive,
  truncated,
  UNSAFE_NAMES,
  type UnsafeNameKind,
  unsafeNameArchive,
  unsupportedMethodArchive,
} from './helpers/hostile-archives.js';
import { buildExport, simExportActivities, tinyFit } from './helpers/export-archive.js';
import { userWithSession } from './helpers/flows.js';
import { insertImportJob } from './helpers/import-jobs.js';
import { drain, linkedUser, startSync, startWorld, type SyncWorld, waitFor } from './sync/harness.js';

const DOWNLOADS = '/download-service/files/activity/{id}';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('export summaries: units and sanity checks (garmin-export.md §2)', () => {
  test('the documented units (cm, ms, cm/ms) convert to metres and seconds', () => {
    const s = zeroSummaryStats();
    assert.deepEqual(sanitize(500_000, 1_800_000, 0.2778, s), { distanceM: 5000, durationS: 1800 });
    assert.equal(s.unitDisagreements, 0);
  });

  test('a distance already in metres is recognised by its speed: 5 km never becomes 50 m or 5000 km', () => {
    const s = zeroSummaryStats();
    assert.deepEqual(sanitize(5000, 1_800_000, 0.2778, s), { distanceM: 5000, durationS: 1800 });
    assert.equal(s.unitDisagreements, 1);
  });

  test('durations in seconds and speeds in m/s are recognised too', () => {
    const s = zeroSummaryStats();
    assert.deepEqual(sanitize(500_000, 1800, 2.778, s), { distanceM: 5000, durationS: 1800 });
  });

  test('a value no reading makes plausible is dropped, not stored', () => {
    const s = zeroSummaryStats();
    // 5·10⁹ cm in 30 min with no speed to compare: 27,778 m/s in any unit.
    assert.deepEqual(sanitize(5e9, 1_800_000, null, s), { distanceM: null, durationS: 1800 });
    assert.equal(s.implausible, 1);
    assert.deepEqual(sanitize(100, 30 * 86_400_000 * 1000, null, zeroSummaryStats()).durationS, null);
    assert.deepEqual(sanitize(0, 2_700_000, null, zeroSummaryStats()), { distanceM: 0, durationS: 2700 });
  });

  test("a matched FIT file's session totals decide the units", () => {
    const s = zeroSummaryStats();
    const [a] = parseSummaries('[{"summarizedActivitiesExport": [{"activityId": 1, "startTimeGmt": 1717225200000, "distance": 5000, "duration": 1800000}]}]', s);
    assert.equal(a!.rec.distanceM, 50); // no speed: the documented cm
    const rec = agreeWithFit(a!, { distanceM: 5000, timerS: 1800 }, s);
    assert.equal(rec.distanceM, 5000);
    assert.equal(rec.durationS, 1800);
  });

  test('the synthetic run of garmin-export.md §8 imports as documented; ids stay exact beyond 2^53', () => {
    const s = zeroSummaryStats();
    const text = `[{"summarizedActivitiesExport": [
      {"activityId": 90000000001, "name": "Morning Run", "activityType": "running", "startTimeGmt": 1717225200000,
       "duration": 1800000.0, "elapsedDuration": 1850000.0, "distance": 500000.0, "avgSpeed": 0.2778, "avgHr": 148.0, "calories": 410.0, "parent": false},
      {"activityId": 18014398509481985, "name": "Gym", "activityType": "strength_training", "startTimeGmt": 1717398000000, "duration": 2700000.0, "distance": 0.0},
      {"activityId": 3, "activityType": "multi_sport", "sportType": "MULTISPORT", "parent": true, "startTimeGmt": 1717398000000},
      {"activityId": 4, "name": "no start"},
      {"retro": false}
    ]}]`;
    const got = parseSummaries(text, s);
    assert.deepEqual(
      got.map((a) => [a.rec.activityId, a.rec.startTime, a.rec.distanceM, a.rec.durationS, a.rec.avgHr]),
      [
        ['90000000001', '2024-06-01T07:00:00.000Z', 5000, 1800, 148],
        ['18014398509481985', '2024-06-03T07:00:00.000Z', 0, 2700, null],
      ],
    );
    assert.deepEqual(s, { multisportParents: 1, skipped: 2, unitDisagreements: 0, implausible: 0 });
    assert.throws(() => parseSummaries('{"activities": []}', s), /activity summaries/);
    assert.throws(() => parseSummaries('not json', s), /not valid JSON/);
  });

  test('members are classified by file name anywhere in the tree; personal folders are never read', () => {
    assert.equal(memberKind('x/y/someone_summarizedActivities.json', false).kind, 'summaries');
    assert.equal(memberKind('someone_summarizedActivities_part2.json', false).kind, 'summaries');
    assert.equal(memberKind('DI_CONNECT/DI-Connect-Fitness/UploadedFiles_0-_Part1.zip', false).kind, 'zip');
    assert.equal(memberKind('a/b.FIT', false).kind, 'fit');
    for (const p of [
      'DI_CONNECT/DI-Connect-Social/x_summarizedActivities.json',
      'DI_CONNECT/DI-Connect-Device/a.fit',
      'DI_LIVETRACK/x.zip',
      'IT_CONSENT_HISTORY/a.json',
      'customer_data/a_summarizedActivities.json',
      'DI_CONNECT/DI-Connect-User/user_contact.json',
    ]) {
      assert.equal(isPersonalMember(p), true, p);
      assert.equal(memberKind(p, false).kind, 'other', p);
    }
  });
});

describe('FIT matching', () => {
  test('closest start within 300 s; activities started in the same second are told apart by their totals', () => {
    const s = zeroSummaryStats();
    const acts = parseSummaries(
      `[{"summarizedActivitiesExport": [
        {"activityId": 1, "startTimeGmt": 1000000000, "duration": 1800000, "distance": 500000},
        {"activityId": 2, "startTimeGmt": 1000000000, "duration": 3600000, "distance": 1000000},
        {"activityId": 3, "startTimeGmt": 1000400000, "duration": 600000, "distance": 0}]}]`,
      s,
    );
    const m = new FitMatcher(acts, []);
    assert.equal(m.claim(1_000_000_000 + 2000, { timerS: 3600, distanceM: 10_000 })?.rec.activityId, '2');
    assert.equal(m.claim(1_000_000_000 + 1000, { timerS: 1800, distanceM: 5000 })?.rec.activityId, '1');
    assert.equal(m.claim(1_000_000_000 + 1000, { timerS: 1800, distanceM: 5000 }), null, 'claimed ones are not matched twice');
    assert.equal(m.claim(1_000_400_000 + 301_000), null, 'outside the window');
    assert.equal(new FitMatcher(acts, ['3']).claim(1_000_400_000), null, 'claimed by an earlier attempt');
  });
});

describe('FIT peek', () => {
  test('reads the file type and the first session start without decoding', () => {
    assert.deepEqual(peekFit(tinyFit(32)), {
      fileType: 32,
      timeCreatedMs: null,
      hasSession: false,
      sessionStartMs: null,
      sessionDistanceM: null,
      sessionTimerS: null,
    });
    assert.deepEqual(peekFit(tinyFit(4, { timerS: 60 })).sessionStartMs, null);
    const p = peekFit(tinyFit(4, { startMs: 1_717_225_200_000, timerS: 1800 }));
    assert.equal(p.fileType, 4);
    assert.equal(p.sessionStartMs, 1_717_225_200_000);
    assert.equal(p.sessionTimerS, 1800);
    assert.equal(peekFit(Buffer.from('<html>not a fit</html>')).fileType, null);
  });

  test("a real activity file: its session's start and totals; cut short, its type and time_created remain", async () => {
    const sim = await startSim({ seed: 'fit-peek' });
    try {
      sim.createUser({ email: 'peek@example.com', password: 'pw', mfa: null, activities: 1, days: 0, workouts: 0 });
      const [a] = simExportActivities(sim, 'peek@example.com');
      const p = peekFit(a!.fit);
      assert.deepEqual(
        [p.fileType, p.hasSession, p.sessionStartMs, p.timeCreatedMs, p.sessionTimerS, p.sessionDistanceM],
        [4, true, a!.startMs, a!.startMs, a!.durationS, a!.distanceM],
      );
      const cut = peekFit(a!.fit.subarray(0, Math.floor(a!.fit.length * 0.6)));
      assert.deepEqual([cut.fileType, cut.hasSession, cut.sessionStartMs, cut.timeCreatedMs], [4, false, null, a!.startMs]);
    } finally {
      await sim.close();
    }
    assert.equal(peekFit(tinyFit(4, { startMs: 1_717_225_200_000, timerS: 1 }).subarray(0, 20)).sessionStartMs, null);
  });
});

for (const { dialect, skip } of await dialects()) {
  describe(`import job on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `import-job-${dialect}`, { FITSYNC_IMPORT_BATCH_FILES: '20' });
    });
    after(async () => {
      await w?.close();
    });

    /** A FitSync user who never linked Garmin, and a sim account whose data makes the export. */
    async function unlinkedUser(history: { activities: number }) {
      const name = uniqueName('imp');
      const pair = await userWithSession(w.s.app, w.s.db, name);
      const me = await call(w.s.app, 'GET', '/v1/me', { token: pair.access_token });
      const email = `${name}@example.com`;
      w.sim.createUser({ email, password: 'garmin-pw', mfa: null, days: 0, workouts: 0, ...history });
      return { token: pair.access_token as string, userId: me.body.user_id as string, email };
    }

    async function runJob(userId: string, archive: Buffer, token: string) {
      const ids = await insertImportJob(w.s.db, w.s.app.deps.blobs, userId, archive, w.s.app.deps.runtime.now());
      await drain(w);
      const job = (await call(w.s.app, 'GET', `/v1/sync/jobs/${ids.jobId}`, { token })).body;
      return { ...ids, job };
    }

    async function rows(userId: string) {
      return w.s.db.all<{ activity_id: string; fit_sha256: string | null; distance_m: number | null; duration_s: number | null; start_ms: number }>(
        'SELECT activity_id, fit_sha256, distance_m, duration_s, start_ms FROM activities WHERE user_id = ? ORDER BY activity_id',
        [userId],
      );
    }

    test('activities with their FIT files from nested parts (old layout, stored and deflated), without Garmin', async () => {
      const u = await unlinkedUser({ activities: 6 });
      const all = simExportActivities(w.sim, u.email);
      // The activity without a summary and the one without a file must be alone in their 300 s
      // window (a generated history may start two activities close together): the last two here.
      const gapOf = (a: (typeof all)[number]) => Math.min(...all.filter((b) => b !== a).map((b) => Math.abs(b.startMs - a.startMs)));
      const acts = [...all].sort((a, b) => gapOf(a) - gapOf(b));
      assert.ok(gapOf(acts[4]!) > 600_000 && gapOf(acts[5]!) > 600_000, 'two activities apart from the others');
      const manual = '{"activityId": 90000000002, "name": "Gym", "activityType": "strength_training", "startTimeGmt": 1717398000000, "duration": 2700000.0, "distance": 0.0}';
      const parent = '{"activityId": 90000000003, "activityType": "multi_sport", "sportType": "MULTISPORT", "parent": true, "startTimeGmt": 1717398000000}';
      const archive = await buildExport(acts, {
        fitFolder: 'DI-Connect-Fitness',
        parts: 2,
        partMethod: 'mixed',
        withoutSummary: [acts[5]!.id],
        withoutFit: [acts[4]!.id],
        extraSummaries: [manual, parent, '{"activityId": 90000000004}'],
        extraFits: [tinyFit(32), tinyFit(4, { timerS: 60 })],
        summariesPerFile: 3,
        // Read, this would fail the job: personal folders are never opened.
        extraMembers: [{ name: 'DI_CONNECT/DI-Connect-Social/someone_summarizedActivities.json', data: Buffer.from('not json') }],
      });
      const { importId, job } = await runJob(u.userId, archive, u.token);
      assert.equal(job.status, 'completed', JSON.stringify(job));
      assert.equal(
        job.message,
        'Imported 6 activities (4 with their FIT file), 0 days, 0 workouts; 1 FIT file matched no activity; ' +
          '3 entries skipped (1 multisport container (its legs were imported), 1 without an id or start time, 1 activity FIT file without a start time)',
      );
      assert.deepEqual(job.counts.activities, { new: 6, updated: 0, unchanged: 0 });
      const got = await rows(u.userId);
      type Row = { activity_id: string; fit_sha256: string | null; distance_m: number | null; duration_s: number | null; start_ms: number };
      const want: Row[] = [
        ...acts.slice(0, 4).map((a) => ({ activity_id: a.id, fit_sha256: sha(a.fit), distance_m: a.distanceM, duration_s: a.durationS, start_ms: a.startMs })),
        { activity_id: acts[4]!.id, fit_sha256: null, distance_m: acts[4]!.distanceM, duration_s: acts[4]!.durationS, start_ms: acts[4]!.startMs },
        { activity_id: '90000000002', fit_sha256: null, distance_m: 0, duration_s: 2700, start_ms: 1717398000000 },
      ];
      const norm = (r: Row) => ({ ...r, distance_m: r.distance_m === null ? null : Number(r.distance_m), start_ms: Number(r.start_ms) });
      assert.deepEqual(got.map(norm), want.sort((a, b) => (a.activity_id < b.activity_id ? -1 : 1)).map(norm));
      // The import stores the files; the decode backlog decodes them after the job.
      await w.s.app.deps.decodeBacklog.settled();
      const decodedCount = async () =>
        Number((await w.s.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM activity_decoded WHERE user_id = ?', [u.userId]))!.n);
      assert.equal(await decodedCount(), 4, 'the backlog decoded every stored file');
      // An activity read before its turn is decoded on the spot (and the decode stored).
      await w.s.db.run('DELETE FROM activity_decoded WHERE user_id = ?', [u.userId]);
      // Stored files are the original bytes, and decoded like a synced activity's.
      for (const a of acts.slice(0, 4)) {
        assert.equal(sha((await w.s.app.deps.blobs.fit.read(sha(a.fit)))!), sha(a.fit));
        const detail = await call(w.s.app, 'GET', `/v1/activities/${a.id}`, { token: u.token });
        assert.equal(detail.status, 200, JSON.stringify(detail.body));
        assert.ok(detail.body.laps.length >= 1, 'decoded laps');
      }
      assert.equal(await decodedCount(), 4, 'the reads stored their decodes');
      // Cursors: the next API sync tops up from the newest imported activity.
      assert.equal(await getCursor(w.s.db, u.userId, 'activities'), String(Math.max(...acts.slice(0, 5).map((a) => a.startMs), 1717398000000)));
      // The upload and the scratch space are gone once the job ended.
      assert.equal(await uploadExists(w.s.app.deps.blobs, importId), false);
      assert.equal(existsSync(importScratchDir(w.s.dataDir, importId)), false);
    });

    test('health days in 28-day chunks and workouts; the health cursor only moves forward', async () => {
      const u = await unlinkedUser({ activities: 0 });
      // 40 days over two UDS chunk files that overlap by a day, sleep with the trailing retro entry.
      const day = (k: number) => new Date(Date.UTC(2024, 4, 1 + k)).toISOString().slice(0, 10);
      const uds = (from: number, to: number) =>
        JSON.stringify(
          Array.from({ length: to - from + 1 }, (_, i) => ({ calendarDate: day(from + i), includesWellnessData: true, totalSteps: 1000 + from + i })),
        );
      const sleep = JSON.stringify([
        { calendarDate: day(3), sleepStartTimestampGMT: `${day(2)}T22:00:00.0`, sleepEndTimestampGMT: `${day(3)}T06:00:00.0`, deepSleepSeconds: 3600, lightSleepSeconds: 18000, remSleepSeconds: 5400, awakeSleepSeconds: 1800 },
        { retro: false },
      ]);
      const workouts = JSON.stringify({ workoutList: [{ workoutId: 900000001, workoutName: 'Easy Run', sportType: { sportTypeKey: 'running' }, updatedDate: '2024-05-02T11:30:00.0' }] });
      const archive = await zipBuffer([
        { name: `DI_CONNECT/DI-Connect-Aggregator/UDSFile_${day(0)}_${day(20)}.json`, data: Buffer.from(uds(0, 20)) },
        { name: `x/DI-Connect-User/UDSFile_${day(20)}_${day(39)}.json`, data: Buffer.from(uds(20, 39)) },
        { name: `DI_CONNECT/DI-Connect-Wellness/${day(0)}_${day(39)}_1_sleepData.json`, data: Buffer.from(sleep) },
        { name: 'DI_CONNECT/DI-Connect-Fitness/someone_workout.json', data: Buffer.from(workouts) },
      ]);
      const { job } = await runJob(u.userId, archive, u.token);
      assert.equal(job.status, 'completed', JSON.stringify(job));
      assert.deepEqual(job.counts.health, { new: 40, updated: 0, unchanged: 0 });
      assert.deepEqual(job.counts.workouts, { new: 1, updated: 0, unchanged: 0 });
      assert.equal(job.total_items, 41);
      assert.match(job.message, /^Imported 0 activities \(0 with their FIT file\), 40 days, 1 workout; 1 entry skipped \(1 health or workout entry without a date or id\)$/);
      const daily = (await call(w.s.app, 'GET', `/v1/health/daily?since=${day(0)}&until=${day(39)}`, { token: u.token })).body.days;
      assert.equal(daily.length, 40);
      const byDay = new Map(daily.map((d: { date: string }) => [d.date, d]));
      assert.equal((byDay.get(day(20)) as { steps: number }).steps, 1020);
      assert.equal((byDay.get(day(3)) as { sleep_s: number }).sleep_s, 3600 + 18000 + 5400);
      const listed = (await call(w.s.app, 'GET', '/v1/workouts', { token: u.token })).body;
      assert.equal(JSON.stringify(listed).includes('900000001'), true, JSON.stringify(listed));
      assert.equal(await getCursor(w.s.db, u.userId, 'health'), day(39));
      assert.equal(await getCursor(w.s.db, u.userId, 'activities'), undefined, 'no activities: no activity cursor');
      // Importing again changes nothing, and never moves a cursor back.
      await w.s.db.run("UPDATE sync_cursors SET cursor_value = '2030-01-01' WHERE user_id = ? AND cursor_key = 'health'", [u.userId]);
      const again = await runJob(u.userId, archive, u.token);
      assert.deepEqual(again.job.counts.health, { new: 0, updated: 0, unchanged: 40 });
      assert.deepEqual(again.job.counts.workouts, { new: 0, updated: 0, unchanged: 1 });
      assert.equal(await getCursor(w.s.db, u.userId, 'health'), '2030-01-01');
    });

    test('API sync, then import: nothing written again, rows untouched (counted unchanged)', async () => {
      const u = await linkedUser(w, { activities: 4, days: 0, workouts: 0 }, 'impdup');
      const sync = await startSync(w, u, { sync_type: 'activities' });
      await drain(w);
      assert.equal((await call(w.s.app, 'GET', `/v1/sync/jobs/${sync.job_id}`, { token: u.token })).body.status, 'completed');
      const before = await rows(u.userId);
      // Counting the blob store's puts: none means no file was written again.
      const fits = w.s.app.deps.blobs.fit;
      const realPut = fits.put;
      let puts = 0;
      fits.put = (bytes) => {
        puts++;
        return realPut.call(fits, bytes);
      };
      const updatedAt = await w.s.db.all<{ updated_at: number }>('SELECT updated_at FROM activities WHERE user_id = ? ORDER BY activity_id', [u.userId]);
      let job: Awaited<ReturnType<typeof runJob>>['job'];
      try {
        ({ job } = await runJob(u.userId, await buildExport(simExportActivities(w.sim, u.email)), u.token));
      } finally {
        fits.put = realPut;
      }
      assert.equal(job.status, 'completed', JSON.stringify(job));
      assert.deepEqual(job.counts.activities, { new: 0, updated: 0, unchanged: 4 });
      assert.deepEqual(await rows(u.userId), before);
      assert.deepEqual(
        await w.s.db.all<{ updated_at: number }>('SELECT updated_at FROM activities WHERE user_id = ? ORDER BY activity_id', [u.userId]),
        updatedAt,
      );
      assert.equal(puts, 0, 'no FIT file is stored again');
    });

    test('import, then API sync: no FIT file is downloaded for imported activities', async () => {
      const u = await linkedUser(w, { activities: 5, days: 0, workouts: 0 }, 'impfirst');
      const { job } = await runJob(u.userId, await buildExport(simExportActivities(w.sim, u.email), { parts: 2, partMethod: 'deflate' }), u.token);
      assert.equal(job.status, 'completed', JSON.stringify(job));
      w.sim.resetStats();
      const sync = await startSync(w, u, { sync_type: 'activities', full: true });
      await drain(w);
      const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${sync.job_id}`, { token: u.token })).body;
      assert.equal(done.status, 'completed', JSON.stringify(done));
      assert.equal(Object.values(w.sim.stats().by_route[DOWNLOADS] ?? {}).reduce((a, b) => a + b, 0), 0, 'FIT downloads');
      const truth = w.sim.truth(u.email);
      const got = await rows(u.userId);
      assert.deepEqual(
        got.map((r) => [r.activity_id, r.fit_sha256]),
        truth.activities.map((a) => [a.activity_id, a.fit_sha256]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      );
    });

    test('a cancelled import ends cancelled and its upload is deleted', async () => {
      const u = await unlinkedUser({ activities: 2 });
      const ids = await insertImportJob(w.s.db, w.s.app.deps.blobs, u.userId, await buildExport(simExportActivities(w.sim, u.email)));
      const res = await call(w.s.app, 'POST', `/v1/sync/jobs/${ids.jobId}/cancel`, { token: u.token });
      assert.ok(res.status < 300, JSON.stringify(res.body));
      await drain(w);
      const job = (await call(w.s.app, 'GET', `/v1/sync/jobs/${ids.jobId}`, { token: u.token })).body;
      assert.equal(job.status, 'cancelled');
      assert.equal(await uploadExists(w.s.app.deps.blobs, ids.importId), false);
      assert.deepEqual(await rows(u.userId), []);
    });

    test('cancel mid-import: cancelled within 2 s, committed batches kept, the upload deleted', async () => {
      const u = await unlinkedUser({ activities: 150 });
      const ids = await insertImportJob(w.s.db, w.s.app.deps.blobs, u.userId, await buildExport(simExportActivities(w.sim, u.email), { parts: 2 }));
      const running = w.s.app.deps.syncWorkers.runOnce();
      await waitFor('some activities committed', async () => (await rows(u.userId)).length > 0);
      const t0 = Date.now();
      const r = await call(w.s.app, 'POST', `/v1/sync/jobs/${ids.jobId}/cancel`, { token: u.token });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      await running;
      assert.ok(Date.now() - t0 < 2000, `cancel took ${Date.now() - t0} ms`);
      const job = (await call(w.s.app, 'GET', `/v1/sync/jobs/${ids.jobId}`, { token: u.token })).body;
      assert.equal(job.status, 'cancelled');
      const n = (await rows(u.userId)).length;
      assert.ok(n > 0 && n < 150, `${n} activities kept`);
      assert.equal(job.counts.activities.new, n, 'the counts say what was committed');
      assert.equal(await uploadExists(w.s.app.deps.blobs, ids.importId), false);
    });

    test('a file that is not a zip fails the job with a clear message; nothing stored, the server fine', async () => {
      const u = await unlinkedUser({ activities: 1 });
      const { job, importId } = await runJob(u.userId, Buffer.from('<html><body>Sign in to Garmin</body></html>'), u.token);
      assert.equal(job.status, 'failed');
      assert.match(job.error_message, /^Import failed: .+; nothing was imported\.$/);
      assert.doesNotMatch(job.error_message, /\n|at .+:\d+|\/tmp\//);
      assert.equal(await uploadExists(w.s.app.deps.blobs, importId), false);
      assert.equal((await call(w.s.app, 'GET', '/v1/me', { token: u.token })).status, 200);
    });

    test('every kind of hostile archive fails the job with a clear message, nothing stored, the server fine', async () => {
      const u = await unlinkedUser({ activities: 2 });
      const acts = simExportActivities(w.sim, u.email);
      const good = await buildExport(acts);
      const summariesName = 'DI_CONNECT/DI-Connect-Fitness/someone_summarizedActivities.json';
      const cases: [string, Buffer][] = [
        ...Object.entries(notZipFiles()).map(([k, b]): [string, Buffer] => [`not a zip (${k})`, b]),
        ...[22, 200, Math.floor(good.length / 2), good.length - 30].map((n): [string, Buffer] => [`truncated at ${n}`, truncated(good, n)]),
        ['symlink', await symlinkArchive()],
        ['encrypted', await encryptedArchive()],
        ['unsupported method', await unsupportedMethodArchive()],
        ['ratio bomb', await ratioBombArchive()],
        ['ratio bomb with a lying size', await ratioBombArchive(100 * 1024 * 1024, { declaredSize: 1024 })],
        ['too deep', await nestedArchive(5)],
        ['nested symlink', await asUploadedFilesPart(await symlinkArchive(), 'deflate')],
        ['bad CRC in the summaries', await plainArchive([{ name: summariesName, data: Buffer.from('[{"summarizedActivitiesExport": []}]'), opts: { declaredCrc: 1234 } }])],
        ['not the summaries shape', await plainArchive([{ name: summariesName, data: Buffer.from('{"activities": 3}') }])],
      ];
      for (const kind of Object.keys(UNSAFE_NAMES) as UnsafeNameKind[]) {
        cases.push([`unsafe name ${kind}`, await unsafeNameArchive(kind)]);
        cases.push([`nested unsafe name ${kind}`, await asUploadedFilesPart(await unsafeNameArchive(kind))]);
      }
      for (const [what, archive] of cases) {
        const { job, importId } = await runJob(u.userId, archive, u.token);
        assert.equal(job.status, 'failed', `${what}: ${JSON.stringify(job)}`);
        assert.match(job.error_message, /^Import failed: .{10,}; nothing was imported\.$/, what);
        assert.doesNotMatch(job.error_message, /\n|\bat .+:\d+|\/tmp\/|pwned|internal error/, what);
        assert.equal(await uploadExists(w.s.app.deps.blobs, importId), false, what);
        assert.equal(existsSync(importScratchDir(w.s.dataDir, importId)), false, what);
      }
      assert.deepEqual(await rows(u.userId), []);
      assert.equal((await call(w.s.app, 'GET', '/v1/me', { token: u.token })).status, 200);
    });

    test('a hostile nested part is refused before anything is stored', async () => {
      const u = await unlinkedUser({ activities: 3 });
      const acts = simExportActivities(w.sim, u.email);
      const evil = await zipBuffer([{ name: '../../escape.fit', data: acts[0]!.fit }]);
      const archive = await buildExport(acts, {
        parts: 1,
        extraMembers: [{ name: 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part9.zip', data: evil, opts: { method: 'store' } }],
      });
      const { job } = await runJob(u.userId, archive, u.token);
      assert.equal(job.status, 'failed');
      assert.match(job.error_message, /^Import failed: .+; nothing was imported\.$/);
      assert.deepEqual(await rows(u.userId), []);
    });

    test('a member damaged mid-import fails the job, saying what was already imported', async () => {
      const u = await unlinkedUser({ activities: 4 });
      const acts = simExportActivities(w.sim, u.email);
      // Part 2 (read after part 1 is committed) holds a member whose size lies.
      const bad = await zipBuffer([{ name: 'someone@example.com_9.fit', data: acts[3]!.fit, opts: { method: 'deflate', declaredSize: acts[3]!.fit.length - 100 } }]);
      const archive = await buildExport(acts.slice(0, 3), {
        withoutFit: [],
        extraSummaries: [acts[3]!.json],
        extraMembers: [{ name: 'DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part2.zip', data: bad, opts: { method: 'store' } }],
      });
      const { job } = await runJob(u.userId, archive, u.token);
      assert.equal(job.status, 'failed', JSON.stringify(job));
      assert.match(job.error_message, /^Import failed: .+; after importing 3 of 4 activities, 0 of 0 days and 0 of 0 workouts \(kept; importing again completes it\)\.$/);
      assert.equal((await rows(u.userId)).length, 3);
    });
  });
}
