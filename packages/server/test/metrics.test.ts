import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GARMIN_ROUTE_TEMPLATES, garminRouteOf } from '@fitsync/garmin';
import { Metrics } from '../src/metrics.js';
import { KIND_NAMES } from '../src/sync/kinds/index.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { buildExport, simExportActivities } from './helpers/export-archive.js';
import { insertImportJob } from './helpers/import-jobs.js';
import { drain, linkedUser, startSync, startWorld, type SyncWorld } from './sync/harness.js';

/** Parsed exposition text: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The series of one family with their labels. */
function series(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const [k, value] of samples(text)) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(k);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, lk, lv] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[lk!] = lv!;
    out.push({ labels, value });
  }
  return out;
}

/** A route template with its placeholders' names dropped (the sim names them differently). */
const shape = (route: string) => route.replace(/\{[^}]*\}/g, '{}');

describe('metrics registry: gauges and histograms', () => {
  test('histogram buckets are cumulative, with +Inf, _sum and _count (text format 0.0.4)', async () => {
    const m = new Metrics();
    const h = m.histogram('t_seconds', 'A test histogram.', [0.1, 1, 10]);
    for (const v of [0.05, 0.1, 0.5, 3, 60]) h.observe({ phase: 'a' }, v);
    const text = await m.render();
    assert.match(text, /^# TYPE t_seconds histogram$/m);
    const s = samples(text);
    assert.equal(s.get('t_seconds_bucket{phase="a",le="0.1"}'), 2, 'le is inclusive');
    assert.equal(s.get('t_seconds_bucket{phase="a",le="1"}'), 3);
    assert.equal(s.get('t_seconds_bucket{phase="a",le="10"}'), 4);
    assert.equal(s.get('t_seconds_bucket{phase="a",le="+Inf"}'), 5);
    assert.equal(s.get('t_seconds_count{phase="a"}'), 5);
    assert.equal(s.get('t_seconds_sum{phase="a"}'), 63.65);
  });

  test('gauges are read at each scrape; one whose reading fails is left out, the rest still render', async () => {
    const m = new Metrics();
    let n = 1;
    m.gauge('t_depth', 'A test gauge.', () => [{ labels: { state: 'queued' }, value: n }]);
    m.gauge('t_broken', 'Fails.', async () => {
      throw new Error('database down');
    });
    m.counter('t_total', 'A counter.').inc();
    assert.equal(samples(await m.render()).get('t_depth{state="queued"}'), 1);
    n = 7;
    const text = await m.render();
    assert.equal(samples(text).get('t_depth{state="queued"}'), 7);
    assert.doesNotMatch(text, /t_broken/);
    assert.equal(samples(text).get('t_total'), 1);
  });

  test('Garmin paths become their route template: no ids, dates or names in labels', () => {
    assert.equal(garminRouteOf('/activity-service/activity/12345678'), '/activity-service/activity/{id}');
    assert.equal(garminRouteOf('/hrv-service/hrv/2026-03-02'), '/hrv-service/hrv/{date}');
    assert.equal(garminRouteOf('/hrv-service/hrv/daily/2026-03-01/2026-03-28'), '/hrv-service/hrv/daily/{start}/{end}');
    assert.equal(garminRouteOf('/usersummary-service/usersummary/daily/ann.runner?calendarDate=2026-03-02'), '/usersummary-service/usersummary/daily/{displayName}');
    assert.equal(garminRouteOf('/somewhere/new/42'), 'other');
  });
});

for (const { dialect, skip } of await dialects()) {
  describe(`sync metrics on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `metrics-${dialect}`);
    });
    after(async () => {
      w?.sim.setFaults([]);
      await w?.close();
    });

    test('a sync against the sim: queue depth, Garmin calls by route and status, every phase timed', async () => {
      const u = await linkedUser(w, { activities: 6, days: 20, workouts: 2 });
      const scrape = async () => (await call(w.s.app, 'GET', '/metrics')).body as string;
      const before = series(await scrape(), 'fitsync_garmin_requests_total');
      assert.ok(before.some((s) => s.labels.endpoint === '/userprofile-service/socialProfile' && s.labels.status === '200'), 'linking read the profile');

      const job = await startSync(w, u, { sync_type: 'all' });
      let depth = series(await scrape(), 'fitsync_sync_queue_depth');
      assert.deepEqual(
        depth.map((s) => [s.labels.state, s.value]).sort(),
        [
          ['queued', 1],
          ['running', 0],
        ],
      );

      w.sim.resetStats();
      // Some answers fail (retried by the client): they are counted with their status, resets as `error`.
      w.sim.setFaults([
        { path_prefix: '/download-service/files/activity/', kind: '500', rate: 0.4 },
        { path_prefix: '/wellness-service/wellness/dailyStress/', kind: 'reset', rate: 0.3 },
      ]);
      try {
        assert.equal(await drain(w), 1);
      } finally {
        w.sim.setFaults([]);
      }
      const done = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
      assert.equal(done.status, 'completed', done.error_message);
      const text = await scrape();
      depth = series(text, 'fitsync_sync_queue_depth');
      assert.equal(depth.find((s) => s.labels.state === 'queued')?.value, 0);

      // Ours minus what linking counted, by (route shape, status), against what the sim answered.
      const ours = new Map<string, number>();
      for (const s of series(text, 'fitsync_garmin_requests_total')) {
        assert.ok(GARMIN_ROUTE_TEMPLATES.includes(s.labels.endpoint!), `bounded endpoint label: ${s.labels.endpoint}`);
        assert.match(s.labels.status!, /^(\d{3}|error)$/);
        const prev = before.find((b) => b.labels.endpoint === s.labels.endpoint && b.labels.status === s.labels.status)?.value ?? 0;
        if (s.value - prev > 0) ours.set(`${shape(s.labels.endpoint!)} ${s.labels.status}`, s.value - prev);
      }
      const sim = new Map<string, number>();
      const templates = new Set(GARMIN_ROUTE_TEMPLATES.map(shape));
      for (const [route, statuses] of Object.entries(w.sim.stats().by_route)) {
        if (!templates.has(shape(route))) continue; // sign-in and token routes are not data calls
        for (const [status, n] of Object.entries(statuses)) sim.set(`${shape(route)} ${status === 'reset' ? 'error' : status}`, n);
      }
      assert.deepEqual(Object.fromEntries([...ours].sort()), Object.fromEntries([...sim].sort()));
      assert.ok(ours.get('/download-service/files/activity/{} 500')! > 0, 'the 500 faults fired');
      assert.ok(ours.get('/wellness-service/wellness/dailyStress/{} error')! > 0, 'the resets fired');

      const counts = new Map(series(text, 'fitsync_sync_phase_seconds_count').map((s) => [s.labels.phase, s.value]));
      for (const kind of KIND_NAMES) {
        assert.ok((counts.get(`${kind}:plan`) ?? 0) > 0, `${kind}:plan timed`);
        assert.ok((counts.get(`${kind}:fetch`) ?? 0) > 0, `${kind}:fetch timed`);
      }
      for (const s of series(text, 'fitsync_sync_phase_seconds_bucket').filter((b) => b.labels.le === '+Inf')) {
        assert.equal(s.value, counts.get(s.labels.phase!), `+Inf bucket = count for ${s.labels.phase}`);
      }
    });

    test('an import job times its steps', async () => {
      const u = await linkedUser(w, { activities: 3, days: 5, workouts: 1 }, 'imp');
      const archive = await buildExport(simExportActivities(w.sim, u.email));
      await insertImportJob(w.s.db, w.s.app.deps.blobs, u.userId, archive, w.s.app.deps.runtime.now());
      assert.equal(await drain(w), 1);
      const counts = new Map(series((await call(w.s.app, 'GET', '/metrics')).body, 'fitsync_sync_phase_seconds_count').map((s) => [s.labels.phase, s.value]));
      for (const step of ['plan', 'fits', 'summaries', 'health', 'workouts', 'cursors']) {
        assert.ok((counts.get(`import:${step}`) ?? 0) > 0, `import:${step} timed: ${JSON.stringify([...counts])}`);
      }
    });
  });
}
