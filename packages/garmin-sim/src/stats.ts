/** Counters of the requests the sim served (control paths excluded). */
export interface StatsSnapshot {
  total: number;
  /** Requests being answered right now (e.g. held by a `slow` fault). */
  in_flight: number;
  /** Exact path (no query) → status ("200", "429", "reset", …) → count. */
  by_path: Record<string, Record<string, number>>;
  /** Route pattern (ids as `{id}`, dates as `{date}`) → status → count. */
  by_route: Record<string, Record<string, number>>;
  /** The sim's own endpoints that are counted (the export download): route → status → count. Not Garmin calls, so not in `total`. */
  sim_endpoints: Record<string, Record<string, number>>;
  /**
   * Garmin requests carrying a known Bearer token, by account e-mail: the total and the most in one
   * second of the sim's clock (whole seconds, `[k·1000, (k+1)·1000)` ms), so tests can check a
   * client's per-account rate (FITSYNC_GARMIN_RPS).
   */
  by_account: Record<string, { total: number; max_per_second: number }>;
  /** The most Garmin requests (all accounts and paths, control paths excluded) in one second of the sim's clock. */
  max_per_second: number;
}

export class Stats {
  private total = 0;
  private inFlight = 0;
  private byPath = new Map<string, Map<string, number>>();
  private byRoute = new Map<string, Map<string, number>>();
  private simEndpoints = new Map<string, Map<string, number>>();
  /** account → second → requests; and all requests by second. */
  private byAccountSecond = new Map<string, Map<number, number>>();
  private bySecond = new Map<number, number>();

  /** Counts a Garmin request; `account` (its Bearer token's e-mail) and `nowMs` (the sim's clock) feed the per-second counts. */
  record(path: string, route: string, status: string, at?: { nowMs: number; account: string | null }): void {
    this.total++;
    if (at) {
      const second = Math.floor(at.nowMs / 1000);
      this.bySecond.set(second, (this.bySecond.get(second) ?? 0) + 1);
      if (at.account !== null) {
        let seconds = this.byAccountSecond.get(at.account);
        if (!seconds) {
          seconds = new Map();
          this.byAccountSecond.set(at.account, seconds);
        }
        seconds.set(second, (seconds.get(second) ?? 0) + 1);
      }
    }
    bump(this.byPath, path, status);
    bump(this.byRoute, route, status);
  }

  /** Counts a request to one of the sim's own endpoints (kept apart from Garmin's). */
  recordSim(route: string, status: string): void {
    bump(this.simEndpoints, route, status);
  }

  /** Counts a request while `work` answers it. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }

  reset(): void {
    this.total = 0;
    this.byPath.clear();
    this.byRoute.clear();
    this.simEndpoints.clear();
    this.byAccountSecond.clear();
    this.bySecond.clear();
  }

  snapshot(): StatsSnapshot {
    const byAccount: StatsSnapshot['by_account'] = {};
    for (const [account, seconds] of this.byAccountSecond) {
      let total = 0;
      for (const n of seconds.values()) total += n;
      byAccount[account] = { total, max_per_second: Math.max(0, ...seconds.values()) };
    }
    return {
      total: this.total,
      in_flight: this.inFlight,
      by_path: toObject(this.byPath),
      by_route: toObject(this.byRoute),
      sim_endpoints: toObject(this.simEndpoints),
      by_account: byAccount,
      max_per_second: Math.max(0, ...this.bySecond.values()),
    };
  }
}

function bump(m: Map<string, Map<string, number>>, key: string, status: string): void {
  let inner = m.get(key);
  if (!inner) {
    inner = new Map();
    m.set(key, inner);
  }
  inner.set(status, (inner.get(status) ?? 0) + 1);
}

function toObject(m: Map<string, Map<string, number>>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [k, inner] of m) out[k] = Object.fromEntries(inner);
  return out;
}
