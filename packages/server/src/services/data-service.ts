import { type Activity, HEALTH_SERIES_UNITS, type HealthDay, type HealthSeries, type HealthSeriesMetric, type WeightEntry, type Workout } from '@fitsync/api';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import { activityView } from '../activities/activity-view.js';
import { findActivityFit, listActivities } from '../repositories/activity-rows.js';
import { decodeSeries } from '../health/series-codec.js';
import { listHealthDays } from '../repositories/health-days.js';
import { getSeries, latestSeriesDay } from '../repositories/health-series.js';
import { listWeights } from '../repositories/health-weights.js';
import { listWorkouts } from '../repositories/workout-rows.js';
import { addDays, dayStartMs } from '../sync/dates.js';
import { decodeKeyset, keysetPage } from './keyset-cursor.js';

const ACTIVITY_ID = /^\d{1,20}$/;

/** Reading the synced data (the rules behind /v1/activities, /v1/health/*, /v1/workouts). */
export class DataService {
  constructor(private readonly d: { db: Db }) {}

  /** Activities newest first, keyset-paged on (start, id); `since`/`until` are UTC days, inclusive. */
  async activities(
    userId: string,
    q: { since?: string; until?: string; limit?: number; cursor?: string },
  ): Promise<{ activities: Activity[]; next_cursor: string | null }> {
    realDay(q.since, 'since');
    realDay(q.until, 'until');
    const limit = q.limit ?? 50;
    const at = q.cursor === undefined ? undefined : decodeKeyset(q.cursor, ACTIVITY_ID);
    const rows = await listActivities(this.d.db, userId, {
      sinceMs: q.since ? dayStartMs(q.since) : undefined,
      untilMs: q.until ? dayStartMs(addDays(q.until, 1)) : undefined,
      limit: limit + 1,
      before: at && { startMs: at.at, activityId: at.id },
    });
    const { page, next } = keysetPage(rows, limit, (r) => ({ at: Number(r.start_ms), id: r.activity_id }));
    return {
      activities: page.map(activityView),
      next_cursor: next,
    };
  }

  /** The stored FIT file's hash of the user's activity; 404 when there is none. */
  async fitOf(userId: string, activityId: string): Promise<string> {
    const notFound = new ApiError(404, 'not_found', `No activity ${activityId} with a stored FIT file.`);
    if (!ACTIVITY_ID.test(activityId)) throw notFound;
    const row = await findActivityFit(this.d.db, userId, activityId);
    if (!row?.fit_sha256) throw notFound;
    return row.fit_sha256;
  }

  /** Days with data in [since, until], oldest first. */
  async healthDays(userId: string, q: { since?: string; until?: string }): Promise<{ days: HealthDay[] }> {
    realDay(q.since, 'since');
    realDay(q.until, 'until');
    return { days: await listHealthDays(this.d.db, userId, q.since, q.until) };
  }

  /**
   * One day of an intraday series. Without `date`: the latest day holding points of the metric
   * (`date` null when there is none). A day without points answers `points: []`.
   */
  async healthSeries(userId: string, metric: HealthSeriesMetric, date: string | undefined): Promise<HealthSeries> {
    realDay(date, 'date');
    const day = date ?? (await latestSeriesDay(this.d.db, userId, metric));
    const bytes = day === null ? undefined : await getSeries(this.d.db, userId, metric, day);
    return { metric, date: day, unit: HEALTH_SERIES_UNITS[metric], points: bytes ? decodeSeries(bytes) : [] };
  }

  /** Every weigh-in with its date in [since, until], oldest first. */
  async weights(userId: string, q: { since?: string; until?: string }): Promise<{ entries: WeightEntry[] }> {
    realDay(q.since, 'since');
    realDay(q.until, 'until');
    const rows = await listWeights(this.d.db, userId, q.since, q.until);
    return {
      entries: rows.map((w) => ({
        time: new Date(w.time_ms).toISOString(),
        date: w.date,
        weight_g: w.weight_g,
        bmi: w.bmi,
        body_fat_pct: w.body_fat_pct,
        body_water_pct: w.body_water_pct,
        bone_mass_g: w.bone_mass_g,
        muscle_mass_g: w.muscle_mass_g,
        source: w.source,
      })),
    };
  }

  async workouts(userId: string): Promise<{ workouts: Workout[] }> {
    return {
      workouts: (await listWorkouts(this.d.db, userId)).map((w) => ({
        workout_id: w.workout_id,
        name: w.name,
        sport: w.sport,
        updated_at: w.garmin_updated_at,
      })),
    };
  }
}

function realDay(v: string | undefined, name: string): void {
  if (v === undefined) return;
  const d = new Date(`${v}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
    const message = `${name} is not a real date (YYYY-MM-DD).`;
    throw new ApiError(400, 'validation_error', message, { errors: [{ path: `querystring/${name}`, message }] });
  }
}

