import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { runMain } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { activity, job } from '../helpers/sync-stub-server.js';

// Answers that break the @fitsync/api schema the CLI's validators are compiled from: each is the
// server's fault, so exit 6 with one clear line naming the answer — no stack, no "unexpected error".
describe('server answers that break the contract: exit 6, a clear message, no stack', () => {
  const fixture = stubFixture();
  const cases: { name: string; argv: string[]; method: string; path: string; body: unknown; what: string }[] = [
    { name: 'a job without counts', argv: ['sync', 'status', 'job-1'], method: 'GET', path: '/v1/sync/jobs/job-1', body: job({ counts: undefined }), what: 'sync job' },
    { name: 'a job with an unknown status', argv: ['sync', 'status', 'job-1'], method: 'GET', path: '/v1/sync/jobs/job-1', body: job({ status: 'exploded' }), what: 'sync job' },
    { name: 'a job whose window names no day', argv: ['sync', 'status', 'job-1'], method: 'GET', path: '/v1/sync/jobs/job-1', body: job({ since: '2026-02-30' }), what: 'sync job' },
    { name: 'a job with progress over 100', argv: ['sync', 'status', 'job-1'], method: 'GET', path: '/v1/sync/jobs/job-1', body: job({ progress: 101 }), what: 'sync job' },
    { name: 'a job id unsafe in a path', argv: ['sync', 'status'], method: 'GET', path: '/v1/sync/jobs/latest', body: job({ job_id: '../../v1/me' }), what: 'sync job' },
    { name: 'a job list that is an array', argv: ['sync', 'list'], method: 'GET', path: '/v1/sync/jobs?limit=20', body: [job()], what: 'sync job list' },
    { name: 'a cancelled job that is not a job', argv: ['sync', 'cancel', 'job-1'], method: 'POST', path: '/v1/sync/jobs/job-1/cancel', body: { ok: true }, what: 'sync job' },
    {
      name: 'an activity with a start time that is no date-time',
      argv: ['activities', 'list'],
      method: 'GET',
      path: '/v1/activities?limit=50',
      body: { activities: [activity('1', { start_time: 'yesterday' })], next_cursor: null },
      what: 'activity list',
    },
    { name: 'a user without a name', argv: ['auth', 'status'], method: 'GET', path: '/v1/me', body: { user_id: 'u1', mfa_enabled: false, created_at: '2026-01-01T00:00:00.000Z' }, what: 'user' },
    { name: 'a Garmin link in an unknown state', argv: ['garmin', 'status'], method: 'GET', path: '/v1/garmin/connection', body: { status: 'maybe', display_name: null, connected_at: null }, what: 'Garmin connection' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { dir, stub } = await fixture.setup([{ method: c.method, path: c.path, reply: { status: 200, body: c.body } }], { signedIn: true });
      const r = await runMain(c.argv, { configDir: dir, runtime: new DrivenRuntime() });
      assert.equal(r.code, 6, r.err);
      assert.equal(r.err, `the server sent an unexpected ${c.what} answer\n`);
      stub.verify();
    });
  }
});
