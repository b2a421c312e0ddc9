/** Label values of one series. */
export type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  series: Map<string, { labels: Labels; value: number }>;
}

/** One series of a gauge, read at scrape time. */
export interface GaugeSample {
  labels?: Labels;
  value: number;
}

interface GaugeFamily {
  name: string;
  help: string;
  collect: () => Promise<readonly GaugeSample[]> | readonly GaugeSample[];
}

interface HistogramSeries {
  labels: Labels;
  /** Per bucket (same order as the bounds), not cumulative; +Inf is `count`. */
  counts: number[];
  sum: number;
  count: number;
}

interface HistogramFamily {
  name: string;
  help: string;
  bounds: readonly number[];
  series: Map<string, HistogramSeries>;
}

/** A histogram family with fixed buckets; `observe` adds one value to the series for the labels. */
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/** A counter family; `inc` adds to the series for the given labels. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
  /**
   * The series of `labels` as a handle whose `inc` skips building the label key: for counts taken
   * on every request. The series shows in /metrics from its first `inc`, as with `inc(labels)`.
   */
  series(labels: Labels): CounterSeries;
}

/** One series of a counter (see `Counter.series`). */
export interface CounterSeries {
  inc(by?: number): void;
}

/**
 * A tiny Prometheus registry (text exposition format 0.0.4), enough for counters and gauges
 * without a dependency. One per app instance, so tests never share counts.
 */
