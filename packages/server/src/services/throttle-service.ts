import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { tooManyAttempts } from '../http/api-error.js';
import type { AuthMetrics } from '../metrics.js';
import { clearFailures, lock, lockedUntil, recordFailure } from '../repositories/auth-throttle.js';

/** What a failed attempt is counted against: the account and the client address. */
export interface ThrottleSubject {
  /** e.g. `pw:<username>` or `code:<user_id>` */
  accountKey: string;
  ip: string;
}

/**
 * Failed password and code attempts, counted per account and per client address in the database
 * (spec "Security rules"), so the limits hold across server instances. Past a limit the key is
 * locked for `lockoutS`; while locked even a right answer is refused with 429.
 */
export class ThrottleService {
  constructor(
    private readonly d: { db: Db; clock: Clock; auth: Config['auth']; metrics: AuthMetrics },
  ) {}

  /** Throws 429 too_many_attempts (with Retry-After) when the account or address is locked. */
  async check(s: ThrottleSubject): Promise<void> {
    const now = this.d.clock.now();
    const until = await lockedUntil(this.d.db, [s.accountKey, ipKey(s.ip)]);
    if (until > now) {
      this.d.metrics.throttled.inc();
      throw tooManyAttempts((until - now) / 1000);
    }
  }

  /** Counts a failure against both keys, locking whichever reached its limit. */
  async fail(s: ThrottleSubject): Promise<void> {
    const { db, clock, auth } = this.d;
    const now = clock.now();
    const windowMs = auth.windowS * 1000;
    const until = now + auth.lockoutS * 1000;
    const accountFailures = await recordFailure(db, s.accountKey, now, windowMs);
    if (accountFailures >= auth.maxFailures) await lock(db, s.accountKey, until, now);
    const ipFailures = await recordFailure(db, ipKey(s.ip), now, windowMs);
    if (ipFailures >= auth.maxFailuresPerIp) await lock(db, ipKey(s.ip), until, now);
  }

  /** Forgets the account's failures after a success. The address keeps its count: one good account must not launder another's guesses. */
  async succeed(s: ThrottleSubject): Promise<void> {
    await clearFailures(this.d.db, s.accountKey);
  }
}

function ipKey(ip: string): string {
  return `ip:${ip}`;
}
