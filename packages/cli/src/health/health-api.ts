import type { HealthDay, HealthSeries, HealthSeriesMetric } from '@fitsync/api';
import { asHealthDays, asHealthSeries } from '../client/answers.js';
import type { Deps } from '../factory.js';

/** `GET /v1/health/daily` for a range (both ends optional, inclusive), oldest first. */
export async function fetchDays(deps: Deps, range: { since?: string; until?: string }): Promise<HealthDay[]> {
  const q = new URLSearchParams();
  if (range.since) q.set('since', range.since);
  if (range.until) q.set('until', range.until);
  const qs = q.toString() ? `?${q}` : '';
  const days = asHealthDays((await (await deps.session()).request('GET', `/v1/health/daily${qs}`)).body).days;
  // The contract does not promise an order: sort by date (ISO dates sort as strings).
  return [...days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** One day's row, or the latest day with data when `date` is undefined; undefined when there is none. */
export async function fetchDay(deps: Deps, date: string | undefined): Promise<HealthDay | undefined> {
  const days = await fetchDays(deps, date === undefined ? {} : { since: date, until: date });
  return date === undefined ? days[days.length - 1] : days.find((d) => d.date === date);
}

/** `GET /v1/health/series/{metric}` of one day (the server's latest day with data when `date` is undefined). */
export async function fetchSeries(deps: Deps, metric: HealthSeriesMetric, date: string | undefined): Promise<HealthSeries> {
  const qs = date === undefined ? '' : `?${new URLSearchParams({ date })}`;
  const series = asHealthSeries((await (await deps.session()).request('GET', `/v1/health/series/${metric}${qs}`)).body);
  // Oldest first by contract; sorting guards the drawing against a server that breaks it.
  return { ...series, points: [...series.points].sort((a, b) => a[0] - b[0]) };
}

/** The message for an empty answer; the command then exits 0 (product.md §B). */
export function reportNoData(deps: Deps): number {
  deps.io.info('no data');
  return 0;
}
