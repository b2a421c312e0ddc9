// /health: one daily metric over a period as a chart, its numbers as a table (docs/web.md "Pages").
// The metric and period live in the address (?metric=steps&period=90), so a trend can be linked.
import type { HealthDays, WeightEntries } from '@fitsync/api';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api.js';
import { dayAxis, valueAxis } from '../charts/axes.js';
import { localDay, shortDay } from '../charts/days.js';
import {
  HEALTH_METRICS,
  HEALTH_PERIODS,
  type HealthMetric,
  metricByDay,
  metricOf,
  periodOf,
  periodRange,
  secondByDay,
  usesWeighIns,
} from '../charts/health-metrics.js';
import { LineChart } from '../charts/line-chart.js';
import type { Point } from '../charts/series.js';
import { navigate } from '../router.js';
import { Alert, formatDate, formatNumber, Loading, Select, Table } from '../ui.js';

type Loaded = { key: string; days?: HealthDays['days']; weights?: WeightEntries['entries'] };

export default function Page(props: { params: Record<string, string>; query: URLSearchParams }): JSX.Element {
  const metric = metricOf(props.query.get('metric'));
  const period = periodOf(props.query.get('period'));
  // "Today" is the visitor's calendar day, as Garmin's daily data is the wearer's.
  const range = periodRange(localDay(new Date()), period.days);
  const weighIns = usesWeighIns(metric);
  const want = `${weighIns ? 'weight' : 'daily'}:${range.since}:${range.until}`;
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    const q = new URLSearchParams(range);
    const load = weighIns
      ? apiGet<WeightEntries>(`/v1/health/weight?${q}`).then((w) => ({ key: want, weights: w.entries }))
      : apiGet<HealthDays>(`/v1/health/daily?${q}`).then((d) => ({ key: want, days: d.days }));
    load.then(
      (l) => live && setData(l),
      (err) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [want]);

  const choose = (m: string, p: string) => navigate(`/health?${new URLSearchParams({ metric: m, period: p })}`, { replace: true });
  const current = data?.key === want ? data : null;

  return (
    <>
      <h1>Health</h1>
      <div class="health-controls">
        <Select
          label="Metric"
          value={metric.key}
          options={HEALTH_METRICS.map((m) => ({ value: m.key, label: m.label }))}
          onValue={(v) => choose(v, period.key)}
        />
        <Select
          label="Period"
          value={period.key}
          options={HEALTH_PERIODS.map((p) => ({ value: p.key, label: p.label }))}
          onValue={(v) => choose(metric.key, v)}
        />
      </div>
      <Alert error={error ?? undefined} />
      {current === null ? (
        error === null && <Loading label="Loading health data…" />
      ) : (
        <Trend metric={metric} range={range} byDay={metricByDay(metric, range, current)} second={secondByDay(metric, range, current)} />
      )}
    </>
  );
}

/** How a value reads in a sentence: "52 bpm", "21.5 %" → "21.5%", a level or score without a unit. */
function withUnit(text: string, unit: string): string {
  if (unit === '%') return `${text}%`;
  if (unit === 'level' || unit === 'score') return text;
  return `${text} ${unit}`;
}

type Day = { day: string; value: number | null };

function Trend(props: { metric: HealthMetric; range: { since: string; until: string }; byDay: Day[]; second: Day[] }): JSX.Element {
  const { metric: m, byDay, second } = props;
  const withData = byDay.filter((d): d is { day: string; value: number } => d.value !== null);
  const show = (v: number) => formatNumber(v, m.digits);
  const heading = (
    <h2>
      {m.label}, {shortDay(props.range.since, Number(props.range.until.slice(0, 4)))} to {shortDay(props.range.until)}
    </h2>
  );
  if (withData.length === 0) {
    return (
      <>
        {heading}
        <p>No {m.label.toLowerCase()} data in this period. Sync health data, or pick a longer period.</p>
      </>
    );
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const d of withData) {
    lo = Math.min(lo, d.value);
    hi = Math.max(hi, d.value);
    sum += d.value;
  }
  for (const d of second) {
    if (d.value === null) continue;
    lo = Math.min(lo, d.value);
    hi = Math.max(hi, d.value);
  }
  const latest = withData[withData.length - 1]!;
  const points: Point[] = byDay.map((d, i) => [i, d.value]);
  const secondPoints: Point[] = second.map((d, i) => [i, d.value]);
  const lowOf = new Map(second.map((d) => [d.day, d.value]));
  const names = m.second ? [`${m.second.name} (${m.unit})`, `${m.second.secondName} (${m.unit})`] : [`${m.label} (${m.unit})`];
  return (
    <>
      {heading}
      <p class="chart-summary">
        {m.second ? `${m.second.name}: latest` : 'Latest'} {withUnit(show(latest.value), m.unit)} on {formatDate(latest.day)} · average {withUnit(show(sum / withData.length), m.unit)} ·{' '}
        {withData.length} of {byDay.length} days with data
      </p>
      <LineChart
        label={`${m.label} trend`}
        description={`${m.label} in ${m.unit} per day from ${props.range.since} to ${props.range.until}: from ${show(lo)} to ${show(hi)}; days without data are gaps`}
        points={points}
        {...(m.second ? { second: secondPoints } : {})}
        x={dayAxis(props.range.since, byDay.length)}
        y={valueAxis(lo, hi, { zero: m.zero })}
        unit={m.unit}
        tone="trend"
        // Sparse series (weigh-ins every few days) are mostly lone points between gaps: dots show them all.
        dots={byDay.length <= 31 || withData.length * 2 < byDay.length}
      />
      {m.note && <p class="chart-note">{m.note}</p>}
      <details class="chart-table">
        <summary>Show as table</summary>
        <Table caption={`${m.label} by day`} headers={['Date', ...names]} numeric={names}>
          {withData.map((d) => {
            const low = lowOf.get(d.day);
            return (
              <tr key={d.day}>
                <td>{formatDate(d.day)}</td>
                <td class="num">{show(d.value)}</td>
                {m.second && <td class="num">{low == null ? '—' : show(low)}</td>}
              </tr>
            );
          })}
        </Table>
      </details>
    </>
  );
}
