import { type Static, Type } from '@sinclair/typebox';
import { SYNC_JOB_TYPES, SYNC_STATUSES, SYNC_TRIGGERS, SYNC_TYPES } from './codes.js';
import { CalendarDate, JobId } from './common.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const SyncTypeSchema = Type.Union(SYNC_TYPES.map((t) => Type.Literal(t)));
/** A job's `sync_type`: a sync type, or `import` (an import of Garmin's export). */
export const SyncJobTypeSchema = Type.Union(SYNC_JOB_TYPES.map((t) => Type.Literal(t)));
export const SyncTriggerSchema = Type.Union(SYNC_TRIGGERS.map((t) => Type.Literal(t)));
export const SyncStatusSchema = Type.Union(SYNC_STATUSES.map((s) => Type.Literal(s)));

const Counts = Type.Object({ new: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() });

export const SyncJob = Type.Object({
  job_id: JobId,
  user_id: Type.String(),
  status: SyncStatusSchema,
  sync_type: SyncJobTypeSchema,
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  total_items: Type.Union([Type.Integer(), Type.Null()]),
  processed_items: Type.Integer(),
  since: Nullable(CalendarDate),
  until: Nullable(CalendarDate),
  full: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  start_time: Nullable(Type.String({ format: 'date-time' })),
  end_time: Nullable(Type.String({ format: 'date-time' })),
  error_message: Nullable(Type.String()),
  /** What started the job: `manual` (sync start), `schedule`, `import`. */
  trigger: SyncTriggerSchema,
  /**
   * A note on how a job that did not fail ended, for people (e.g. a scheduled run that found
   * nothing changed at Garmin: "Nothing changed at Garmin since …; 0 items."), else null.
   */
  message: Nullable(Type.String()),
  counts: Type.Object({ activities: Counts, health: Counts, workouts: Counts }),
});
export type SyncJob = Static<typeof SyncJob>;

export const CreateSyncJobBody = Type.Object(
  {
    sync_type: SyncTypeSchema,
    since: Type.Optional(CalendarDate),
    until: Type.Optional(CalendarDate),
    full: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateSyncJobBody = Static<typeof CreateSyncJobBody>;

export const SyncJobListQuery = Type.Object({
  status: Type.Optional(SyncStatusSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
export type SyncJobListQuery = Static<typeof SyncJobListQuery>;

export const SyncJobList = Type.Object({ jobs: Type.Array(SyncJob), next_cursor: Type.Union([Type.String(), Type.Null()]) });
export type SyncJobList = Static<typeof SyncJobList>;

/** GET/PUT /v1/sync/schedule: the user's automatic sync. */
export const SyncSchedule = Type.Object({
  /** Seconds between runs; null when the user never had a schedule. */
  every_s: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  sync_type: SyncTypeSchema,
  enabled: Type.Boolean(),
  /** When the next run is due (jitter included); null when disabled. */
  next_run_at: Nullable(Type.String({ format: 'date-time' })),
  last_run_at: Nullable(Type.String({ format: 'date-time' })),
  last_job_id: Type.Union([JobId, Type.Null()]),
});
export type SyncSchedule = Static<typeof SyncSchedule>;

/**
 * PUT /v1/sync/schedule: every_s below FITSYNC_SCHEDULE_MIN_INTERVAL is 422 validation_error.
 * `enabled` defaults to true; false stores the interval and type with the schedule off.
 */
export const PutSyncScheduleBody = Type.Object(
  {
    every_s: Type.Integer({ minimum: 1, maximum: 366 * 86400 }),
    sync_type: Type.Optional(SyncTypeSchema),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PutSyncScheduleBody = Static<typeof PutSyncScheduleBody>;
