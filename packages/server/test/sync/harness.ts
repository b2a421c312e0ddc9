import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import type { SyncType } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import { insertSyncJob } from '../../src/repositories/sync-jobs.js';
import { emptyCounts } from '../../src/sync/kind-counts.js';
import { KIND_NAMES } from '../../src/sync/kinds/index.js';
import type { FitBlobs } from '../../src/blobs/blob-store.js';
import type { Db } from '../../src/db/db.js';
import { startTestServer, type TestServer } from '../../src/testing/test-server.js';
import { call, uniqueName } from '../helpers/api.js';
import { userWithSession } from '../helpers/flows.js';
import { assertHealthTruth } from './health-truth.js';

/** Server settings for sync tests: no background workers (tests drain with runOnce), fast retries. */
export function syncEnv(sim: RunningSim, extra: Record<string, string> = {}): Record<string, string> {
  return {
    FITSYNC_GARMIN_SSO_URL: sim.url,
    FITSYNC_GARMIN_API_URL: sim.url,
    FITSYNC_GARMIN_DIAUTH_URL: sim.url,
    FITSYNC_WORKERS: '0',
    FITSYNC_GARMIN_CONCURRENCY: '4',
    FITSYNC_GARMIN_RPS: '0',
    FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
    FITSYNC_GARMIN_RETRY_ATTEMPTS: '8',
    FITSYNC_GARMIN_RETRY_BASE_MS: '5',
    FITSYNC_GARMIN_RETRY_MAX_MS: '40',
    FITSYNC_GARMIN_MAX_RETRY_AFTER_S: '2',
    FITSYNC_JOB_LEASE_MS: '3000',
    ...extra,
  };
}

export interface SyncWorld {
  sim: RunningSim;
  s: TestServer;
  close(): Promise<void>;
}

/** A sim and a server pointed at it (one dialect). */
export async function startWorld(
  dialect: 'sqlite' | 'postgres',
  seed: string,
  env: Record<string, string> = {},
  /** `runtime`: the server's clock; `simRuntime`: the sim's (share one FakeRuntime for "today" tests). */
  opts: { runtime?: Runtime; simRuntime?: Runtime } = {},
): Promise<SyncWorld> {
  const sim = await startSim({ seed, runtime: opts.simRuntime });
  try {
    const s = await startTestServer({ dialect, env: syncEnv(sim, env), runtime: opts.runtime });
    return {
      sim,
      s,
      close: async () => {
        await s.close();
        await sim.close();
      },
    };
  } catch (err) {
    await sim.close();
    throw err;
  }
}

export interface SyncUser {
  token: string;
  refreshToken: string;
  username: string;
  userId: string;
  email: string;
  /** The Garmin account's IANA zone: its days (and "today") are local days there (product.md §D). */
  timeZone: string;
}

/**
 * A FitSync user with a Garmin account on the sim holding the given history, linked the way a
 * user links it: PUT /v1/garmin/connection.
 */
