import assert from 'node:assert/strict';
import { HEALTH_SERIES_METRICS } from '@fitsync/api';

/** What the sim's truth says about health (product.md §B names; docs/health-data.md). */
export interface HealthTruth {
  health_days: (Record<string, unknown> & { date: string; series_points: Record<string, number> })[];
  weights: Record<string, unknown>[];
}

/** GET a path of the API as the user; resolves with the JSON body (asserting 200). */
export type ApiGet = (path: string) => Promise<unknown>;

/**
 * Asserts the API serves exactly the truth: every daily field of every day, the point count of
 * every series of every day, every weigh-in.
 */
export async function assertHealthTruth(get: ApiGet, truth: HealthTruth): Promise<void> {
  const { days } = (await get('/v1/health/daily')) as { days: Record<string, unknown>[] };
  const want = truth.health_days.map(({ series_points: _, ...fields }) => fields);
  assert.deepEqual(
    days.map((d) => d.date),
    want.map((d) => d.date),
    'days with data',
  );
  assert.deepEqual(days, want, 'every daily field');
  const gotCounts: string[] = [];
  const wantCounts: string[] = [];
  for (const d of truth.health_days) {
    for (const metric of HEALTH_SERIES_METRICS) {
      const want = d.series_points[metric] ?? 0;
      if (want > 0) wantCounts.push(`${d.date} ${metric} ${want}`);
      const got = ((await get(`/v1/health/series/${metric}?date=${d.date}`)) as { points: unknown[] }).points.length;
      if (got > 0) gotCounts.push(`${d.date} ${metric} ${got}`);
    }
  }
  assert.deepEqual(gotCounts, wantCounts, 'series point counts');
  const { entries } = (await get('/v1/health/weight')) as { entries: unknown[] };
  assert.deepEqual(entries, truth.weights, 'weigh-ins');
}
