import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Decoder, Stream } from '@garmin/fitsdk';
// yauzl is the server's zip reader (hoisted to the workspace root): the archive must satisfy it.
import yauzl from 'yauzl';
import { type RunningSim, startSim, writeExport } from '../src/index.js';
import { bearer, http, signIn } from './helpers.js';

const EMAIL = 'export@example.com';

/** Every member of a zip held in memory: name → bytes, in archive order. */
function unzip(zip: Buffer): Promise<Array<{ name: string; data: Buffer; method: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, zf) => {
      if (err || !zf) return reject(err);
      const out: Array<{ name: string; data: Buffer; method: number }> = [];
      zf.on('entry', (e: yauzl.Entry) => {
        zf.openReadStream(e, (err2, rs) => {
          if (err2 || !rs) return reject(err2);
          const chunks: Buffer[] = [];
          rs.on('data', (c: Buffer) => chunks.push(c));
          rs.on('error', reject);
          rs.on('end', () => {
            out.push({ name: e.fileName, data: Buffer.concat(chunks), method: e.compressionMethod });
            zf.readEntry();
          });
        });
      });
      zf.on('end', () => resolve(out));
      zf.on('error', reject);
      zf.readEntry();
    });
  });
}

function download(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const json = <T>(b: Buffer) => JSON.parse(b.toString('utf8')) as T;
/** Activity ids are above 2^53: read them from the text, in order. */
const idsOf = (text: string) => [...text.matchAll(/"activityId":(\d+)/g)].map((m) => m[1]!);
const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
const exportUrl = (sim: RunningSim, email: string, query = '') => `${sim.url}/__sim/users/${encodeURIComponent(email)}/export.zip${query}`;

type Rec = Record<string, unknown>;

describe('the data export (GET /__sim/users/{email}/export.zip)', () => {
  let sim: RunningSim;
  let archive: Buffer;
  let members: Array<{ name: string; data: Buffer; method: number }>;

  before(async () => {
    sim = await startSim({ seed: 'export-test' });
    // 250 days: three chunks of health files; odd activities: their original bytes travel too.
    sim.createUser({ email: EMAIL, password: 'pw', activities: 40, days: 250, workouts: 4, odd_activities: true, time_zone: 'Asia/Kolkata' });
    const res = await download(exportUrl(sim, EMAIL, '?files_per_part=15'));
    assert.equal(res.status, 200);
    archive = res.body;
    members = await unzip(archive);
  });
  after(() => sim.close());

  test('is a valid zip for unzip -t, in Garmin layout, without a name outside DI_CONNECT/ and the personal folders', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-export-'));
    try {
      const file = join(dir, 'export.zip');
      writeFileSync(file, archive);
      const r = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
      if (r.error) t.skip('unzip is not installed');
      else assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const names = members.map((m) => m.name);
    for (const n of names) assert.match(n, /^(DI_CONNECT\/DI-Connect-[A-Za-z-]+\/[^/]+|IT_CONSENT_HISTORY\/[^/]+|customer_data\/[^/]+)$/);
    assert.ok(names.includes(`DI_CONNECT/DI-Connect-Fitness/${EMAIL}_summarizedActivities.json`));
    assert.ok(names.includes(`DI_CONNECT/DI-Connect-Fitness/${EMAIL}_workout.json`));
    assert.ok(names.includes('DI_CONNECT/DI-Connect-User/user_profile.json'));
    assert.ok(names.includes('DI_CONNECT/DI-Connect-User/user_contact.json'));
    const parts = names.filter((n) => n.startsWith('DI_CONNECT/DI-Connect-Uploaded-Files/'));
    // 42 activities + 25 monitoring files, 15 a part.
    assert.deepEqual(parts.map(base), ['UploadedFiles_0-_Part1.zip', 'UploadedFiles_0-_Part2.zip', 'UploadedFiles_0-_Part3.zip', 'UploadedFiles_0-_Part4.zip', 'UploadedFiles_0-_Part5.zip']);
    for (const p of members.filter((m) => parts.includes(m.name))) assert.equal(p.method, 0, 'part zips are stored by default');
    // Every JSON member parses.
    for (const m of members.filter((x) => x.name.endsWith('.json'))) json(m.data);
  });

  test('the nested parts hold every original FIT (sha256 = truth) mixed with monitoring files, under upload numbers', async () => {
    const truth = sim.truth(EMAIL);
    const files: Array<{ name: string; data: Buffer }> = [];
    for (const p of members.filter((m) => m.name.endsWith('.zip'))) files.push(...(await unzip(p.data)));
    const shaToIndex = new Map([...truth.activities].reverse().map((a, i) => [a.fit_sha256, i]));
    const seen: number[] = [];
    let monitoring = 0;
    const ids = new Set(truth.activities.map((a) => a.activity_id));
    for (const f of files) {
      const m = new RegExp(`^${EMAIL.replace('.', '\\.')}_(\\d+)\\.fit$`).exec(f.name);
      assert.ok(m, 'member named <email>_<number>.fit');
      assert.ok(!ids.has(m[1]!), 'the number is not an activity id');
      const i = shaToIndex.get(sha256(f.data));
      if (i !== undefined) {
        seen.push(i);
        continue;
      }
      const { messages, errors } = new Decoder(Stream.fromBuffer(f.data)).read();
      assert.deepEqual(errors, []);
      assert.equal((messages.fileIdMesgs as Array<{ type: string }>)[0]!.type, 'monitoringB', 'file_id.type 32');
      assert.equal(messages.sessionMesgs, undefined, 'no session');
      monitoring++;
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), truth.activities.map((_, i) => i), 'every activity FIT exactly once');
    assert.equal(monitoring, 25, 'one monitoring file per 10 days');
    assert.notDeepEqual(seen, [...seen].sort((a, b) => a - b), 'the parts are not in activity order');
  });

  test('summaries are the API list in export units (ms, cm, cm/ms), and convert back exactly', async () => {
    const token = (await signIn(sim.url, EMAIL, 'pw')).access_token;
    const list = await http(`${sim.url}/activitylist-service/activities/search/activities?start=0&limit=100`, { headers: bearer(token) });
    const apiIds = idsOf(list.text);
    const api = new Map(list.json<Rec[]>().map((item, i) => [apiIds[i]!, item]));
    const member = members.find((m) => m.name.endsWith('_summarizedActivities.json'))!;
    const text = member.data.toString('utf8');
    const wrapper = json<Array<{ summarizedActivitiesExport: Rec[] }>>(member.data);
    assert.equal(wrapper.length, 1);
    const items = wrapper[0]!.summarizedActivitiesExport;
    const ids = idsOf(text);
    assert.equal(items.length, 42);
    assert.deepEqual([...ids].sort(), [...api.keys()].sort());
    const listTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    for (const [i, e] of items.entries()) {
      const a = api.get(ids[i]!)!;
      assert.equal(e.name, a.activityName);
      assert.equal(e.activityType, (a.activityType as Rec).typeKey);
      assert.equal(e.parent, false);
      assert.equal(listTime(e.startTimeGmt as number), a.startTimeGMT);
      assert.equal(e.beginTimestamp, a.beginTimestamp);
      // The local wall clock written as if it were UTC.
      assert.equal(listTime(e.startTimeLocal as number), a.startTimeLocal);
      assert.equal((e.distance as number) / 100, a.distance);
      assert.equal((e.duration as number) / 1000, a.duration);
      assert.equal((e.elapsedDuration as number) / 1000, a.elapsedDuration);
      assert.equal((e.movingDuration as number) / 1000, a.movingDuration);
      assert.equal((e.elevationGain as number) / 100, a.elevationGain);
      assert.equal((e.elevationLoss as number) / 100, a.elevationLoss);
      assert.ok(Math.abs((e.avgSpeed as number) * 10 - (a.averageSpeed as number)) < 1e-9);
      assert.ok(Math.abs((e.maxSpeed as number) * 10 - (a.maxSpeed as number)) < 1e-9);
      // The sanity check an importer makes: distance / duration agrees with the average speed.
      if ((e.duration as number) > 0) assert.ok(Math.abs((e.distance as number) / (e.duration as number) - (e.avgSpeed as number)) < 0.001);
      assert.equal(e.avgHr, a.averageHR);
      assert.equal(e.maxHr, a.maxHR);
      assert.equal(e.calories, a.calories);
    }
  });

  test('health files: ~100-day chunks sharing their boundary day, the trailing retro, and a mapping that gives the truth', () => {
    const truth = sim.truth(EMAIL);
    const family = (re: RegExp) =>
      members
        .filter((m) => re.test(base(m.name)))
        .sort((a, b) => (base(a.name) < base(b.name) ? -1 : 1))
        .map((m) => ({ name: base(m.name), items: json<Rec[]>(m.data) }));
    const uds = family(/^UDSFile_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.json$/);
    assert.equal(uds.length, 3);
    for (let k = 0; k + 1 < uds.length; k++) {
      const last = uds[k]!.items.at(-1)!;
      const first = uds[k + 1]!.items[0]!;
      assert.equal(last.calendarDate, first.calendarDate, 'the boundary day is in both chunks');
      assert.deepEqual(last, first);
    }
    const byDate = new Map<string, Rec>();
    for (const f of uds) for (const r of f.items) byDate.set(r.calendarDate as string, r);
    assert.deepEqual([...byDate.keys()].sort(), [...truth.days, ...truth.days_without_data].sort());
    for (const d of truth.days_without_data) assert.deepEqual(Object.keys(byDate.get(d)!).includes('totalSteps'), false);

    const sleep = family(/_sleepData\.json$/);
    assert.deepEqual(sleep.at(-1)!.items.at(-1), { retro: false }, 'the newest sleep file ends with {"retro": false}');
    for (const f of sleep.slice(0, -1)) assert.ok(f.items.every((r) => 'calendarDate' in r));
    const nights = new Map(sleep.flatMap((f) => f.items.filter((r) => r.calendarDate).map((r) => [r.calendarDate as string, r])));
    const status = new Map(family(/_healthStatusData\.json$/).flatMap((f) => f.items.map((r) => [r.calendarDate as string, r])));
    const hydration = new Map(family(/^HydrationLogFile_/).flatMap((f) => f.items.map((r) => [r.calendarDate as string, r])));
    const readiness = new Map(family(/^TrainingReadinessDTO_/).flatMap((f) => f.items.map((r) => [r.calendarDate as string, r])));
    const vo2 = new Map<string, Rec>();
    for (const f of family(/^MetricsMaxMetData_\d{8}_\d{8}_\d+\.json$/)) for (const r of f.items) vo2.set(`${r.calendarDate}/${r.sport}`, r);
    const bio = family(/_userBioMetrics\.json$/)[0]!.items;

    // A reference reading of the export by the table in docs (health.md): it must give the truth.
    const iso = (s: unknown) => (typeof s === 'string' ? new Date(`${s.replace(/\.0$/, '')}Z`).toISOString() : null);
    const stat = (u: Rec, type: string) => ((u.bodyBattery as Rec | null)?.bodyBatteryStatList as Rec[] | undefined)?.find((x) => x.bodyBatteryStatType === type)?.statsValue ?? null;
    const stressTotal = (u: Rec) => ((u.allDayStress as Rec | null)?.aggregatorList as Rec[] | undefined)?.find((x) => x.type === 'TOTAL');
    for (const day of truth.health_days) {
      const u = byDate.get(day.date)!;
      const s = nights.get(day.date);
      const hrv = ((status.get(day.date)?.metrics as Rec[] | undefined) ?? []).find((m) => m.type === 'HRV');
      const got = {
        steps: u.totalSteps,
        distance_m: u.totalDistanceMeters,
        calories: u.totalKilocalories,
        active_calories: u.activeKilocalories,
        floors: Math.round(((u.floorsAscendedInMeters as number) / 3.048) * 10) / 10,
        intensity_minutes: (u.moderateIntensityMinutes as number) + 2 * (u.vigorousIntensityMinutes as number),
        resting_hr: u.restingHeartRate,
        min_hr: u.minHeartRate,
        max_hr: u.maxHeartRate,
        avg_stress: stressTotal(u)?.averageStressLevel ?? null,
        max_stress: stressTotal(u)?.maxStressLevel ?? null,
        body_battery_high: stat(u, 'HIGHEST'),
        body_battery_low: stat(u, 'LOWEST'),
        body_battery_charged: (u.bodyBattery as Rec | null)?.chargedValue ?? null,
        body_battery_drained: (u.bodyBattery as Rec | null)?.drainedValue ?? null,
        spo2_avg: u.averageSpo2Value,
        spo2_low: u.lowestSpo2Value,
        respiration_avg: (u.respiration as Rec | null)?.avgWakingRespirationValue ?? null,
        sleep_start: iso(s?.sleepStartTimestampGMT),
        sleep_end: iso(s?.sleepEndTimestampGMT),
        sleep_s: s ? (s.deepSleepSeconds as number) + (s.lightSleepSeconds as number) + (s.remSleepSeconds as number) : null,
        sleep_deep_s: s?.deepSleepSeconds ?? null,
        sleep_light_s: s?.lightSleepSeconds ?? null,
        sleep_rem_s: s?.remSleepSeconds ?? null,
        sleep_awake_s: s?.awakeSleepSeconds ?? null,
        sleep_score: (s?.sleepScores as Rec | undefined)?.overallScore ?? null,
        hrv_nightly_avg_ms: hrv?.value ?? null,
        hrv_status: hrv?.status ?? null,
        training_readiness: readiness.get(day.date)?.score ?? null,
        vo2max_running: vo2.get(`${day.date}/RUNNING`)?.vo2MaxValue ?? null,
        vo2max_cycling: vo2.get(`${day.date}/CYCLING`)?.vo2MaxValue ?? null,
        hydration_ml: hydration.get(day.date)?.valueInML ?? null,
      };
      const want = Object.fromEntries(Object.keys(got).map((k) => [k, day[k as keyof typeof day]]));
      assert.deepEqual(got, want, day.date);
    }
    for (const r of status.values()) {
      for (const m of r.metrics as Rec[]) if (m.type === 'SKIN_TEMP_C') assert.equal(m.value, 0, 'not measured: 0');
    }

    // Weigh-ins: nested `weight` in grams; a scale's timestamp in ms, a manual one's ISO; zeros where the reading failed.
    assert.equal(bio.length, truth.weights.length);
    for (const [i, w] of truth.weights.entries()) {
      const e = bio[i]!.weight as Rec;
      assert.equal((bio[i]!.metaData as Rec).calendarDate, w.date);
      assert.equal(e.weight, w.weight_g);
      const at = typeof e.timestampGMT === 'number' ? e.timestampGMT : Date.parse(`${(e.timestampGMT as string).replace(/\.0$/, '')}Z`);
      assert.equal(new Date(at).toISOString(), w.time);
      assert.equal(typeof e.timestampGMT === 'number', e.sourceType === 'INDEX_SCALE');
      const orNull = (v: unknown) => (v === 0 ? null : v);
      assert.deepEqual(
        [e.bmi, orNull(e.bodyFat), orNull(e.bodyWater), orNull(e.muscleMass), orNull(e.boneMass)],
        [w.bmi, w.body_fat_pct, w.body_water_pct, w.muscle_mass_g, w.bone_mass_g],
      );
    }
  });

  test('workouts carry the API workout ids; records and gear are wrapped as the export wraps them', () => {
    const truth = sim.truth(EMAIL);
    const get = (suffix: string) => json<unknown>(members.find((m) => m.name.endsWith(suffix))!.data);
    const workouts = get('_workout.json') as { workoutList: Rec[]; workoutScheduleList: unknown[] };
    assert.deepEqual(workouts.workoutList.map((w) => String(w.workoutId)).sort(), [...truth.workouts].sort());
    assert.deepEqual(workouts.workoutScheduleList, []);
    const records = get('_personalRecord.json') as Array<{ personalRecords: Rec[] }>;
    assert.equal(records[0]!.personalRecords.length, truth.personal_records.length);
    const gear = get('_gear.json') as Array<{ gearDTOS: Rec[] }>;
    assert.deepEqual(gear[0]!.gearDTOS.map((g) => g.uuid), truth.gear.map((g) => g.gear_id));
  });

  test('two downloads are byte-identical; options split summaries, deflate the parts and move them (layout 2018)', async () => {
    const again = await download(exportUrl(sim, EMAIL, '?files_per_part=15'));
    assert.equal(sha256(again.body), sha256(archive));

    const other = await download(exportUrl(sim, EMAIL, '?summary_parts=3&files_per_part=1000&nested=deflate&layout=2018'));
    assert.equal(other.status, 200);
    const list = await unzip(other.body);
    const summaries = list.filter((m) => m.name.endsWith('_summarizedActivities.json'));
    assert.equal(summaries.length, 3);
    const ids = summaries.flatMap((m) => idsOf(m.data.toString('utf8')));
    assert.deepEqual(ids.sort(), sim.truth(EMAIL).activities.map((a) => a.activity_id).sort());
    const parts = list.filter((m) => m.name.endsWith('.zip'));
    assert.deepEqual(parts.map((p) => p.name), ['DI_CONNECT/DI-Connect-Fitness/UploadedFiles_0-_Part1.zip']);
    assert.equal(parts[0]!.method, 8);
    assert.equal((await unzip(parts[0]!.data)).length, 42 + 25);
  });

  test('unknown users are 404, bad options 400; downloads count apart from Garmin calls', async () => {
    sim.resetStats();
    assert.equal((await download(exportUrl(sim, 'nobody@example.com'))).status, 404);
    for (const q of ['?nested=zip', '?files_per_part=0', '?summary_parts=x', '?layout=2019', '?color=red']) {
      const r = await download(exportUrl(sim, EMAIL, q));
      assert.equal(r.status, 400, q);
      assert.match(r.body.toString('utf8'), /"message"/);
    }
    assert.equal((await download(exportUrl(sim, EMAIL))).status, 200);
    const stats = sim.stats();
    assert.equal(stats.total, 0, 'not a Garmin API call');
    assert.deepEqual(stats.by_route, {});
    assert.deepEqual(stats.sim_endpoints, { '/__sim/users/{email}/export.zip': { '200': 1, '400': 5, '404': 1 } });
  });
});