export async function linkedUser(
  w: SyncWorld,
  history: { activities: number; days: number; workouts: number; odd_activities?: boolean; time_zone?: string },
  prefix = 'sync',
  /** The Garmin e-mail; a fixed one gives the same generated history on every run (it seeds the sim's account). */
  garminEmail?: string,
): Promise<SyncUser> {
  const name = uniqueName(prefix);
  const pair = await userWithSession(w.s.app, w.s.db, name);
  const me = await call(w.s.app, 'GET', '/v1/me', { token: pair.access_token });
  const email = garminEmail ?? `${name}@example.com`;
  const created = w.sim.createUser({ email, password: 'garmin-pw', mfa: null, ...history });
  const res = await call(w.s.app, 'PUT', '/v1/garmin/connection', {
    token: pair.access_token,
    body: { email, password: 'garmin-pw' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { token: pair.access_token, refreshToken: pair.refresh_token, username: name, userId: me.body.user_id, email, timeZone: created.time_zone };
}

/** The user with a fresh access token (a fake clock moved past the first one's lifetime). */
export async function signInAgain(w: SyncWorld, u: SyncUser): Promise<SyncUser> {
  const res = await call(w.s.app, 'POST', '/v1/auth/login', { body: { username: u.username, password: 'correct horse' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { ...u, token: res.body.access_token, refreshToken: res.body.refresh_token };
}

/** POST /v1/sync/jobs and expect 202. */
export async function startSync(w: SyncWorld, u: SyncUser, body: Record<string, unknown> = { sync_type: 'all' }) {
  const res = await call(w.s.app, 'POST', '/v1/sync/jobs', { token: u.token, body });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body as { job_id: string; status: string };
}

/**
 * Inserts a pending job the way the scheduler starts one (`trigger: "schedule"`), for tests of
 * what a scheduled run does; returns its id.
 */
export async function insertScheduledJob(w: SyncWorld, u: SyncUser, syncType: SyncType = 'all'): Promise<string> {
  const jobId = `sched-${randomUUID()}`;
  await insertSyncJob(w.s.db, {
    jobId,
    userId: u.userId,
    syncType,
    since: null,
    until: null,
    full: false,
    countsJson: JSON.stringify(emptyCounts(KIND_NAMES)),
    now: w.s.app.deps.runtime.now(),
    idempotencyKey: null,
    requestHash: null,
    trigger: 'schedule',
  });
  return jobId;
}

/** Runs queued jobs in this process until none is left; returns how many ran. */
export async function drain(w: SyncWorld): Promise<number> {
  let n = 0;
  while (await w.s.app.deps.syncWorkers.runOnce()) n++;
  return n;
}

/** What the database and the FIT store hold for a user, in the sim's truth format. */
export async function stored(db: Db, fits: Pick<FitBlobs, 'read'>, userId: string) {
  const acts = await db.all<{ activity_id: string; fit_sha256: string | null }>(
    'SELECT activity_id, fit_sha256 FROM activities WHERE user_id = ? ORDER BY start_ms DESC, activity_id DESC',
    [userId],
  );
  const activities: { activity_id: string; fit_sha256: string | null }[] = [];
  for (const a of acts) {
    // Hash the stored file itself: the row's hash alone would not prove the bytes are there.
    const bytes = a.fit_sha256 ? await fits.read(a.fit_sha256) : null;
    activities.push({
      activity_id: a.activity_id,
      fit_sha256: bytes ? createHash('sha256').update(bytes).digest('hex') : null,
    });
  }
  const days = (await db.all<{ day: string }>('SELECT day FROM health_days WHERE user_id = ? ORDER BY day DESC', [userId])).map(
    (r) => r.day,
  );
  const workouts = (
    await db.all<{ workout_id: string }>('SELECT workout_id FROM workouts WHERE user_id = ? ORDER BY workout_id', [userId])
  ).map((r) => r.workout_id);
  return { activities, days, workouts };
}

/** GET as the user through the app (in-process), asserting 200. */
export function apiGet(w: SyncWorld, u: SyncUser) {
  return async (path: string) => {
    const r = await call(w.s.app, 'GET', path, { token: u.token });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
}

/**
 * Asserts the user's stored data equals the sim's truth exactly (ids, FIT hashes, days, workouts,
 * what the health API serves: every daily field, series point counts, weigh-ins; gear and records).
 */
export async function assertTruth(w: SyncWorld, u: SyncUser): Promise<void> {
  const truth = w.sim.truth(u.email);
  const got = await stored(w.s.db, w.s.app.deps.blobs.fit, u.userId);
  const byId = (a: { activity_id: string }, b: { activity_id: string }) => (a.activity_id < b.activity_id ? -1 : 1);
  assert.equal(got.activities.length, truth.activities.length, 'activity count');
  const want = truth.activities.map(({ activity_id, fit_sha256 }) => ({ activity_id, fit_sha256 }));
  assert.deepEqual([...got.activities].sort(byId), want.sort(byId));
  assert.deepEqual([...got.days].sort(), [...truth.days].sort());
  assert.deepEqual([...got.workouts].sort(), [...truth.workouts].sort());
  await assertHealthTruth(apiGet(w, u), truth);
  // Gear and personal records come with activities, in Garmin's order.
  assert.deepEqual((await apiGet(w, u)('/v1/gear')).gear, truth.gear);
  assert.deepEqual((await apiGet(w, u)('/v1/records')).records, truth.personal_records);
}

/** Requests the sim served, by route pattern (ids as `{id}`), all statuses summed. */
export function routeCounts(stats: { total: number; by_route: Record<string, Record<string, number>> }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, statuses] of Object.entries(stats.by_route)) out[route] = Object.values(statuses).reduce((a, b) => a + b, 0);
  return out;
}

/** Polls `fn` every 10 ms until it yields a value (real time: for end-to-end waits on real servers only). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
