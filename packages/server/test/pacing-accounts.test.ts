import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunningSim } from '@fitsync/garmin-sim';
import type { Db } from '../src/db/db.js';
import { createUser } from '../src/services/user-admin.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { userWithSession } from './helpers/flows.js';
import { pgServerPair } from './helpers/pg-server-pair.js';
import { assertTruthOverApi, authed, signInAndLink, waitForEnd } from './sync/black-box.js';
import { assertTruth, linkedUser, startWorld, type SyncUser, waitFor } from './sync/harness.js';

// Garmin politeness per Garmin account and per deployment, end to end against the sim (real time,
// real HTTP). The sim counts the requests each account's tokens made in every whole second.
//
// The bound is the rate + 1. The pacer spaces call *starts* at least 1000/rps ms apart, so any
// one-second window holds at most `rps` starts; but the sim counts *arrivals*, and a request's way
// from its slot to the sim's handler (the client's event loop, a fresh socket, the sim's own
// event loop, shared by this test process) varies by some milliseconds: one request a little late
// and the next on time can land in one second of the sim's clock. More than one extra would need a
// delay of a whole gap (125 ms at 8/s), which is a pacing failure, not jitter.
const RPS = 8;
const ACTIVITIES = 16;
const history = { activities: ACTIVITIES, days: 0, workouts: 0 };
const body = { sync_type: 'activities' };

interface Span {
  start_time: number;
  end_time: number;
}

/** The jobs ran at the same time (each started before the other ended): they competed for the rate. */
async function assertOverlapped(db: Db, jobIds: string[]): Promise<void> {
  const rows = await db.all<Span>(
    `SELECT start_time, end_time FROM sync_jobs WHERE job_id IN (${jobIds.map(() => '?').join(', ')})`,
    jobIds,
  );
  const latestStart = Math.max(...rows.map((r) => Number(r.start_time)));
  const earliestEnd = Math.min(...rows.map((r) => Number(r.end_time)));
  assert.ok(latestStart < earliestEnd, `the jobs did not overlap: last start ${latestStart}, first end ${earliestEnd}`);
}

/** The account's requests never beat the rate in any second of the sim's clock, and the pace was actually reached. */
function assertAccountRate(sim: RunningSim, email: string, minTotal: number): void {
  const s = sim.stats().by_account[email.toLowerCase()];
  assert.ok(s, `no requests of ${email}`);
  assert.ok(s.total >= minTotal, `${s.total} requests of ${email}`);
  assert.ok(s.max_per_second <= RPS + 1, `${s.max_per_second} requests of ${email} in one second (FITSYNC_GARMIN_RPS=${RPS})`);
  // Both jobs together would go twice as fast unpaced: the limit was the bottleneck, not idle time.
  assert.ok(s.max_per_second >= RPS - 1, `only ${s.max_per_second} requests a second: the jobs never pressed on the limit`);
}

const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
const pgSkip = pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS';

describe('two jobs of one Garmin account on two instances (PostgreSQL)', { skip: pgSkip }, () => {
  const start = pgServerPair('pacing-account');

  test('cannot exceed the account rate together', async () => {
    const { sim, a, b, db } = await start('pacing-account', {
      FITSYNC_WORKERS: '1',
      FITSYNC_GARMIN_RPS: String(RPS),
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    });
    const email = 'shared-runner@example.com';
    sim.createUser({ email, password: 'garmin-pw', mfa: null, ...history });
    // Two FitSync users linked to the same Garmin account, one through each instance.
    const servers = [a, b];
    const tokens: string[] = [];
    for (const [i, name] of ['pace-one', 'pace-two'].entries()) {
      await createUser(db, name, 'pass phrase');
      tokens.push(await signInAndLink(servers[i]!.url, name, 'pass phrase', email));
    }
    sim.resetStats();
    const jobs = await Promise.all(
      tokens.map(async (t, i) => {
        const r = await authed('POST', `${servers[i]!.url}/v1/sync/jobs`, t, body);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        return r.body.job_id as string;
      }),
    );
    const ends = await Promise.all(jobs.map((id, i) => waitForEnd(() => servers[i]!.url, tokens[i]!, id, 120_000)));
    for (const e of ends) assert.equal(e.status, 'completed', e.error_message);
    // Each instance ran one of them (one worker each).
    const owners = await db.all<{ lease_owner: string | null }>('SELECT lease_owner FROM sync_jobs');
    assert.equal(owners.length, 2);
    await assertOverlapped(db, jobs);
    assertAccountRate(sim, email, 2 * ACTIVITIES);
    for (const [i, t] of tokens.entries()) await assertTruthOverApi(servers[i]!.url, t, sim, email);
  });
});

