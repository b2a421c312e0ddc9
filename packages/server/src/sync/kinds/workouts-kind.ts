import { type GarminWorkout, garminGmtToIso } from '@fitsync/garmin';
import { upsertWorkouts, type WorkoutRecord } from '../../repositories/workout-rows.js';
import { throwIfStopped } from '../abortable.js';
import { garminCall } from '../garmin-call.js';
import type { SyncRun } from '../sync-run.js';
import { defineKind } from './data-kind.js';

export const WORKOUT_PAGE = 100;

const list = (run: SyncRun, start: number): Promise<GarminWorkout[]> =>
  garminCall(run, `listing workouts (from position ${start})`, (api, call) =>
    api.listWorkouts({ start, limit: WORKOUT_PAGE, ...call }),
  );

/**
 * Workouts: Garmin's workout list has no date filter, so every sync reads the whole list (one
 * call per 100 workouts) and stores what changed. Each page is one commit; the last one also
 * moves the cursor (time of the last complete pass).
 */
export const workoutsKind = defineKind<{ firstPage: GarminWorkout[] }, WorkoutRecord>({
  name: 'workouts',

  async plan(run) {
    const firstPage = await list(run, 0);
    run.progress.setTotal('workouts', firstPage.length);
    return { firstPage };
  },

  async fetch(run, plan, commit) {
    const { progress, signal, runtime } = run;
    let page = plan.firstPage;
    let seen = 0;
    for (let start = 0; ; ) {
      throwIfStopped(signal);
      seen += page.length;
      progress.setTotal('workouts', Math.max(seen, progress.totalOf('workouts') ?? 0));
      const last = page.length < WORKOUT_PAGE;
      await commit(page.map(toRecord), last ? { last, cursor: new Date(runtime.now()).toISOString() } : {});
      if (last) return;
      start += page.length;
      page = await list(run, start);
    }
  },

  store: upsertWorkouts,
});

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