describe('the export streams', () => {
  test('writeExport produces nothing more while the sink has not taken the last chunk (back-pressure)', async () => {
    const sim = await startSim({ seed: 'export-stream' });
    try {
      sim.createUser({ email: EMAIL, password: 'pw', activities: 60, days: 60 });
      const user = sim.state.user(EMAIL)!;
      let chunks = 0;
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let finished = false;
      const run = writeExport(user, (c) => {
        chunks++;
        assert.ok(c.length > 0);
        return chunks === 3 ? held : undefined;
      }).then(() => {
        finished = true;
      });
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
      assert.equal(chunks, 3, 'the writer waits for the sink');
      assert.equal(finished, false);
      release();
      await run;
      assert.ok(chunks > 100);
    } finally {
      await sim.close();
    }
  });

  test('over HTTP the archive starts before it is built: chunked, counted only once done', async () => {
    const sim = await startSim({ seed: 'export-stream-http' });
    try {
      // ~20 MB of archive: far more than the socket buffers between a paused reader and the sim.
      sim.createUser({ email: EMAIL, password: 'pw', activities: 2500, days: 400 });
      const body = await new Promise<Buffer>((resolve, reject) => {
        request(exportUrl(sim, EMAIL), { agent: false }, (res) => {
          assert.equal(res.statusCode, 200);
          assert.equal(res.headers['content-type'], 'application/zip');
          assert.equal(res.headers['content-length'], undefined, 'streamed, not sized up front');
          const chunks: Buffer[] = [];
          res.once('data', (first: Buffer) => {
            chunks.push(first);
            res.pause();
            // The reader stopped: the sim cannot have finished the archive (it is counted when done).
            assert.deepEqual(sim.stats().sim_endpoints, {});
            res.on('data', (c: Buffer) => chunks.push(c));
            res.resume();
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        })
          .on('error', reject)
          .end();
      });
      assert.ok(body.length > 15_000_000, `archive of ${body.length} bytes`);
      assert.deepEqual(sim.stats().sim_endpoints, { '/__sim/users/{email}/export.zip': { '200': 1 } });
      assert.equal(body.readUInt32LE(body.length - 22), 0x06054b50, 'complete: ends with the end-of-central-directory record');

      // A reader that leaves mid-archive stops the build (counted as aborted); the sim carries on.
      sim.resetStats();
      await new Promise<void>((resolve, reject) => {
        const req = request(exportUrl(sim, EMAIL), { agent: false }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => undefined);
        req.once('response', (res) => res.on('error', () => undefined));
        req.on('close', () => resolve());
        req.end();
        setTimeout(() => reject(new Error('no answer')), 30_000).unref();
      });
      while (sim.stats().sim_endpoints['/__sim/users/{email}/export.zip'] === undefined) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(sim.stats().sim_endpoints, { '/__sim/users/{email}/export.zip': { aborted: 1 } });
      assert.equal((await download(exportUrl(sim, EMAIL, '?summary_parts=x'))).status, 400);
    } finally {
      await sim.close();
    }
  });
});
