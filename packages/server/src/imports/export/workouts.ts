import { parseExactJson } from '@fitsync/garmin';
import type { Queryable } from '../../db/db.js';
import { insertOrNewerWorkouts, type WorkoutRecord } from '../../repositories/workout-rows.js';
import type { Counts } from '../../sync/kind-counts.js';
import { exportTimeMs } from './export-dates.js';
import { ExportFormatError } from './export-format-error.js';

/**
 * `<user>_workout.json` of Garmin's data export (garmin-export.md §5): `{"workoutList": […],
 * "workoutScheduleList": […]}`, possibly inside a one-element array. Workouts are the same objects
 * as the API's workout list, so they land in the same rows, keyed by Garmin's workoutId.
 */

/** A workout of the export, as the workouts table stores it. */
export type ExportWorkout = WorkoutRecord;

type Obj = Record<string, unknown>;

/** Whether an archive member is the workouts file (by its name, anywhere in the tree). */
export function isWorkoutsMember(memberPath: string): boolean {
  return /_workout\.json$/i.test(memberPath.split(/[/\\]/).at(-1) ?? '');
}

function obj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}

/** The workouts file's text → workouts; items without a workoutId are skipped and counted. */
export function parseWorkouts(text: string): { items: ExportWorkout[]; skipped: number } {
  let v: unknown;
  try {
    v = parseExactJson(text);
  } catch {
    throw new ExportFormatError('the workouts file of the export is not valid JSON');
  }
  const holders = Array.isArray(v) ? v.map(obj) : [obj(v)];
  if (holders.length === 0 || holders.some((h) => h === null || (h.workoutList !== undefined && !Array.isArray(h.workoutList)))) {
    throw new ExportFormatError('the workouts file of the export is not an object with a workoutList');
  }
  const items = new Map<string, ExportWorkout>();
  let skipped = 0;
  for (const h of holders as Obj[]) {
    for (const item of (h.workoutList as unknown[] | undefined) ?? []) {
      const w = obj(item);
      const id = w ? workoutId(w.workoutId) : null;
      if (!w || !id) {
        skipped++;
        continue;
      }
      items.set(id, toRecord(id, w));
    }
  }
  return { items: [...items.values()], skipped };
}

function workoutId(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
  return typeof v === 'string' && /^\d{1,20}$/.test(v) ? v : null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 500) : null;
}

function toRecord(id: string, w: Obj): ExportWorkout {
  const updated = exportTimeMs(w.updatedDate) ?? exportTimeMs(w.createdDate);
  return {
    workoutId: id,
    name: text(w.workoutName),
    sport: text(obj(w.sportType)?.sportTypeKey) ?? text(w.sportType),
    garminUpdatedAt: updated === null ? null : new Date(updated).toISOString(),
    summaryJson: JSON.stringify(w),
  };
}

/**
 * Stores workouts in the caller's transaction: a workout not stored yet is `new`; a stored one is
 * replaced only when the export's copy was edited later (`updated`) — an API sync's copy of the
 * same edit stays (`unchanged`).
 */
export function storeWorkouts(tx: Queryable, userId: string, items: readonly ExportWorkout[], now: number): Promise<Counts> {
  return insertOrNewerWorkouts(tx, userId, items, now);
}
