import { rederiveDays } from '../health/health-store.js';
import { rawDayBounds } from '../repositories/health-raw.js';
import { addDays } from '../sync/dates.js';
import { zeroCounts } from '../sync/kind-counts.js';
import type { Rebuilder } from './rebuilder.js';

/** Days re-derived per transaction (a month of answers in memory at most). */
const DAYS_PER_TRANSACTION = 28;

/** Health: every day any stored answer covers, re-derived from the raw answers (daily rows, series, weigh-ins). */
export const healthRebuilder: Rebuilder = {
  name: 'health',
  unit: 'days',
  async rebuild({ db }, userId, now) {
    const total = zeroCounts();
    const bounds = await rawDayBounds(db, userId);
    if (!bounds) return total;
    for (let start = bounds.first; start <= bounds.last; start = addDays(start, DAYS_PER_TRANSACTION)) {
      const days: string[] = [];
      for (let d = start; d <= bounds.last && days.length < DAYS_PER_TRANSACTION; d = addDays(d, 1)) days.push(d);
      const c = await db.transaction((tx) => rederiveDays(tx, userId, days, now, new Map(), { rewrite: true }));
      for (const k of ['new', 'updated', 'unchanged'] as const) total[k] += c[k];
    }
    return total;
  },
};
