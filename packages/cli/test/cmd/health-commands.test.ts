import assert from 'node:assert/strict';
import { HEALTH_DAILY_FIELDS } from '@fitsync/api';
import { describe, test } from 'node:test';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { fakeIO } from '../helpers/fake-io.js';
import { fullDay, healthDay, series } from '../helpers/health-data.js';
import { runMain } from '../helpers/run-main.js';
import { widest, withoutEscapes } from '../helpers/screen.js';
import { stubFixture } from '../helpers/stub-fixture.js';

/** Any drawing the charts use: block elements, box drawing, or an ASCII bar row. */
const DRAWING = /[\u2500-\u259f]|\u001b|\| *[#+.]{3}/;

/** Fake streams whose stdout is a terminal `columns` wide. */
function terminal(columns: number) {
  const f = fakeIO({ tty: true });
  Object.assign(f.io.out, { isTTY: true, columns });
  return f;
}

const DAYS = ['2026-03-12', '2026-03-13', '2026-03-14'].map((d, i) => fullDay(d, i));
const DAY_SERIES = ['heart_rate', 'stress', 'body_battery', 'sleep_stages'] as const;

describe('health commands against a stub server', () => {
  const fixture = stubFixture();
  async function setup() {
    return { ...(await fixture.setupRaw({ signedIn: true })), runtime: new DrivenRuntime(Date.now()) };
  }

  test('days: main fields as a table; json and csv carry every field; --fields picks columns, date first', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/health/daily?since=2026-03-12&until=2026-03-14', 200, { days: [DAYS[2], DAYS[0], DAYS[1]] }, 4);
    const range = ['--since', '2026-03-12', '--until', '2026-03-14'];
    const t = await runMain(['health', 'days', ...range], { configDir: dir, runtime });
    assert.equal(t.code, 0, t.err);
    const lines = t.out.trimEnd().split('\n');
    assert.match(lines[0] as string, /^DATE +STEPS +REST HR +STRESS +BB HIGH +BB LOW +SLEEP +SCORE +HRV +READY$/);
    assert.match(lines[1] as string, /^2026-03-12 +8000 +50 +30 +90 +20 +7h 20m +80 +48 +70$/, 'oldest first');
    assert.ok(lines.every((l) => l.length <= 80), 'fits 80 columns');
    assert.equal(lines.length, 4);
    const j = await runMain(['health', 'days', ...range, '-o', 'json'], { configDir: dir, runtime });
    assert.deepEqual(JSON.parse(j.out).days, DAYS);
    const c = await runMain(['health', 'days', ...range, '-o', 'csv'], { configDir: dir, runtime });
    const csv = c.out.trimEnd().split('\n');
    assert.equal(csv[0], HEALTH_DAILY_FIELDS.join(','));
    assert.match(csv[3] as string, /^2026-03-14,8274,6100.5,2300,,,,52,45,150,32,,90,20,,,2026-03-13T22:40:00.000Z,/);
    const f = await runMain(['health', 'days', ...range, '--fields', 'sleep_score, steps,sleep_score', '-o', 'csv'], { configDir: dir, runtime });
    assert.equal(f.out, 'date,sleep_score,steps\n2026-03-12,80,8000\n2026-03-13,80,8137\n2026-03-14,80,8274\n');
    stub.verify();
  });

  test('days: no day with data prints "no data" and exits 0; json is an empty list', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/health/daily?since=2020-01-01', 200, { days: [] }, 2);
    const t = await runMain(['health', 'days', '--since', '2020-01-01'], { configDir: dir, runtime });
    assert.equal(t.code, 0);
    assert.equal(t.out, '');
    assert.match(t.err, /^no data$/m);
    const j = await runMain(['health', 'days', '--since', '2020-01-01', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(j.code, 0);
    assert.deepEqual(JSON.parse(j.out), { days: [] });
    stub.verify();
  });

  test('usage errors (exit 2) name the valid choices; nothing is requested', async () => {
    const { dir, stub, runtime } = await setup();
    const bad = await runMain(['health', 'days', '--fields', 'steps,stepz'], { configDir: dir, runtime });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown field "stepz" in --fields/);
    assert.match(bad.err, /resting_hr/);
    assert.equal((await runMain(['health', 'days', '--fields', 'steps,,date'], { configDir: dir, runtime })).code, 2);
    assert.equal((await runMain(['health', 'days', '--since', '2026-02-30'], { configDir: dir, runtime })).code, 2);
    const date = await runMain(['health', 'show', '14.03.2026'], { configDir: dir, runtime });
    assert.equal(date.code, 2);
    assert.match(date.err, /invalid DATE "14\.03\.2026"/);
    const trend = await runMain(['health', 'trend', 'hrv_status'], { configDir: dir, runtime });
    assert.equal(trend.code, 2, 'not a number: no trend');
    assert.match(trend.err, /unknown metric "hrv_status"/);
    assert.match(trend.err, /hrv_nightly_avg_ms/);
    assert.equal((await runMain(['health', 'trend'], { configDir: dir, runtime })).code, 2);
    const s = await runMain(['health', 'series', 'pulse'], { configDir: dir, runtime });
    assert.equal(s.code, 2);
    assert.match(s.err, /use one of: heart_rate, stress, body_battery, respiration, spo2, steps, sleep_stages/);
    assert.equal((await runMain(['health', 'series', 'stress', '--date', '2026-13-01'], { configDir: dir, runtime })).code, 2);
    assert.deepEqual(stub.calls, []);
  });

  test('show on a terminal: the latest day, its numbers, and charts that fit the width', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/health/daily', 200, { days: DAYS }, 2);
    for (const m of DAY_SERIES) stub.json('GET', `/v1/health/series/${m}?date=2026-03-14`, 200, series(m, '2026-03-14'), 2);
    const io = terminal(100);
    const r = await runMain(['health', 'show'], { configDir: dir, runtime, io });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^date: +2026-03-14$/m);
    assert.match(r.out, /^sleep_s: +7h 20m$/m);
    assert.match(r.out, /^hrv_status: +BALANCED$/m);
    assert.ok(!/^body_battery_charged/m.test(r.out), 'fields without a value are left out');
    for (const title of ['Heart rate (bpm)', 'Stress (0-100)', 'Body battery (0-100)', 'Sleep ']) assert.ok(r.out.includes(title), title);
    assert.match(r.out, /\u001b\[31m/, 'colour on a terminal');
    assert.ok(withoutEscapes(r.out).includes('█ deep  ▓ light  ▒ REM  ░ awake'), 'legend');
    assert.equal(widest(r.out), 100, 'as wide as the terminal, no wider');
    const plain = terminal(60);
    const n = await runMain(['health', 'show'], { configDir: dir, runtime, io: plain, env: { NO_COLOR: '1' } });
    assert.equal(n.code, 0, n.err);
    assert.ok(!n.out.includes('\u001b'), 'NO_COLOR: no escape code');
    assert.match(n.out, /▁|█/);
    assert.ok(widest(n.out) <= 60);
    stub.verify();
  });

  test('show: json/csv and a pipe get no drawing and fetch no series; a day without data is "no data"', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/health/daily?since=2026-03-13&until=2026-03-13', 200, { days: [DAYS[1]] }, 3);
    const j = await runMain(['health', 'show', '2026-03-13', '-o', 'json'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(j.code, 0, j.err);
    assert.deepEqual(JSON.parse(j.out), DAYS[1]);
    const c = await runMain(['health', 'show', '2026-03-13', '-o', 'csv'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(c.out.split('\n')[0], HEALTH_DAILY_FIELDS.join(','));
    assert.ok(!DRAWING.test(c.out));
    const piped = await runMain(['health', 'show', '2026-03-13'], { configDir: dir, runtime });
    assert.match(piped.out, /^steps: +8137$/m);
    assert.ok(!DRAWING.test(piped.out), piped.out);
    stub.json('GET', '/v1/health/daily?since=2026-01-01&until=2026-01-01', 200, { days: [] });
    const none = await runMain(['health', 'show', '2026-01-01'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(none.code, 0);
    assert.equal(none.out, '');
    assert.match(none.err, /no data/);
    // -o json|csv: still one document on stdout (null; the header line without a row)
    stub.json('GET', '/v1/health/daily?since=2026-01-01&until=2026-01-01', 200, { days: [] }, 2);
    const noneJson = await runMain(['health', 'show', '2026-01-01', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(noneJson.code, 0, noneJson.err);
    assert.equal(JSON.parse(noneJson.out), null);
    assert.match(noneJson.err, /no data/);
    const noneCsv = await runMain(['health', 'show', '2026-01-01', '-o', 'csv'], { configDir: dir, runtime });
    assert.equal(noneCsv.code, 0, noneCsv.err);
    assert.equal(noneCsv.out, `${HEALTH_DAILY_FIELDS.join(',')}\n`);
    stub.verify();
  });

  test('show --ascii: plain ASCII charts without colour', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/health/daily?since=2026-03-14&until=2026-03-14', 200, { days: [DAYS[2]] });
    for (const m of DAY_SERIES) stub.json('GET', `/v1/health/series/${m}?date=2026-03-14`, 200, series(m, '2026-03-14'));
    const r = await runMain(['health', 'show', '2026-03-14', '--ascii'], { configDir: dir, runtime, io: terminal(72) });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^[\x20-\x7e\n]*$/);
    assert.ok(r.out.includes('# deep  = light  ~ REM  . awake'), 'legend');
    assert.ok(widest(r.out) <= 72);
    stub.verify();
  });

  test('show on a terminal: series without points are not drawn (a day with only a weigh-in)', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/health/daily?since=2026-03-10&until=2026-03-10', 200, { days: [healthDay('2026-03-10', { weight_g: 80_000 })] });
    for (const m of DAY_SERIES) stub.json('GET', `/v1/health/series/${m}?date=2026-03-10`, 200, series(m, '2026-03-10', []));
    const r = await runMain(['health', 'show', '2026-03-10'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'date:     2026-03-10\nweight_g: 80000\n');
    stub.verify();
  });

  test('trend: a chart on a terminal; rows with -o or in a pipe; a range without values is "no data"', async () => {
    const { dir, stub, runtime } = await setup();
    const days = Array.from({ length: 60 }, (_, i) => fullDay(new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), i));
    (days[20] as { resting_hr: number | null }).resting_hr = null;
    stub.json('GET', '/v1/health/daily?since=2026-01-01&until=2026-03-01', 200, { days }, 4);
    const args = ['health', 'trend', 'resting_hr', '--since', '2026-01-01', '--until', '2026-03-01'];
    const chart = await runMain(args, { configDir: dir, runtime, io: terminal(120) });
    assert.equal(chart.code, 0, chart.err);
    const lines = chart.out.trimEnd().split('\n');
    assert.equal(lines[0], 'resting_hr, 2026-01-01 to 2026-03-01: 59 days, min 50, avg 53, max 56');
    assert.match(lines[1] as string, /^56 ┤/);
    assert.match(lines[8] as string, /^50 ┤/);
    assert.match(lines[9] as string, /^ {4}2026-01-01 /);
    assert.equal(widest(chart.out), 120);
    stub.json('GET', '/v1/health/daily?since=2026-01-01&until=2026-01-02', 200, { days: [fullDay('2026-01-01'), healthDay('2026-01-02', { sleep_s: 30_000 })] });
    const sleep = await runMain(['health', 'trend', 'sleep_s', '--since', '2026-01-01', '--until', '2026-01-02'], { configDir: dir, runtime, io: terminal(80) });
    assert.match(sleep.out, /^sleep_s, 2026-01-01 to 2026-01-02: 2 days, min 7h 20m, avg 7h 50m, max 8h 20m\n8h 20m ┤/, 'durations as hours');
    const table = await runMain([...args, '-o', 'table'], { configDir: dir, runtime, io: terminal(120) });
    assert.match(table.out, /^DATE +RESTING_HR\n2026-01-01 +50\n/);
    assert.match(table.out, /^2026-01-21 +-$/m, 'a day without a value');
    const csv = await runMain([...args, '-o', 'csv'], { configDir: dir, runtime, io: terminal(120) });
    assert.match(csv.out, /^date,resting_hr\n2026-01-01,50\n/);
    assert.ok(!DRAWING.test(csv.out));
    const piped = await runMain(args, { configDir: dir, runtime });
    assert.equal(piped.out, table.out);
    stub.json('GET', '/v1/health/daily?since=2025-01-01&until=2025-01-31', 200, { days: [healthDay('2025-01-02', { steps: 5 })] });
    const none = await runMain(['health', 'trend', 'resting_hr', '--since', '2025-01-01', '--until', '2025-01-31'], { configDir: dir, runtime, io: terminal(80) });
    assert.equal(none.code, 0);
    assert.equal(none.out, '');
    assert.match(none.err, /no data/);
    stub.verify();
  });

  test('series: the latest day by default; rows, csv, json as the API sent it; "no data" exits 0', async () => {
    const { dir, stub, runtime } = await setup();
    const hr = series('heart_rate', '2026-03-14', [
      [Date.UTC(2026, 2, 14, 0, 0), 52],
      [Date.UTC(2026, 2, 14, 0, 2), 51],
    ]);
    stub.json('GET', '/v1/health/series/heart_rate', 200, hr, 3);
    const t = await runMain(['health', 'series', 'heart_rate'], { configDir: dir, runtime });
    assert.equal(t.code, 0, t.err);
    assert.equal(t.out, 'TIME                      BPM\n2026-03-14T00:00:00.000Z  52\n2026-03-14T00:02:00.000Z  51\n');
    assert.match(t.err, /heart_rate on 2026-03-14 \(bpm\)/);
    const c = await runMain(['health', 'series', 'heart_rate', '-o', 'csv'], { configDir: dir, runtime });
    assert.equal(c.out, 'time,epoch_ms,value\n2026-03-14T00:00:00.000Z,1773446400000,52\n2026-03-14T00:02:00.000Z,1773446520000,51\n');
    const j = await runMain(['health', 'series', 'heart_rate', '-o', 'json'], { configDir: dir, runtime });
    assert.deepEqual(JSON.parse(j.out), hr);
    stub.json('GET', '/v1/health/series/sleep_stages?date=2026-03-14', 200, series('sleep_stages', '2026-03-14'));
    const st = await runMain(['health', 'series', 'sleep_stages', '--date', '2026-03-14'], { configDir: dir, runtime });
    assert.match(st.out, /^2026-03-13T22:40:00.000Z +light\n2026-03-13T23:20:00.000Z +deep$/m);
    stub.json('GET', '/v1/health/series/spo2?date=2026-03-01', 200, series('spo2', '2026-03-01', []), 2);
    const none = await runMain(['health', 'series', 'spo2', '--date', '2026-03-01'], { configDir: dir, runtime });
    assert.equal(none.code, 0);
    assert.equal(none.out, '');
    assert.match(none.err, /no data/);
    const noneJson = await runMain(['health', 'series', 'spo2', '--date', '2026-03-01', '-o', 'json'], { configDir: dir, runtime });
    assert.equal(noneJson.code, 0);
    assert.deepEqual(JSON.parse(noneJson.out).points, []);
    stub.verify();
  });

  test('an answer that breaks the contract is exit 6; server text in the series unit is sanitised', async () => {
    const { dir, stub, runtime } = await setup();
    stub.json('GET', '/v1/health/daily', 200, { days: [{ date: '2026-03-14', steps: 'many' }] });
    const r = await runMain(['health', 'days'], { configDir: dir, runtime });
    assert.equal(r.code, 6);
    assert.match(r.err, /unexpected health days answer/);
    stub.json('GET', '/v1/health/series/stress', 200, { ...series('stress', '2026-03-14', [[0, 1]]), unit: 'lvl\u001b]0;x\u0007' });
    const s = await runMain(['health', 'series', 'stress'], { configDir: dir, runtime });
    assert.equal(s.code, 0, s.err);
    assert.ok(!s.out.includes('\u001b'));
    assert.match(s.out, /^TIME +LVL$/m);
    stub.verify();
  });
});
