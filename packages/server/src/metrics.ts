/** Label values of one series. */
export type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  series: Map<string, { labels: Labels; value: number }>;
}

/** A counter family; `inc` adds to the series for the given labels. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

/**
 * A tiny Prometheus registry (text exposition format 0.0.4), enough for counters and gauges
 * without a dependency. One per app instance, so tests never share counts.
 */
export class Metrics {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): Counter {
    return this.family(name, help, 'counter');
  }

  private family(name: string, help: string, type: Family['type']): Counter {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
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
    };
  }

  /** The exposition text. Counters without series are shown as 0 so they exist from the start. */
  render(): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      if (f.series.size === 0) lines.push(`${f.name} 0`);
      for (const s of f.series.values()) lines.push(`${f.name}${fmtLabels(s.labels)} ${s.value}`);
    }
    return `${lines.join('\n')}\n`;
  }
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
