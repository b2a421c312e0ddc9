import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { totpCode } from '../src/crypto/totp.js';
import { argon2Hasher, type PasswordHasher } from '../src/crypto/password-hasher.js';
import { createUser } from '../src/services/user-admin.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { assertProblem, uniqueName } from './helpers/api.js';
import { type BurstResponse, burst, statusCounts } from './helpers/burst.js';
import { dialects } from './helpers/dialects.js';
import { challengeFor, userWithMfa } from './helpers/flows.js';

// Throttling under truly concurrent requests (bodies held back by their last byte, then released
// together): a limit holds only if each attempt is reserved before its password or code is checked.
const cheap = argon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });

/**
 * The cheap hasher, counting how many passwords reach verification. Each verify also waits a
 * little, as production argon2 takes tens of milliseconds: a check-then-count race gets the window
 * it has in production (no assertion depends on the time).
 */
function countingHasher(): PasswordHasher & { verified: number } {
  const h = {
    verified: 0,
    hash: (pw: string) => cheap.hash(pw),
    verify: async (hashed: string, pw: string) => {
      h.verified += 1;
      await delay(25);
      return cheap.verify(hashed, pw);
    },
  };
  return h;
}

function assertThrottled(answers: readonly BurstResponse[]): void {
  for (const a of answers.filter((x) => x.status === 429)) {
    assert.equal(a.body.code, 'too_many_attempts');
    assert.ok(Number(a.headers['retry-after']) > 0, 'a 429 carries Retry-After');
  }
}

for (const { dialect, skip } of await dialects()) {
  describe(`sign-in throttling under concurrent bursts on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    const hasher = countingHasher();
    before(async () => {
      s = await startTestServer({
        dialect,
        runtime: clock,
        hasher,
        env: { FITSYNC_AUTH_MAX_FAILURES: '5', FITSYNC_AUTH_MAX_FAILURES_PER_IP: '50', FITSYNC_AUTH_LOCKOUT_S: '300' },
      });
    });
    after(() => s?.close());

    const login = (username: string, password: string, localAddress: string) => ({
      method: 'POST' as const,
      path: '/v1/auth/login',
      body: { username, password },
      localAddress,
    });

    test('200 simultaneous sign-ins for one user: at most 5 passwords are checked, the right one among the rest is refused', async () => {
      const name = uniqueName('burst');
      await createUser(s.db, name, 'the right one', { hasher: cheap });
      hasher.verified = 0;
      const answers = await burst(
        s.url,
        Array.from({ length: 200 }, (_, i) => login(name, i === 150 ? 'the right one' : `wrong ${i}`, '127.0.0.2')),
      );
      const counts = statusCounts(answers);
      assert.ok(hasher.verified <= 5, `${hasher.verified} passwords reached argon2 (limit 5)`);
      // Whichever reached the check got 401 (or 200 had the right one been among them); all others 429.
      assert.ok((counts[401] ?? 0) + (counts[200] ?? 0) <= 5, JSON.stringify(counts));
      assert.ok((counts[429] ?? 0) >= 195, JSON.stringify(counts));
      assertThrottled(answers);
      if (hasher.verified === 5 && answers[150]!.status !== 200) assertProblem(answers[150]!, 429, 'too_many_attempts');
      await clock.advance(300_000);
    });

    test('120 simultaneous sign-ins from one address for many names: the per-address limit holds', async () => {
      hasher.verified = 0;
      const answers = await burst(
        s.url,
        Array.from({ length: 120 }, (_, i) => login(uniqueName(`spray${i}_`), 'x', '127.0.0.3')),
      );
      const counts = statusCounts(answers);
      assert.ok(hasher.verified <= 50, `${hasher.verified} passwords reached argon2 (limit 50 per address)`);
      assert.ok((counts[429] ?? 0) >= 70, JSON.stringify(counts));
      assertThrottled(answers);
      await clock.advance(300_000);
    });
  });

  describe(`MFA code limits under concurrent bursts on ${dialect}`, { skip }, () => {
    let s: TestServer;
    const clock = new FakeRuntime();
    before(async () => {
      s = await startTestServer({ dialect, runtime: clock, hasher: cheap });
    });
    after(() => s?.close());

    test('80 simultaneous codes on one challenge from 80 addresses, the right one last: at most 5 are checked (the challenge budget)', async () => {
      const name = uniqueName('chburst');
      const { secret } = await userWithMfa(s.app, s.db, clock, name);
      const good = totpCode(secret, clock.now());
      const wrong = good === '000000' ? '111111' : '000000';
      const id = await challengeFor(s.app, name, 'correct horse', '10.9.0.1');
      // Count the codes that get checked at all: a code compared is a guess, whether counted or not.
      const mfa = s.app.deps.mfa;
      const prepare = mfa.prepareFactor.bind(mfa);
      let checked = 0;
      mfa.prepareFactor = (...args) => {
        checked += 1;
        return prepare(...args);
      };
      const answers = await burst(
        s.url,
        Array.from({ length: 80 }, (_, i) => ({
          method: 'POST' as const,
          path: '/v1/auth/mfa',
          body: { challenge_id: id, code: i === 79 ? good : wrong },
          localAddress: `127.0.1.${i + 1}`,
        })),
      );
      mfa.prepareFactor = prepare;
      const counts = statusCounts(answers);
      assert.ok(checked <= 5, `${checked} codes were checked against a challenge that allows 5 (${JSON.stringify(counts)})`);
      assert.ok((counts[401] ?? 0) + (counts[200] ?? 0) <= 5, JSON.stringify(counts));
      const row = await s.db.get<{ failed_attempts: number }>('SELECT failed_attempts FROM mfa_challenges WHERE id = ?', [id]);
      assert.ok(Number(row?.failed_attempts) <= 5, `failed_attempts ${row?.failed_attempts}`);
      for (const a of answers.filter((x) => x.status !== 401 && x.status !== 200)) {
        assert.ok(a.status === 410 || a.status === 429, `${a.status} ${JSON.stringify(a.body)}`);
      }
    });

    test('one recovery code sent to 20 challenges at once from one address: one success, at most 5 failures', async () => {
      const name = uniqueName('rcburst');
      const { recoveryCodes } = await userWithMfa(s.app, s.db, clock, name);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(await challengeFor(s.app, name, 'correct horse', `10.9.1.${i}`));
      const answers = await burst(
        s.url,
        ids.map((id) => ({
          method: 'POST' as const,
          path: '/v1/auth/mfa',
          body: { challenge_id: id, recovery_code: recoveryCodes[0] },
          localAddress: '127.0.0.4',
        })),
      );
      const counts = statusCounts(answers);
      assert.equal(counts[200], 1, JSON.stringify(counts));
      // The success forgets the failures before it, not the places of attempts still being checked.
      assert.ok((counts[401] ?? 0) <= 5, JSON.stringify(counts));
      assert.ok((counts[429] ?? 0) >= 14, JSON.stringify(counts));
      assertThrottled(answers);
    });
  });
}
