import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { assertProblem, call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';
import { uniqueName } from './helpers/api.js';
import { drain, linkedUser, startSync, startWorld, type SyncWorld, waitFor } from './sync/harness.js';

/** Reads an SSE stream to its end (bounded); returns the `data:` payloads. */
// biome-ignore lint/suspicious/noExplicitAny: tests read ad-hoc JSON snapshots field by field
function readEvents(url: string, token: string, timeoutMs = 15_000): Promise<{ status: number; type: string; events: any[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => {
        clearTimeout(t);
        const events = text
          .split('\n\n')
          .map((block) => block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'))
          .filter(Boolean)
          .map((d) => JSON.parse(d));
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), events });
      });
    });
    const t = setTimeout(() => {
      req.destroy();
      reject(new Error('event stream did not end'));
    }, timeoutMs);
    req.on('error', reject);
  });
}

for (const { dialect, skip } of await dialects()) {
  describe(`sync jobs API on ${dialect}`, { skip }, () => {
    let w: SyncWorld;
    before(async () => {
      w = await startWorld(dialect, `sync-api-${dialect}`);
    });
    after(async () => {
      // A test that left a job running in this process would leak a worker.
      assert.equal(w?.s.app.deps.syncWorkers.active ?? 0, 0, 'a sync job is still running');
      await w?.close();
    });

    test('without a Garmin connection: 409 garmin_not_connected; bad bodies: 400', async () => {
      const pair = await userWithSession(w.s.app, w.s.db, uniqueName('nc'));
      assertProblem(await call(w.s.app, 'POST', '/v1/sync/jobs', { token: pair.access_token, body: { sync_type: 'all' } }), 409, 'garmin_not_connected');
      assertProblem(await call(w.s.app, 'GET', '/v1/sync/jobs/latest', { token: pair.access_token }), 404, 'not_found');
      assertProblem(await call(w.s.app, 'POST', '/v1/sync/jobs', { body: { sync_type: 'all' } }), 401, 'invalid_token');
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      for (const body of [
        { sync_type: 'everything' },
        { sync_type: 'all', since: '2026-02-30' },
        { sync_type: 'all', since: '2026-03-02', until: '2026-03-01' },
        { sync_type: 'all', full: true, since: '2026-03-01' },
        { sync_type: 'all', extra: 1 },
      ]) {
        assertProblem(await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body }), 400, 'validation_error');
      }
    });

    test('one active job per user: a second start is 409 with the first job id; another user is not blocked', async () => {
      const u = await linkedUser(w, { activities: 2, days: 2, workouts: 1 });
      const first = await startSync(w, u);
      const second = assertProblem(await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body: { sync_type: 'health' } }), 409, 'sync_in_progress');
      assert.equal(second.job_id, first.job_id);
      const other = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      await startSync(w, other);
      // Another user's job id reads as not found, for every verb.
      assertProblem(await call(w.s.app, 'GET', `/v1/sync/jobs/${first.job_id}`, { token: other.token }), 404, 'not_found');
      assertProblem(await call(w.s.app, 'POST', `/v1/sync/jobs/${first.job_id}/cancel`, { token: other.token }), 404, 'not_found');
      assertProblem(await call(w.s.app, 'GET', `/v1/sync/jobs/${first.job_id}/events`, { token: other.token }), 404, 'not_found');
      assertProblem(await call(w.s.app, 'GET', '/v1/sync/jobs/nope', { token: u.token }), 404, 'not_found');
      assert.equal(await drain(w), 2);
      const done = await call(w.s.app, 'GET', `/v1/sync/jobs/${first.job_id}`, { token: u.token });
      assert.equal(done.body.status, 'completed', done.body.error_message);
      assertProblem(await call(w.s.app, 'POST', `/v1/sync/jobs/${first.job_id}/cancel`, { token: u.token }), 409, 'job_finished');
      // Once it ended, a new job may start.
      await startSync(w, u, { sync_type: 'workouts' });
      await drain(w);
    });

    test('Idempotency-Key: same key and body → the same job; another body → 422; concurrent retries → one job', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      const post = (key: string, body: object) =>
        w.s.app.inject({ method: 'POST', url: '/v1/sync/jobs', payload: body, headers: { authorization: `Bearer ${u.token}`, 'idempotency-key': key } });
      const results = await Promise.all(Array.from({ length: 5 }, () => post('key-1', { sync_type: 'all' })));
      for (const r of results) assert.equal(r.statusCode, 202, r.body);
      const ids = new Set(results.map((r) => JSON.parse(r.body).job_id));
      assert.equal(ids.size, 1);
      const reused = await post('key-1', { sync_type: 'health' });
      assert.equal(reused.statusCode, 422);
      assert.equal(JSON.parse(reused.body).code, 'idempotency_key_reused');
      await drain(w);
      // After the job ended, the same key still names the same (finished) job.
      const again = await post('key-1', { sync_type: 'all' });
      assert.equal(again.statusCode, 202);
      assert.equal(JSON.parse(again.body).job_id, [...ids][0]);
      assert.equal(JSON.parse(again.body).status, 'completed');
      const list = await call(w.s.app, 'GET', '/v1/sync/jobs', { token: u.token });
      assert.equal(list.body.jobs.length, 1);
    });

    test('a malformed Idempotency-Key or job id is a 400 naming the field, and starts nothing', async () => {
      const u = await linkedUser(w, { activities: 1, days: 1, workouts: 0 });
      for (const key of ['has space', 'x'.repeat(201), 'caf\u00e9']) {
        const r = await w.s.app.inject({
          method: 'POST',
          url: '/v1/sync/jobs',
          payload: { sync_type: 'all' },
          headers: { authorization: `Bearer ${u.token}`, 'idempotency-key': key },
        });
        assert.equal(r.statusCode, 400, r.body);
        assert.equal(JSON.parse(r.body).code, 'validation_error');
        assert.match(r.body, /idempotency-key/i);
      }
      const bad = await call(w.s.app, 'GET', `/v1/sync/jobs/${encodeURIComponent('../x y')}`, { token: u.token });
      assert.equal(bad.status, 400);
      const list = await call(w.s.app, 'GET', '/v1/sync/jobs', { token: u.token });
      assert.equal(list.body.jobs.length, 0);
    });

    test('cancel: a pending job is cancelled at once; a running one within 2 s', async () => {
      const u = await linkedUser(w, { activities: 40, days: 5, workouts: 0 });
      const pending = await startSync(w, u);
      const c = await call(w.s.app, 'POST', `/v1/sync/jobs/${pending.job_id}/cancel`, { token: u.token });
      assert.equal(c.status, 202);
      assert.equal(c.body.status, 'cancelled');
      assert.equal(await drain(w), 0);

      // Slow FIT downloads keep the job running long enough to cancel it mid-way.
      w.sim.setFaults([{ path_prefix: '/download-service/', kind: 'slow', rate: 1, delay_ms: 300 }]);
      try {
        const job = await startSync(w, u, { sync_type: 'activities' });
        const running = w.s.app.deps.syncWorkers.runOnce();
        await waitFor('progress', async () => {
          const j = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
          return j.status === 'running' && j.processed_items > 0 && j;
        });
        const seen = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
        assert.equal(seen.total_items, 40, 'total_items is known before the downloads end');
        assert.ok(seen.progress >= 0 && seen.progress < 100);
        const t0 = Date.now();
        const r = await call(w.s.app, 'POST', `/v1/sync/jobs/${job.job_id}/cancel`, { token: u.token });
        assert.equal(r.status, 202);
        const end = await waitFor('cancelled', async () => {
          const j = (await call(w.s.app, 'GET', `/v1/sync/jobs/${job.job_id}`, { token: u.token })).body;
          return j.status === 'cancelled' && j;
        });
        assert.ok(Date.now() - t0 < 2000, `cancel took ${Date.now() - t0} ms`);
        assert.ok(end.end_time);
        await running;
        assert.ok(end.processed_items < 40);
      } finally {
        w.sim.setFaults([]);
      }
    });

    test('list (status filter, limit, cursor, newest first), latest, and the event stream', async () => {
      const u = await linkedUser(w, { activities: 3, days: 3, workouts: 1 });
      const ids: string[] = [];
      for (const t of ['workouts', 'health', 'activities', 'workouts']) {
        ids.push((await startSync(w, u, { sync_type: t })).job_id);
        await drain(w);
      }
      const cancelled = await startSync(w, u);
      await call(w.s.app, 'POST', `/v1/sync/jobs/${cancelled.job_id}/cancel`, { token: u.token });
      ids.push(cancelled.job_id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof call>> = await call(w.s.app, 'GET', `/v1/sync/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: u.token });
        assert.equal(page.status, 200);
        assert.ok(page.body.jobs.length <= 2);
        seen.push(...page.body.jobs.map((j: { job_id: string }) => j.job_id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, [...ids].reverse());
      const completed = await call(w.s.app, 'GET', '/v1/sync/jobs?status=completed', { token: u.token });
      assert.equal(completed.body.jobs.length, 4);
      assert.ok(completed.body.jobs.every((j: { status: string }) => j.status === 'completed'));
      assertProblem(await call(w.s.app, 'GET', '/v1/sync/jobs?cursor=garbage', { token: u.token }), 400, 'validation_error');
      const latest = await call(w.s.app, 'GET', '/v1/sync/jobs/latest', { token: u.token });
      assert.equal(latest.body.job_id, cancelled.job_id);

      // Events: snapshots while it runs, ending with the terminal one.
      const job = await startSync(w, u);
      const stream = readEvents(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
      await new Promise((r) => setTimeout(r, 100));
      await drain(w);
      const { status, type, events } = await stream;
      assert.equal(status, 200);
      assert.match(type, /^text\/event-stream/);
      assert.ok(events.length >= 2, `only ${events.length} events`);
      assert.equal(events[0].job_id, job.job_id);
      assert.equal(events.at(-1).status, 'completed');
      // A client that goes away mid-stream: the server stops polling for it at once.
      const metric = async (name: string) =>
        Number(new RegExp(`^${name} (\\d+)$`, 'm').exec((await call(w.s.app, 'GET', '/metrics')).body)?.[1] ?? 0);
      const pendingJob = await startSync(w, u);
      const before = await metric('fitsync_sync_event_streams_closed_total');
      const req = http.get(`${w.s.url}/v1/sync/jobs/${pendingJob.job_id}/events`, { headers: { authorization: `Bearer ${u.token}` } });
      req.on('error', () => {});
      await new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())));
      assert.equal(await metric('fitsync_sync_event_streams_closed_total'), before);
      req.destroy();
      await waitFor('the stream to be cleaned up', async () => (await metric('fitsync_sync_event_streams_closed_total')) === before + 1, 2000);
      await call(w.s.app, 'POST', `/v1/sync/jobs/${pendingJob.job_id}/cancel`, { token: u.token });

      // A finished job's stream sends its final snapshot and ends.
      const again = await readEvents(`${w.s.url}/v1/sync/jobs/${job.job_id}/events`, u.token);
      assert.equal(again.events.length, 1);
      assert.equal(again.events[0].status, 'completed');
    });
  });
}
