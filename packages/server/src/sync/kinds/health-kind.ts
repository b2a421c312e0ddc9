import type { GarminDailySummary } from '@fitsync/garmin';
import { type HealthDayRecord, upsertHealthDays } from '../../repositories/health-days.js';
import { throwIfStopped } from '../abortable.js';
import { addDays, daysBetween, isoDay } from '../dates.js';
import { garminCall } from '../garmin-call.js';
import type { SyncRun } from '../sync-run.js';
import { defineKind } from './data-kind.js';

/**
 * How far back a full (or first) health sync reads: Garmin has no "account start" for wellness
 * data, and a year of days is what users look at. Windows (`since`) may reach further.
 */
export const HEALTH_FULL_DAYS = 365;
/** Garmin limits range statistics to 28 days per call (garmin-protocol.md). */
export const WEIGHT_RANGE_DAYS = 28;
/** Chunks whose calls are queued ahead of the one being written. */
const CHUNKS_AHEAD = 2;

interface HealthPlan {
  /** A window (since/until) leaves the cursor where it is. */
  window: boolean;
  from: string;
  to: string;
}

interface ChunkData {
  days: number;
  records: HealthDayRecord[];
}

/**
 * Health: one row per day with data. Each day costs one call — the daily summary carries steps,
 * distance, calories, resting HR, average stress, body battery high/low and sleep seconds
 * (`sleepingSeconds`, the same total as the sleep DTO's `sleepTimeSeconds`) — plus one weight
 * range call per 28 days. Days are processed oldest first in 28-day chunks; each chunk is one
 * commit with the cursor (the last day written), so the cursor never runs ahead of the data. The
 * cursor day itself is read again next time: it may have been partial.
 */
export const healthKind = defineKind<HealthPlan, HealthDayRecord>({
  name: 'health',

  async plan(run, cursor) {
    const { spec, runtime, progress } = run;
    const today = isoDay(runtime.now());
    let plan: HealthPlan;
    if (spec.since !== null || spec.until !== null) {
      const to = spec.until !== null && spec.until < today ? spec.until : today;
      plan = { window: true, to, from: spec.since ?? addDays(to, -HEALTH_FULL_DAYS) };
    } else if (!spec.full && cursor && /^\d{4}-\d{2}-\d{2}$/.test(cursor)) {
      plan = { window: false, to: today, from: minDay(cursor, today) };
    } else {
      plan = { window: false, to: today, from: addDays(today, -HEALTH_FULL_DAYS) };
    }
    progress.setTotal('health', dayCount(plan));
    return plan;
  },

  async fetch(run, plan, commit) {
    if (dayCount(plan) === 0) {
      await commit([], { last: true });
      return;
    }
    const displayName = await run.profile.displayName();
    const chunks: { start: string; end: string }[] = [];
    for (let c = plan.from; c <= plan.to; c = addDays(c, WEIGHT_RANGE_DAYS)) {
      chunks.push({ start: c, end: minDay(addDays(c, WEIGHT_RANGE_DAYS - 1), plan.to) });
    }
    // Calls of the next chunks are already queued at the limiter while a chunk is written, so
    // Garmin is never idle between chunks; at most CHUNKS_AHEAD chunks of answers are held.
    const fetching: Promise<ChunkData>[] = [];
    const fetchNext = () => {
      const c = chunks[fetching.length];
      if (!c) return;
      const p = fetchChunk(run, c.start, c.end, displayName);
      p.catch(() => {}); // observed when its turn comes
      fetching.push(p);
    };
    for (let i = 0; i < CHUNKS_AHEAD; i++) fetchNext();
    for (let i = 0; i < chunks.length; i++) {
      const { days, records } = await fetching[i]!;
      fetchNext();
      const last = i === chunks.length - 1;
      // Days were counted as processed when they arrived (progress moves during slow fetches).
      await commit(records, { last, processed: false, ...(plan.window ? {} : { cursor: chunks[i]!.end }) });
      // Days Garmin has no data for (watch not worn) are not stored: they count as unchanged.
      run.progress.count('health', 'unchanged', days - records.length);
    }
  },

  store: upsertHealthDays,
});

async function fetchChunk(run: SyncRun, start: string, end: string, displayName: string): Promise<ChunkData> {
  throwIfStopped(run.signal);
  const days: string[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) days.push(d);
  const [weights, summaries] = await Promise.all([
    garminCall(run, `reading weights from ${start} to ${end}`, (api, call) => api.getWeightRange(start, end, call)),
    Promise.all(
      days.map(async (day) => {
        const s = await garminCall(run, `reading the daily summary of ${day}`, (api, call) =>
          api.getDailySummary(displayName, day, call),
        );
        run.progress.advance();
        return s;
      }),
    ),
  ]);
  const weightOf = new Map(weights.days.map((d) => [d.calendarDate, d.weightGrams]));
  const records = summaries
    .map((s, i) => toDay(days[i]!, s, weightOf.get(days[i]!) ?? null))
    .filter((r): r is HealthDayRecord => r !== null);
  return { days: days.length, records };
}

function dayCount(p: HealthPlan): number {
  return Math.max(0, daysBetween(p.from, p.to) + 1);
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}

/** A day's row, or null when Garmin has no data for it. */
function toDay(date: string, s: GarminDailySummary, weightG: number | null): HealthDayRecord | null {
  const r: HealthDayRecord = {
    date,
    steps: s.totalSteps,
    distance_m: s.totalDistanceMeters,
    calories: s.totalKilocalories,
    resting_hr: s.restingHeartRate,
    avg_stress: s.averageStressLevel,
    body_battery_high: s.bodyBatteryHighestValue,
    body_battery_low: s.bodyBatteryLowestValue,
    sleep_s: s.sleepingSeconds,
    weight_g: weightG,
  };
  const any = Object.entries(r).some(([k, v]) => k !== 'date' && v !== null);
  return any ? r : null;
}
