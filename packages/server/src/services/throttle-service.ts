import type { Runtime } from '@fitsync/runtime';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { tooManyAttempts } from '../http/api-error.js';
import type { AuthMetrics } from '../metrics.js';
import {
  failAttempt,
  findThrottleRows,
  releaseAttempt,
  reserveAttempt,
  succeedAttempt,
  type ThrottleRow,
} from '../repositories/auth-throttle.js';

/** Who an attempt is counted against: the account (or other guarded secret) and the client address. */
export interface ThrottleSubject {
  /** e.g. `pw:<username>`, `code:<user_id>` or `garmin:<user_id>` */
  accountKey: string;
  ip: string;
}

/**
 * One attempt holding a reservation on each of its keys. Settle it once with the verdict; later
 * calls do nothing. An attempt never settled (a crash mid-check) stays counted as a failure.
 */
export interface ThrottledAttempt {
  /** The answer was wrong: the reservation stays a failure, and every key that is full is locked. */
  fail(): Promise<void>;
  /** The answer was right: the account's failures so far are forgotten; the address gets its reservation back. */
  succeed(): Promise<void>;
  /** No verdict (nothing was checked, or the upstream could not say): every reservation is returned. */
  release(): Promise<void>;
}

interface Limit {
  key: string;
  max: number;
  /** cleared on success (account keys) rather than given back (the address key) */
  account: boolean;
}

class Refused extends Error {}

/**
 * Failed password and code attempts, counted in the database (spec "Security rules") so the limits
 * hold across server instances, on three layers (NIST SP 800-63B §5.2.2):
 * - per account and client address (`maxFailures`, tight): one guesser is stopped quickly without
 *   locking the owner out from elsewhere;
 * - per account from anywhere (`maxFailuresPerAccount`, at most 100): guessing spread over many
 *   addresses still ends;
 * - per client address across accounts (`maxFailuresPerIp`): one address spraying many names.
 *
 * Each attempt is reserved on all three keys *before* the secret is checked (counted as a failure
 * up front, in one transaction), so a burst of concurrent attempts lets at most the limit reach
 * the check; the rest, and everything while a key is locked (`lockoutS`), get 429 with Retry-After.
 */
export class ThrottleService {
  constructor(
    private readonly d: { db: Db; runtime: Runtime; auth: Config['auth']; metrics: AuthMetrics },
  ) {}

  /** Reserves an attempt for `s`, or throws 429 too_many_attempts (with Retry-After) when any layer is locked or full. */
  async begin(s: ThrottleSubject): Promise<ThrottledAttempt> {
    const { db, runtime, auth } = this.d;
    const limits = this.limits(s);
    const now = runtime.now();
    try {
      await db.transaction(async (tx) => {
        // Keys in one order everywhere, so two transactions never wait on each other's rows (PostgreSQL deadlock).
        for (const l of [...limits].sort((a, b) => (a.key < b.key ? -1 : 1))) {
          if (!(await reserveAttempt(tx, l.key, l.max, now, auth.windowS * 1000))) throw new Refused();
        }
      });
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      this.d.metrics.throttled.inc();
      throw tooManyAttempts(this.retryAfterS(await findThrottleRows(db, limits.map((l) => l.key)), limits, now));
    }
    return this.attempt(limits);
  }

  /**
   * Counts one use of something limited per key that is not a guess at a secret (device codes one
   * address asks for): `max` uses per window, then the key is locked for the lockout; meanwhile
   * 429 too_many_attempts with Retry-After. Keys have their own prefix, apart from the attempt keys.
   */
  async spend(key: string, max: number, what: string): Promise<void> {
    const { db, runtime, auth } = this.d;
    const now = runtime.now();
    if (!(await reserveAttempt(db, key, max, now, auth.windowS * 1000))) {
      this.d.metrics.throttled.inc();
      throw tooManyAttempts(this.retryAfterS(await findThrottleRows(db, [key]), [{ key, max, account: false }], now), what);
    }
    // Settled at once: the use stays counted, and the use that fills the window starts the lockout.
    await failAttempt(db, key, max, now + auth.lockoutS * 1000, now);
  }

  private attempt(limits: readonly Limit[]): ThrottledAttempt {
    const { db, runtime, auth } = this.d;
    let settled = false;
    const once = (fn: () => Promise<void>) => async () => {
      if (settled) return;
      settled = true;
      await fn();
    };
    return {
      fail: once(async () => {
        const now = runtime.now();
        for (const l of limits) await failAttempt(db, l.key, l.max, now + auth.lockoutS * 1000, now);
      }),
      succeed: once(async () => {
        // One good account must not launder an address's guesses at others: the address key only gets its reservation back.
        for (const l of limits) await (l.account ? succeedAttempt(db, l.key) : releaseAttempt(db, l.key));
      }),
      release: once(async () => {
        for (const l of limits) await releaseAttempt(db, l.key);
      }),
    };
  }

  private limits(s: ThrottleSubject): Limit[] {
    const { auth } = this.d;
    return [
      // Its own prefix, and split at the last `|` (none in an address): no account key can name a pair key.
      { key: `pair|${s.accountKey}|${s.ip}`, max: auth.maxFailures, account: true },
      { key: s.accountKey, max: auth.maxFailuresPerAccount, account: true },
      { key: `ip:${s.ip}`, max: auth.maxFailuresPerIp, account: false },
    ];
  }

  /**
   * Seconds until the refusing keys admit an attempt: the rest of a lockout; for a key full of
   * attempts still being checked, the lockout they will most likely start (or the end of the
   * window, if sooner: reservations left by a crashed instance expire with it).
   */
  private retryAfterS(rows: readonly ThrottleRow[], limits: readonly Limit[], now: number): number {
    const { auth } = this.d;
    let waitMs = 0;
    for (const r of rows) {
      const max = limits.find((l) => l.key === r.scope_key)?.max ?? Number.POSITIVE_INFINITY;
      const windowEnd = r.window_start + auth.windowS * 1000;
      if (r.locked_until > now) waitMs = Math.max(waitMs, r.locked_until - now);
      else if (r.failures >= max && windowEnd > now) waitMs = Math.max(waitMs, Math.min(auth.lockoutS * 1000, windowEnd - now));
    }
    return Math.max(1, waitMs / 1000);
  }
}
