import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { FakeRuntime } from '@fitsync/runtime/fake';
import type { Db } from '../src/db/db.js';
import { Purger } from '../src/retention/purger.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, call, uniqueName } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';
import { challengeFor, userWithMfa, userWithSession } from './helpers/flows.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const count = async (db: Db, sql: string, params: (string | number)[] = []) =>
  Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql}`, params))!.n);

async function userId(db: Db, username: string): Promise<string> {
  return (await db.get<{ id: string }>('SELECT id FROM users WHERE username = ?', [username]))!.id;
}

for (const { dialect, skip } of await dialects()) {
  describe(`retention (purge) on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({
        dialect,
        runtime: clock,
        // An hour of refresh lifetime, 15 min of access, the 900 s throttle window by default.
        env: { FITSYNC_REFRESH_TOKEN_TTL: '3600', FITSYNC_ACCESS_TOKEN_TTL: '900', FITSYNC_JOB_RETENTION: '30d', FITSYNC_AUTH_LOCKOUT_S: '7200' },
      });
    });
    after(() => s?.close());

    test('a spent refresh token still revokes its session when presented again after a purge; it goes once past its expiry', async () => {
      const first = await userWithSession(s.app, s.db, uniqueName('reuse'));
      const rotated = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: first.refresh_token } });
      assert.equal(rotated.status, 200);
      await s.app.deps.purger.runOnce();
      assert.equal(await count(s.db, 'refresh_tokens WHERE session_id = ?', [first.session_id]), 2, 'spent but unexpired: kept');
      // The spent token, presented again: reuse detection still sees it and revokes the session.
      assertProblem(await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: first.refresh_token } }), 401, 'invalid_grant');
      assertProblem(await call(s.app, 'GET', '/v1/me', { token: rotated.body.access_token }), 401, 'invalid_token');

      const other = await userWithSession(s.app, s.db, uniqueName('expire'));
      const r2 = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: other.refresh_token } });
      assert.equal(r2.status, 200);
      await clock.advance(HOUR + 1000);
      await s.app.deps.purger.runOnce();
      // Expired, but an access token issued with the newest one may still be valid for its lifetime.
      assert.equal(await count(s.db, 'refresh_tokens WHERE session_id = ?', [other.session_id]), 2);
      assert.equal(await count(s.db, 'sessions WHERE id = ?', [other.session_id]), 1);
      await clock.advance(15 * 60_000);
      const counts = await s.app.deps.purger.runOnce();
      assert.ok((counts.refresh_tokens ?? 0) >= 2 && (counts.sessions ?? 0) >= 1, JSON.stringify(counts));
      assert.equal(await count(s.db, 'refresh_tokens WHERE session_id = ?', [other.session_id]), 0, 'spent and unspent, both expired: gone');
      assert.equal(await count(s.db, 'sessions WHERE id = ?', [other.session_id]), 0, 'an expired session goes with its last token');
      assertProblem(await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: r2.body.refresh_token } }), 401, 'invalid_grant');
    });

    test('a live session keeps its tokens; a revoked one goes a refresh lifetime after its revocation', async () => {
      const live = await userWithSession(s.app, s.db, uniqueName('live'));
      const gone = await userWithSession(s.app, s.db, uniqueName('out'));
      assert.equal((await call(s.app, 'POST', '/v1/auth/logout', { body: { refresh_token: gone.refresh_token } })).status, 204);
      await clock.advance(HOUR - 60_000);
      // Refreshed in time: the new token's lifetime keeps the session.
      const next = await call(s.app, 'POST', '/v1/auth/refresh', { body: { refresh_token: live.refresh_token } });
      assert.equal(next.status, 200);
      await clock.advance(2 * 60_000);
      await s.app.deps.purger.runOnce();
      assert.equal(await count(s.db, 'sessions WHERE id = ?', [live.session_id]), 1);
      assert.equal(await count(s.db, 'sessions WHERE id = ?', [gone.session_id]), 0);
      assert.equal(await count(s.db, 'refresh_tokens WHERE session_id = ?', [gone.session_id]), 0);
      assert.equal((await call(s.app, 'GET', '/v1/me', { token: next.body.access_token })).status, 200);
    });

    test('expired MFA challenges and ended throttle windows go; a running lockout stays', async () => {
      const name = uniqueName('mfa');
      await userWithMfa(s.app, s.db, clock, name);
      const uid = await userId(s.db, name);
      await challengeFor(s.app, name, 'correct horse', '10.9.0.1');
      const locked = uniqueName('locked');
      await createUser(s.db, locked, 'right');
      // One wrong password from .2, then enough from .3 to lock that pair (5 by default).
      await call(s.app, 'POST', '/v1/auth/login', { body: { username: locked, password: 'wrong' }, ip: '10.9.0.2' });
      for (let i = 0; i < 6; i++) await call(s.app, 'POST', '/v1/auth/login', { body: { username: locked, password: 'wrong' }, ip: '10.9.0.3' });
      assert.equal(await count(s.db, 'mfa_challenges WHERE user_id = ?', [uid]), 1);
      await s.app.deps.purger.runOnce();
      assert.equal(await count(s.db, 'mfa_challenges WHERE user_id = ?', [uid]), 1, 'a live challenge stays');
      assert.equal(await count(s.db, "auth_throttle WHERE scope_key LIKE '%10.9.0.2'"), 2, 'an open window stays');

      await clock.advance(900_000 + 1000);
      await s.app.deps.purger.runOnce();
      assert.equal(await count(s.db, 'mfa_challenges WHERE user_id = ?', [uid]), 0);
      assert.equal(await count(s.db, "auth_throttle WHERE scope_key LIKE '%10.9.0.2'"), 0, 'ended windows go');
      const lockedUntil = await s.db.get<{ locked_until: number }>("SELECT locked_until FROM auth_throttle WHERE scope_key LIKE 'pair|%|10.9.0.3'");
      assert.ok(lockedUntil && Number(lockedUntil.locked_until) > clock.now(), 'the locked pair is still there');
      // The lockout still refuses the right password.
      assertProblem(await call(s.app, 'POST', '/v1/auth/login', { body: { username: locked, password: 'right' }, ip: '10.9.0.3' }), 429, 'too_many_attempts');
    });

    test('Garmin challenges, back-offs and cool-downs: ended ones go, an account the user signed in with is remembered', async () => {
      const name = uniqueName('garmin');
      await createUser(s.db, name, 'pw');
      const uid = await userId(s.db, name);
      const now = clock.now();
      const ins = (id: string, expires: number, consumed: number | null) =>
        s.db.run(
          'INSERT INTO garmin_mfa_challenges (id, user_id, pending_enc, created_at, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?)',
          [id, uid, 'sealed', now - HOUR, expires, consumed],
        );
      await ins(`gc-live-${uid}`, now + HOUR, null);
      await ins(`gc-expired-${uid}`, now - 1, null);
      await ins(`gc-used-${uid}`, now + HOUR, now - HOUR);
      const bo = (key: string, until: number) =>
        s.db.run('INSERT INTO garmin_signin_backoffs (account_key, level, until_ms, updated_at) VALUES (?, 3, ?, ?)', [key, until, now]);
      await bo(`recent-${uid}`, now - HOUR);
      await bo(`old-${uid}`, now - DAY - 1);
      await s.db.run('INSERT INTO garmin_signin_cooldowns (user_id, until_ms, account_key) VALUES (?, ?, ?)', [uid, now - 1, `recent-${uid}`]);
      const bare = uniqueName('bare');
      await createUser(s.db, bare, 'pw');
      const bareId = await userId(s.db, bare);
      await s.db.run('INSERT INTO garmin_signin_cooldowns (user_id, until_ms) VALUES (?, ?)', [bareId, now - 1]);

      await s.app.deps.purger.runOnce();
      const ids = (await s.db.all<{ id: string }>('SELECT id FROM garmin_mfa_challenges WHERE user_id = ?', [uid])).map((r) => r.id);
      assert.deepEqual(ids, [`gc-live-${uid}`]);
      const keys = (await s.db.all<{ account_key: string }>('SELECT account_key FROM garmin_signin_backoffs WHERE account_key LIKE ?', [`%-${uid}`])).map((r) => r.account_key);
      assert.deepEqual(keys, [`recent-${uid}`], 'a back-off ended an hour ago keeps its level; one ended a day ago is forgotten');
      assert.equal(await count(s.db, 'garmin_signin_cooldowns WHERE user_id = ?', [uid]), 1, 'the account link stays');
      assert.equal(await count(s.db, 'garmin_signin_cooldowns WHERE user_id = ?', [bareId]), 0);
    });

    test('finished jobs older than the retention go in batches, with their import rows; the newest of each type, scheduled and unfinished ones stay', async () => {
      const name = uniqueName('jobs');
      await createUser(s.db, name, 'pw');
      const uid = await userId(s.db, name);
      const now = clock.now();
      const old = now - 31 * DAY;
      let seq = 0;
      const job = async (status: string, type: string, endedAt: number | null) => {
        seq += 1;
        const id = `job-${seq}-${randomUUID()}`;
        await s.db.run(
          `INSERT INTO sync_jobs (job_id, user_id, status, sync_type, counts_json, created_at, end_time)
           VALUES (?, ?, ?, ?, '{}', ?, ?)`,
          [id, uid, status, type, (endedAt ?? old) - 60_000 + seq, endedAt],
        );
        return id;
      };
      const purged: string[] = [];
      for (let i = 0; i < 5; i++) purged.push(await job(i % 2 ? 'failed' : 'completed', 'all', old + i));
      // Old too, and not the newest of its type: `recent` below is.
      purged.push(await job('completed', 'all', old + 100));
      const onlyActivities = await job('failed', 'activities', old);
      const scheduled = await job('cancelled', 'health', old);
      const newestHealth = await job('completed', 'health', old + 10);
      const importJob = await job('completed', 'import', old);
      purged.push(importJob);
      const newestImport = await job('completed', 'import', old + 20);
      const recent = await job('completed', 'all', now - DAY);
      const pending = await job('pending', 'all', null);
      await s.db.run(
        `INSERT INTO imports (import_id, user_id, format, status, size_bytes, received_bytes, sha256, job_id, created_at, updated_at)
         VALUES (?, ?, 'garmin-export', 'started', 1, 1, 'x', ?, ?, ?)`,
        [`imp-${uid}`, uid, importJob, old, old],
      );
      await s.db.run(
        `INSERT INTO sync_schedules (user_id, every_s, sync_type, enabled, phase_at, last_job_id, updated_at) VALUES (?, 3600, 'health', 1, ?, ?, ?)`,
        [uid, old, scheduled, old],
      );

      const lines: { obj: unknown; msg: string }[] = [];
      const log = { info: (obj: unknown, msg: string) => lines.push({ obj, msg }), warn: () => {} };
      const purger = new Purger({
        db: s.db,
        runtime: clock,
        metrics: s.app.deps.metrics,
        log: log as never,
        everyMs: 0,
        jobRetentionMs: 30 * DAY,
        accessTtlMs: 900_000,
        refreshTtlMs: HOUR,
        throttleWindowMs: 900_000,
        batch: 2,
      });
      const counts = await purger.runOnce();
      const left = (await s.db.all<{ job_id: string }>('SELECT job_id FROM sync_jobs WHERE user_id = ? ORDER BY job_id', [uid])).map((r) => r.job_id);
      assert.deepEqual(left.sort(), [onlyActivities, scheduled, newestHealth, newestImport, recent, pending].sort());
      assert.equal(counts.sync_jobs, purged.length, JSON.stringify(counts));
      assert.equal(counts.imports, 1);
      assert.equal(await count(s.db, 'imports WHERE user_id = ?', [uid]), 0);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.msg, 'purged expired rows');
      assert.deepEqual((lines[0]!.obj as { purged: Record<string, number> }).purged.sync_jobs, purged.length);

      const again = await purger.runOnce();
      assert.equal(again.sync_jobs, undefined, 'nothing left to purge');
      const m = await call(s.app, 'GET', '/metrics');
      const n = Number(/^fitsync_purged_rows_total\{kind="sync_jobs"\} ([0-9]+)$/m.exec(m.body)![1]);
      assert.ok(n >= purged.length);
      // The API still answers for the jobs kept.
      const pair = await call(s.app, 'POST', '/v1/auth/login', { body: { username: name, password: 'pw' } });
      const list = await call(s.app, 'GET', '/v1/sync/jobs?limit=50', { token: pair.body.access_token });
      assert.equal(list.status, 200, JSON.stringify(list.body));
    });

    test('the loop purges every FITSYNC_PURGE_EVERY on its clock and stops at once', async () => {
      const loopClock = new FakeRuntime({ now: clock.now() });
      const name = uniqueName('loop');
      await createUser(s.db, name, 'pw');
      const uid = await userId(s.db, name);
      const purger = new Purger({
        db: s.db,
        runtime: loopClock,
        metrics: s.app.deps.metrics,
        everyMs: HOUR,
        jobRetentionMs: 30 * DAY,
        accessTtlMs: 900_000,
        refreshTtlMs: HOUR,
        throttleWindowMs: 900_000,
      });
      purger.start();
      try {
        await s.db.run('INSERT INTO mfa_challenges (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [
          `loop-${uid}`,
          uid,
          loopClock.now(),
          loopClock.now() + 60_000,
        ]);
        const deadline = Date.now() + 10_000;
        while ((await count(s.db, 'mfa_challenges WHERE user_id = ?', [uid])) > 0) {
          assert.ok(Date.now() < deadline, 'the loop never purged the expired challenge');
          await loopClock.advance(10 * 60_000);
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        // Resolves while the loop sleeps on a clock nobody moves: the sleep is aborted, not waited out.
        await purger.stop();
      }
    });
  });
}
