import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '../src/index.js';
import { bearer, http, signIn } from './helpers.js';

const HOUR = 3_600_000;
/** 2026-06-15 23:30 UTC: Honolulu 13:30 on the 15th, Fakaofo 12:30 on the 16th. */
const NOW = Date.parse('2026-06-15T23:30:00Z');
const gmtMs = (s: string) => Date.parse(`${s.slice(0, 19)}Z`);
// biome-ignore lint/suspicious/noExplicitAny: test JSON is read loosely; the assertions check its shape
type J = any;

describe('account time zones, local days, device uploads', () => {
  let sim: RunningSim;
  let clock = NOW;
  const acct: Record<string, { token: string; name: string }> = {};
  const get = async (email: string, path: string): Promise<{ status: number; body: J }> => {
    const r = await http(`${sim.url}${path}`, { headers: bearer(acct[email]!.token) });
    return { status: r.status, body: r.text === '' ? null : JSON.parse(r.text) };
  };

  before(async () => {
    sim = await startSim({ seed: 'tz-test', runtime: { ...systemRuntime, now: () => clock } });
    for (const [email, zone] of [
      ['hnl@example.com', 'Pacific/Honolulu'],
      ['fko@example.com', 'Pacific/Fakaofo'],
      ['tbu@example.com', 'Pacific/Tongatapu'],
    ] as const) {
      const created = sim.createUser({ email, password: 'pw', days: 10, activities: 12, time_zone: zone });
      assert.equal(created.time_zone, zone);
      acct[email] = { name: created.display_name, token: (await signIn(sim.url, email, 'pw')).access_token };
    }
  });
  after(() => sim.close());

  test('a zone the sim does not model is refused (400 over HTTP, a throw in-process); no zone keeps the seeded pick', async () => {
    const post = (body: unknown) =>
      http(`${sim.url}/__sim/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const [i, time_zone] of ['Mars/Olympus', 'Europe/Berlin', 42, ''].entries()) {
      const r = await post({ email: `bad-${i}@example.com`, password: 'pw', time_zone });
      assert.equal(r.status, 400, String(time_zone));
      assert.match(r.json<{ message: string }>().message, /time_zone must be one of .*Pacific\/Honolulu.*Pacific\/Fakaofo/);
    }
    assert.throws(() => sim.createUser({ email: 'x@example.com', password: 'pw', time_zone: 'Mars/Olympus' }), /unknown time zone/);
    const ok = await post({ email: 'hnl2@example.com', password: 'pw', time_zone: 'Pacific/Honolulu' });
    assert.equal(ok.status, 201);
    assert.equal(ok.json<{ time_zone: string }>().time_zone, 'Pacific/Honolulu');
    // Without a zone the account gets the one its seed picked before zones could be named.
    const a = sim.createUser({ email: 'seeded@example.com', password: 'pw' });
    assert.ok(['America/Costa_Rica', 'Asia/Tokyo', 'UTC', 'Asia/Kolkata'].includes(a.time_zone), a.time_zone);
  });

  test('personal-information carries the zone (userInfo.timezone); another display name is 403', async () => {
    for (const [email, zone] of [
      ['hnl@example.com', 'Pacific/Honolulu'],
      ['fko@example.com', 'Pacific/Fakaofo'],
    ] as const) {
      const r = await get(email, `/userprofile-service/userprofile/personal-information/${acct[email]!.name}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.userInfo.timezone, zone);
      assert.equal(r.body.userInfo.email, email);
      assert.equal(typeof r.body.biometricProfile.weight, 'number');
    }
    const other = await get('hnl@example.com', `/userprofile-service/userprofile/personal-information/${acct['fko@example.com']!.name}`);
    assert.equal(other.status, 403);
  });

  test("health days are local days: history ends at the account's yesterday, GMT bounds shifted by its offset", async () => {
    for (const [email, yesterday, offsetH] of [
      ['hnl@example.com', '2026-06-14', -10],
      ['fko@example.com', '2026-06-15', 13],
      ['tbu@example.com', '2026-06-15', 13],
    ] as const) {
      const truth = sim.truth(email);
      const history = [...truth.days, ...truth.days_without_data].sort();
      assert.equal(history.length, 10);
      assert.equal(history.at(-1), yesterday, email);
      const day = truth.days[0]!;
      const name = acct[email]!.name;
      const s = (await get(email, `/usersummary-service/usersummary/daily/${name}?calendarDate=${day}`)).body;
      assert.equal(s.calendarDate, day);
      assert.equal(s.wellnessStartTimeLocal, `${day}T00:00:00.0`);
      assert.equal(gmtMs(s.wellnessStartTimeGmt), Date.parse(`${day}T00:00:00Z`) - offsetH * HOUR);
      const hr = (await get(email, `/wellness-service/wellness/dailyHeartRate/${name}?date=${day}`)).body;
      assert.equal(gmtMs(hr.startTimestampGMT), Date.parse(`${day}T00:00:00Z`) - offsetH * HOUR);
      assert.equal(hr.startTimestampLocal, `${day}T00:00:00.0`);
      const values = hr.heartRateValues as [number, number | null][];
      assert.equal(values[0]![0], Date.parse(`${day}T00:00:00Z`) - offsetH * HOUR, 'the first sample is local midnight');
      assert.ok(values.at(-1)![0] < Date.parse(`${day}T00:00:00Z`) - offsetH * HOUR + 24 * HOUR);
      const chart = (await get(email, `/wellness-service/wellness/dailySummaryChart/${name}?date=${day}`)).body;
      assert.equal(gmtMs(chart[0].startGMT), Date.parse(`${day}T00:00:00Z`) - offsetH * HOUR);
    }
  });

  test("today is the account's local today (partial with add_today); no day after it has data", async () => {
    // Honolulu's today is the 15th (13:30); Fakaofo's the 16th (12:30), which in UTC has not begun.
    for (const [email, today, tomorrow] of [
      ['hnl@example.com', '2026-06-15', '2026-06-16'],
      ['fko@example.com', '2026-06-16', '2026-06-17'],
    ] as const) {
      const name = acct[email]!.name;
      assert.deepEqual(sim.editHealth(email, { add_today: true }), [today]);
      const truth = sim.truth(email);
      assert.equal(truth.days[0], today);
      const hr = (await get(email, `/wellness-service/wellness/dailyHeartRate/${name}?date=${today}`)).body;
      const values = hr.heartRateValues as [number][];
      assert.ok(values.length > 0 && values.every((p) => p[0] < clock), 'up to the sim clock only');
      const next = (await get(email, `/usersummary-service/usersummary/daily/${name}?calendarDate=${tomorrow}`)).body;
      assert.equal(next.includesWellnessData, false, `${tomorrow} has no data for ${email}`);
      assert.equal((await get(email, `/wellness-service/wellness/dailyStress/${tomorrow}`)).body, null);
    }
  });

  test('the activity list filters on local start dates', async () => {
    const email = 'fko@example.com';
    const all = (await get(email, '/activitylist-service/activities/search/activities?limit=100')).body as J[];
    assert.equal(all.length, 12);
    const date = (all[0].startTimeLocal as string).slice(0, 10);
    const sameLocalDay = all.filter((a) => (a.startTimeLocal as string).startsWith(date));
    const filtered = (await get(email, `/activitylist-service/activities/search/activities?limit=100&startDate=${date}&endDate=${date}`)).body as J[];
    assert.deepEqual(
      filtered.map((a) => a.activityId),
      sameLocalDay.map((a) => a.activityId),
    );
    // Local = GMT + 13 h in every item.
    for (const a of all) assert.equal(gmtMs(a.startTimeLocal.replace(' ', 'T')) - gmtMs(a.startTimeGMT.replace(' ', 'T')), 13 * HOUR);
  });

  test("mylastused: the device's last upload moves when activities or health data are added, not when data is read", async () => {
    const email = 'tbu@example.com';
    const last = async () => {
      const r = await get(email, '/device-service/deviceservice/mylastused');
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.lastUsedDeviceName, 'string');
      return r.body.lastUsedDeviceUploadTime as number;
    };
    const t0 = await last();
    assert.equal(t0, NOW, "the account's creation");
    await get(email, '/activitylist-service/activities/search/activities?limit=5');
    assert.equal(await last(), t0, 'reading changes nothing');
    clock += HOUR;
    sim.addActivities(email, 1);
    const t1 = await last();
    assert.equal(t1, clock);
    // Same instant again: still a newer upload (strictly increasing).
    const night = sim.truth(email).health_days.find((h) => h.sleep_s !== null)!.date;
    sim.editHealth(email, { edit_sleep: night });
    const t2 = await last();
    assert.ok(t2 > t1);
    clock += HOUR;
    sim.editHealth(email, { add_today: true });
    assert.equal(await last(), clock);
    const added = await http(`${sim.url}/__sim/users/${encodeURIComponent(email)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1 }),
    });
    assert.equal(added.status, 201);
    assert.ok((await last()) > clock, 'the control path moves it too');
  });
});
