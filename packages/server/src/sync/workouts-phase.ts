import { type GarminWorkout, garminGmtToIso } from '@fitsync/garmin';
import { setCursor } from '../repositories/sync-cursors.js';
import { upsertWorkouts, type WorkoutRecord } from '../repositories/workout-rows.js';
import { throwIfStopped } from './abortable.js';
import { garminCall, type SyncRun } from './sync-run.js';

export const WORKOUT_PAGE = 100;

/**
 * The workouts part: Garmin's workout list has no date filter, so every sync reads the whole
 * list (one call per 100 workouts) and stores what changed. Each page is written in one
 * transaction; the last one also records the cursor (time of the last complete pass).
 */
export class WorkoutsPhase {
  private firstPage: GarminWorkout[] | undefined;

  constructor(private readonly run: SyncRun) {}

  async plan(): Promise<void> {
    this.firstPage = await this.list(0);
    this.run.progress.setTotal('workouts', this.firstPage.length);
  }

  async execute(): Promise<void> {
    const { spec, db, clock, progress, signal } = this.run;
    let page = this.firstPage ?? (await this.list(0));
    this.firstPage = undefined;
    let seen = 0;
    for (let start = 0; ; ) {
      throwIfStopped(signal);
      seen += page.length;
      progress.setTotal('workouts', Math.max(seen, progress.totalOf('workouts') ?? 0));
      const last = page.length < WORKOUT_PAGE;
      const records = page.map(toRecord);
      const counts = await db.transaction(async (tx) => {
        const c = await upsertWorkouts(tx, spec.userId, records, clock.now());
        if (last) {
          await setCursor(tx, spec.userId, 'workouts', new Date(clock.now()).toISOString(), clock.now());
          await this.run.markPhaseDone(tx, 'workouts');
        }
        return c;
      });
      progress.done('workouts', 'new', counts.new);
      progress.done('workouts', 'updated', counts.updated);
      progress.done('workouts', 'unchanged', counts.unchanged);
      if (last) return;
      start += page.length;
      page = await this.list(start);
    }
  }

  private list(start: number): Promise<GarminWorkout[]> {
    return garminCall(this.run, `listing workouts (from position ${start})`, (api, call) =>
      api.listWorkouts({ start, limit: WORKOUT_PAGE, ...call }),
    );
  }
}

function toRecord(w: GarminWorkout): WorkoutRecord {
  const updated = w.updatedDate ?? w.createdDate;
  return {
    workoutId: w.workoutId,
    name: w.workoutName,
    sport: w.sportType,
    garminUpdatedAt: updated ? (garminGmtToIso(updated) ?? updated) : null,
    summaryJson: JSON.stringify(w.raw),
  };
}
