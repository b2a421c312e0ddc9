import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createUser } from '../src/services/user-admin.js';
import { dialects } from './helpers/dialects.js';
import { pgServerPair } from './helpers/pg-server-pair.js';
import { assertTruthOverApi, authed, signInAndLink, waitForEnd } from './sync/black-box.js';

// Two server processes with two workers each share one PostgreSQL database (and nothing else: each
// has its own data dir, the FIT files are in the database); ten users sync at once. FOR UPDATE SKIP
// LOCKED hands every job to exactly one worker: each is claimed once and completes once.
const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
describe('ten users, two worker processes, one PostgreSQL database', {
  skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS',
}, () => {
  const start = pgServerPair('sync-workers');

  test('every job completes exactly once and every user ends with their truth', async () => {
    const { sim, a, b, db } = await start('sync-two-workers', { FITSYNC_WORKERS: '2' });
    const users = Array.from({ length: 10 }, (_, i) => ({ name: `worker${i}`, email: `worker${i}@example.com` }));
    for (const u of users) {
      sim.createUser({ email: u.email, password: 'garmin-pw', mfa: null, activities: 25, days: 20, workouts: 2 });
      await createUser(db, u.name, 'pass phrase');
    }
    const tokens = await Promise.all(users.map((u, i) => signInAndLink([a, b][i % 2]!.url, u.name, 'pass phrase', u.email)));
    const jobs = await Promise.all(
      tokens.map(async (t, i) => {
        const r = await authed('POST', `${[a, b][i % 2]!.url}/v1/sync/jobs`, t, { sync_type: 'all' });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        return r.body.job_id as string;
      }),
    );
    const ends = await Promise.all(jobs.map((id, i) => waitForEnd(() => a.url, tokens[i]!, id, 120_000)));
    for (const e of ends) assert.equal(e.status, 'completed', e.error_message);
    const rows = await db.all<{ job_id: string; attempts: number; lease_owner: string | null }>(
      'SELECT job_id, attempts, lease_owner FROM sync_jobs ORDER BY job_id',
    );
    assert.equal(rows.length, 10);
    for (const r of rows) assert.equal(Number(r.attempts), 1, `job ${r.job_id} was claimed ${r.attempts} times`);
    for (const [i, u] of users.entries()) await assertTruthOverApi(b.url, tokens[i]!, sim, u.email);
  });
});

