import type { GarminDailySummary } from '@fitsync/garmin';
import { type HealthDayRecord, upsertHealthDays } from '../repositories/health-days.js';
import { getCursor, setCursor } from '../repositories/sync-cursors.js';
import { throwIfStopped } from './abortable.js';
import { addDays, daysBetween, isoDay } from './dates.js';
import { garminCall, type SyncRun } from './sync-run.js';

/**
 * How far back a full (or first) health sync reads: Garmin has no "account start" for wellness
 * data, and a year of days is what users look at. Windows (`since`) may reach further.
 */
export const HEALTH_FULL_DAYS = 365;
/** Garmin limits range statistics to 28 days per call (garmin-protocol.md). */
export const WEIGHT_RANGE_DAYS = 28;

type Mode = 'full' | 'incremental' | 'window';

/**
 * The health part: one row per day with data. Each day costs one call — the daily summary carries
 * steps, distance, calories, resting HR, average stress, body battery high/low and sleep seconds
 * (`sleepingSeconds`, the same total as the sleep DTO's `sleepTimeSeconds`) — plus one weight
 * range call per 28 days. Days are processed oldest first in 28-day chunks; each chunk is written
 * in one transaction together with the cursor (the last day written), so the cursor never runs
 * ahead of the data. The cursor day itself is read again next time: it may have been partial.
 */
export class HealthPhase {
  private mode: Mode = 'full';
  private from = '';
  private to = '';

  constructor(private readonly run: SyncRun) {}

  async plan(): Promise<void> {
    const { spec, db, clock, progress } = this.run;
    const today = isoDay(clock.now());
    const cursor = await getCursor(db, spec.userId, 'health');
    if (spec.since !== null || spec.until !== null) {
      this.mode = 'window';
      this.to = spec.until !== null && spec.until < today ? spec.until : today;
      this.from = spec.since ?? addDays(this.to, -HEALTH_FULL_DAYS);
    } else if (!spec.full && cursor && /^\d{4}-\d{2}-\d{2}$/.test(cursor)) {
      this.mode = 'incremental';
      this.to = today;
      this.from = minDay(cursor, today);
    } else {
      this.mode = 'full';
      this.to = today;
      this.from = addDays(today, -HEALTH_FULL_DAYS);
    }
    progress.setTotal('health', Math.max(0, daysBetween(this.from, this.to) + 1));
  }

  async execute(): Promise<void> {
    const { spec, db, clock, progress } = this.run;
    const total = Math.max(0, daysBetween(this.from, this.to) + 1);
    if (total === 0) {
      await db.transaction((tx) => this.run.markPhaseDone(tx, 'health'));
      return;
    }
    const displayName = await this.run.displayName();
    const chunks: { start: string; end: string }[] = [];
    for (let c = this.from; c <= this.to; c = addDays(c, WEIGHT_RANGE_DAYS)) {
      chunks.push({ start: c, end: minDay(addDays(c, WEIGHT_RANGE_DAYS - 1), this.to) });
    }
    // Calls of the next chunks are already queued at the limiter while a chunk is written, so
    // Garmin is never idle between chunks; at most CHUNKS_AHEAD chunks of answers are held.
    const fetching: Promise<ChunkData>[] = [];
    const fetchNext = () => {
      const c = chunks[fetching.length];
      if (!c) return;
      const p = this.fetchChunk(c.start, c.end, displayName);
      p.catch(() => {}); // observed when its turn comes
      fetching.push(p);
    };
    for (let i = 0; i < CHUNKS_AHEAD; i++) fetchNext();
    for (let i = 0; i < chunks.length; i++) {
      const { days, records } = await fetching[i]!;
      fetchNext();
      const last = i === chunks.length - 1;
      const chunkEnd = chunks[i]!.end;
      const counts = await db.transaction(async (tx) => {
        const c = await upsertHealthDays(tx, spec.userId, records, clock.now());
        if (this.mode !== 'window') await setCursor(tx, spec.userId, 'health', chunkEnd, clock.now());
        if (last) await this.run.markPhaseDone(tx, 'health');
        return c;
      });
      progress.count('health', 'new', counts.new);
      progress.count('health', 'updated', counts.updated);
      // Days Garmin has no data for (watch not worn) are not stored: they count as unchanged.
      progress.count('health', 'unchanged', counts.unchanged + (days - records.length));
    }
  }

  private async fetchChunk(start: string, end: string, displayName: string): Promise<ChunkData> {
    const { progress, signal } = this.run;
    throwIfStopped(signal);
    const days: string[] = [];
    for (let d = start; d <= end; d = addDays(d, 1)) days.push(d);
    const [weights, summaries] = await Promise.all([
      garminCall(this.run, `reading weights from ${start} to ${end}`, (api, call) => api.getWeightRange(start, end, call)),
      Promise.all(
        days.map(async (day) => {
          const s = await garminCall(this.run, `reading the daily summary of ${day}`, (api, call) => api.getDailySummary(displayName, day, call));
          progress.advance();
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
}

/** Chunks whose calls are queued ahead of the one being written. */
const CHUNKS_AHEAD = 2;

interface ChunkData {
  days: number;
  records: HealthDayRecord[];
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
