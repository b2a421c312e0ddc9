import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createUser } from '../src/services/user-admin.js';
import { dialects } from './helpers/dialects.js';
import { pgServerPair } from './helpers/pg-server-pair.js';
import { assertTruthOverApi, authed, signInAndLink, waitForEnd } from './sync/black-box.js';

// Fairness (product.md Part 2 §F: "many users syncing at once progress together"): 20 users of
// equal size ask at once; four workers on two instances take turns by time slices. Each job needs
// several slices of work (paced per account), so a user served first-come-first-served would end
// five times later than the first; taking turns, all end close together.
const USERS = 20;
const history = { activities: 20, days: 0, workouts: 0 };

const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
describe('20 users syncing at once on two instances (PostgreSQL)', {
  skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS',
}, () => {
  const start = pgServerPair('fairness-many');

  test('every user ends with their truth, and the slowest within 2x the fastest', async () => {
    const { sim, a, b, db } = await start('fairness-many', {
      FITSYNC_WORKERS: '2',
      FITSYNC_JOB_SLICE: '1s',
      FITSYNC_GARMIN_RPS: '10',
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    });
    const servers = [a, b];
    const users = Array.from({ length: USERS }, (_, i) => ({ name: `fair${i}`, email: `fair${i}@example.com` }));
    for (const u of users) {
      sim.createUser({ email: u.email, password: 'garmin-pw', mfa: null, ...history });
      await createUser(db, u.name, 'pass phrase');
    }
    const tokens = await Promise.all(users.map((u, i) => signInAndLink(servers[i % 2]!.url, u.name, 'pass phrase', u.email)));
    const jobs = await Promise.all(
      tokens.map(async (t, i) => {
        const r = await authed('POST', `${servers[i % 2]!.url}/v1/sync/jobs`, t, { sync_type: 'activities' });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        return r.body.job_id as string;
      }),
    );
    const ends = await Promise.all(jobs.map((id, i) => waitForEnd(() => servers[i % 2]!.url, tokens[i]!, id, 180_000)));
    for (const e of ends) assert.equal(e.status, 'completed', e.error_message);

    const rows = await db.all<{ job_id: string; created_at: number; start_time: number; end_time: number; attempts: number }>(
      'SELECT job_id, created_at, start_time, end_time, attempts FROM sync_jobs',
    );
    assert.equal(rows.length, USERS);
    // Yields are no failed attempts.
    for (const r of rows) assert.equal(Number(r.attempts), 1, `job ${r.job_id} attempts`);
    // From asking to done: all asked within moments of each other, so this is what a user waits.
    // (From the first claim to done would hide unfairness: first-come-first-served gives every job
    // the same claim-to-end time, however long it waited to be claimed.)
    const firstAsked = Math.min(...rows.map((r) => Number(r.created_at)));
    const waited = rows.map((r) => Number(r.end_time) - firstAsked).sort((x, y) => x - y);
    const fastest = waited[0]!;
    const slowest = waited.at(-1)!;
    const ran = rows.map((r) => Number(r.end_time) - Number(r.start_time)).sort((x, y) => x - y);
    assert.ok(slowest <= 2 * fastest, `asked to end (ms): ${waited.join(' ')}; first claim to end: ${ran.join(' ')}`);

    for (const [i, u] of users.entries()) await assertTruthOverApi(servers[i % 2]!.url, tokens[i]!, sim, u.email);
  });
});
