/** One rate lane: its key and the least time between two call starts (ms, whole). */
export interface PaceLane {
  key: string;
  gapMs: number;
}

/** A booked start (epoch ms), or nothing booked: ask again at `retryAt`. */
export type Booking = { start: number } | { retryAt: number };

/**
 * The schedule of Garmin call starts, per lane: a Garmin account (`account:<hash>`) and the whole
 * deployment (`deployment`). A lane's starts are never closer than its gap, whoever books them.
 *
 * `book(now, account, deployment)`:
 * - one lane: start = max(now, lane's next free start); the lane's next = start + gap.
 * - both: only when the account is due (its next free start ≤ now) — then start = max(now, the
 *   deployment's next) and both lanes move to start + their gap; otherwise nothing is booked and
 *   `retryAt` is when the account is due. So a call waiting for its account never holds a
 *   deployment slot others could use, and the deployment's slots go first come, first served to
 *   calls whose account allows them (accounts share the cap evenly).
 */
export interface PaceBook {
  book(now: number, account: PaceLane | null, deployment: PaceLane | null): Promise<Booking>;
}

/** The gap of `rps` starts a second, in whole ms rounded up (the rate is never exceeded); 0 = no lane. */
export function gapOf(rps: number): number {
  return rps > 0 ? Math.ceil(1000 / rps) : 0;
}

/**
 * The book in this process's memory: on SQLite, where one process owns the database file (a
 * second process on one SQLite file would pace apart; server README, "Garmin politeness"), and for
 * a lone limiter.
 */
export class MemoryPaceBook implements PaceBook {
  private readonly next = new Map<string, number>();
  private booked = 0;

  async book(now: number, account: PaceLane | null, deployment: PaceLane | null): Promise<Booking> {
    const lanes = [account, deployment].filter((l): l is PaceLane => l !== null);
    if (account && deployment) {
      const due = this.next.get(account.key) ?? 0;
      if (due > now) return { retryAt: due };
    }
    let start = now;
    for (const l of lanes) start = Math.max(start, this.next.get(l.key) ?? 0);
    for (const l of lanes) this.next.set(l.key, start + l.gapMs);
    if (++this.booked % 1024 === 0) this.prune(now);
    return { start };
  }

  /** Lanes whose next start is past constrain nothing: dropped, so the map stays as small as the busy accounts. */
  private prune(now: number): void {
    for (const [k, t] of this.next) if (t <= now) this.next.delete(k);
  }
}
