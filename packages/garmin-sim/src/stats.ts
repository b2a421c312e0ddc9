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
}

export class Stats {
  private total = 0;
  private inFlight = 0;
  private byPath = new Map<string, Map<string, number>>();
  private byRoute = new Map<string, Map<string, number>>();
  private simEndpoints = new Map<string, Map<string, number>>();

  record(path: string, route: string, status: string): void {
    this.total++;
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
  }

  snapshot(): StatsSnapshot {
    return { total: this.total, in_flight: this.inFlight, by_path: toObject(this.byPath), by_route: toObject(this.byRoute), sim_endpoints: toObject(this.simEndpoints) };
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