export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly gauges = new Map<string, GaugeFamily>();
  private readonly histograms = new Map<string, HistogramFamily>();

  counter(name: string, help: string): Counter {
    return this.family(name, help, 'counter');
  }

  /**
   * A gauge whose series are computed when /metrics is scraped (e.g. read from the database), so
   * every instance reports the shared state without keeping it. A failing `collect` leaves the
   * family out of that scrape rather than failing it.
   */
  gauge(name: string, help: string, collect: GaugeFamily['collect']): void {
    checkName(name);
    this.gauges.set(name, { name, help, collect });
  }

  /** A histogram with fixed upper bounds (ascending; `+Inf` is implied). Same name, same family. */
  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    checkName(name);
    let f = this.histograms.get(name);
    if (!f) {
      f = { name, help, bounds: [...bounds].sort((a, b) => a - b), series: new Map() };
      this.histograms.set(name, f);
    }
    const fam = f;
    return {
      observe: (labels, value) => {
        const k = key(labels);
        let s = fam.series.get(k);
        if (!s) {
          s = { labels, counts: fam.bounds.map(() => 0), sum: 0, count: 0 };
          fam.series.set(k, s);
        }
        const i = fam.bounds.findIndex((b) => value <= b);
        if (i >= 0) s.counts[i]! += 1;
        s.sum += value;
        s.count += 1;
      },
    };
  }

  private family(name: string, help: string, type: Family['type']): Counter {
    checkName(name);
    let f = this.families.get(name);
    if (!f) {
      f = { name, help, type, series: new Map() };
      this.families.set(name, f);
    }
    const fam = f;
    return {
      inc: (labels: Labels = {}, by = 1) => {
        const k = key(labels);
        const s = fam.series.get(k);
        if (s) s.value += by;
        else fam.series.set(k, { labels, value: by });
      },
      get: (labels: Labels = {}) => fam.series.get(key(labels))?.value ?? 0,
      series: (labels: Labels) => {
        const k = key(labels);
        let s: { labels: Labels; value: number } | undefined;
        return {
          inc: (by = 1) => {
            s ??= fam.series.get(k);
            if (s) s.value += by;
            else {
              s = { labels, value: by };
              fam.series.set(k, s);
            }
          },
        };
      },
    };
  }

  /**
   * The exposition text. Counters without series are shown as 0 so they exist from the start;
   * gauges are collected now (all at once); histograms show cumulative buckets, _sum and _count.
   */
  async render(): Promise<string> {
    const collected = await Promise.all(
      [...this.gauges.values()].map(async (g) => ({ g, samples: await Promise.resolve(g.collect()).catch(() => null) })),
    );
    const lines: string[] = [];
    for (const f of this.families.values()) {
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      if (f.series.size === 0) lines.push(`${f.name} 0`);
      for (const s of f.series.values()) lines.push(`${f.name}${fmtLabels(s.labels)} ${s.value}`);
    }
    for (const { g, samples } of collected) {
      if (!samples) continue;
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const s of samples) lines.push(`${g.name}${fmtLabels(s.labels ?? {})} ${s.value}`);
    }
    for (const h of this.histograms.values()) {
      lines.push(`# HELP ${h.name} ${h.help}`, `# TYPE ${h.name} histogram`);
      for (const s of h.series.values()) {
        let cumulative = 0;
        h.bounds.forEach((b, i) => {
          cumulative += s.counts[i]!;
          lines.push(`${h.name}_bucket${fmtLabels({ ...s.labels, le: String(b) })} ${cumulative}`);
        });
        lines.push(`${h.name}_bucket${fmtLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
        lines.push(`${h.name}_sum${fmtLabels(s.labels)} ${s.sum}`);
        lines.push(`${h.name}_count${fmtLabels(s.labels)} ${s.count}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

function checkName(name: string): void {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
}

/**
 * The series key of a label set: names in code-unit order, each name and value length-prefixed so
 * no two sets share a key. Runs on every request (the HTTP counter), so no JSON and no locale.
 */
function key(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let k = '';
  for (const n of names) {
    const v = labels[n]!;
    k += `${n.length}:${n}${v.length}:${v}`;
  }
  return k;
}

function fmtLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;
}

/**
 * Counts answered requests in `fitsync_http_requests_total` by method, route and status. Runs on
 * every request (issue 13), so each label set's series handle is kept, found through three map
 * lookups instead of a label object and its key.
 */
export function httpRequestCounter(counter: Counter): (method: string, route: string, status: number) => void {
  const byMethod = new Map<string, Map<string, Map<number, CounterSeries>>>();
  return (method, route, status) => {
    let byRoute = byMethod.get(method);
    if (!byRoute) {
      byRoute = new Map();
      byMethod.set(method, byRoute);
    }
    let byStatus = byRoute.get(route);
    if (!byStatus) {
      byStatus = new Map();
      byRoute.set(route, byStatus);
    }
    let series = byStatus.get(status);
    if (!series) {
      series = counter.series({ method, route, status: String(status) });
      byStatus.set(status, series);
    }
    series.inc();
  };
}

/** The server's own metric families, created once per app. */
export function authMetrics(m: Metrics) {
  return {
    httpRequests: m.counter('fitsync_http_requests_total', 'HTTP requests answered, by method, route and status.'),
    refresh: m.counter('fitsync_auth_refresh_total', 'Successful refresh-token rotations.'),
    logins: m.counter('fitsync_auth_login_total', 'Sign-in attempts, by result.'),
    mfa: m.counter('fitsync_auth_mfa_total', 'MFA code verifications, by result.'),
    refreshReuse: m.counter('fitsync_auth_refresh_reuse_total', 'Spent refresh tokens presented again (sessions revoked).'),
    throttled: m.counter('fitsync_auth_throttled_total', 'Requests refused with too_many_attempts.'),
  };
}
export type AuthMetrics = ReturnType<typeof authMetrics>;

/** Upper bounds (seconds) of the sync phase histogram: 10 ms to an hour. */
export const PHASE_BUCKETS_S = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] as const;

/** How long each phase of sync and import jobs took (`phase` is a bounded name, see sync/phase-timer.ts). */
export function syncPhaseHistogram(m: Metrics): Histogram {
  return m.histogram('fitsync_sync_phase_seconds', 'Duration of sync and import job phases, by phase.', PHASE_BUCKETS_S);
}

/** Garmin data calls (every HTTP attempt) by route template and status (`error`: no answer). */
export function garminRequestCounter(m: Metrics): Counter {
  return m.counter('fitsync_garmin_requests_total', 'Garmin data calls (HTTP attempts), by route template and status.');
}