describe('the deployment cap across two instances (PostgreSQL)', { skip: pgSkip }, () => {
  const start = pgServerPair('pacing-deployment');

  test('all accounts together stay under FITSYNC_GARMIN_DEPLOYMENT_RPS, and share it', async () => {
    const { sim, a, b, db } = await start('pacing-deployment', {
      FITSYNC_WORKERS: '2',
      FITSYNC_GARMIN_RPS: '0',
      FITSYNC_GARMIN_DEPLOYMENT_RPS: String(RPS),
    });
    const users = ['cap-one', 'cap-two', 'cap-three', 'cap-four'].map((name) => ({ name, email: `${name}@example.com` }));
    const servers = [a, b];
    const tokens: string[] = [];
    for (const [i, u] of users.entries()) {
      sim.createUser({ email: u.email, password: 'garmin-pw', mfa: null, ...history });
      await createUser(db, u.name, 'pass phrase');
      tokens.push(await signInAndLink(servers[i % 2]!.url, u.name, 'pass phrase', u.email));
    }
    sim.resetStats();
    const jobs = await Promise.all(
      tokens.map(async (t, i) => {
        const r = await authed('POST', `${servers[i % 2]!.url}/v1/sync/jobs`, t, body);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        return r.body.job_id as string;
      }),
    );
    const ends = await Promise.all(jobs.map((id, i) => waitForEnd(() => servers[i % 2]!.url, tokens[i]!, id, 120_000)));
    for (const e of ends) assert.equal(e.status, 'completed', e.error_message);
    await assertOverlapped(db, jobs);
    const stats = sim.stats();
    // Same bound and reason as the account rate (see the top of this file).
    assert.ok(stats.max_per_second <= RPS + 1, `${stats.max_per_second} Garmin requests in one second (cap ${RPS})`);
    assert.ok(stats.max_per_second >= RPS - 1, `only ${stats.max_per_second} a second: the cap was never reached`);
    for (const [i, u] of users.entries()) await assertTruthOverApi(servers[i % 2]!.url, tokens[i]!, sim, u.email);
  });
});

describe('two jobs of one Garmin account in one SQLite server', () => {
  test('cannot exceed the account rate together (two workers, one process)', async () => {
    const w = await startWorld('sqlite', 'pacing-account-sqlite', {
      FITSYNC_WORKERS: '2',
      FITSYNC_GARMIN_RPS: String(RPS),
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    });
    try {
      const email = 'sqlite-runner@example.com';
      const first = await linkedUser(w, history, 'pace', email);
      // A second FitSync user linked to the same Garmin account.
      const name = `${first.username}-twin`;
      const pair = await userWithSession(w.s.app, w.s.db, name);
      const link = await call(w.s.app, 'PUT', '/v1/garmin/connection', { token: pair.access_token, body: { email, password: 'garmin-pw' } });
      assert.equal(link.status, 200, JSON.stringify(link.body));
      const me = await call(w.s.app, 'GET', '/v1/me', { token: pair.access_token });
      const second: SyncUser = { token: pair.access_token, refreshToken: pair.refresh_token, username: name, userId: me.body.user_id, email, timeZone: first.timeZone };
      w.sim.resetStats();
      const jobs: string[] = [];
      for (const u of [first, second]) {
        const r = await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        jobs.push(r.body.job_id);
      }
      await waitFor(
        'both jobs to end',
        async () => {
          const rows = await w.s.db.all<{ status: string }>("SELECT status FROM sync_jobs WHERE status NOT IN ('pending', 'running')");
          return rows.length === 2 ? rows : undefined;
        },
        120_000,
      );
      const rows = await w.s.db.all<{ status: string; error_message: string | null }>('SELECT status, error_message FROM sync_jobs');
      for (const r of rows) assert.equal(r.status, 'completed', r.error_message ?? '');
      await assertOverlapped(w.s.db, jobs);
      assertAccountRate(w.sim, email, 2 * ACTIVITIES);
      await assertTruth(w, first);
      await assertTruth(w, second);
    } finally {
      await w.close();
    }
  });
});
