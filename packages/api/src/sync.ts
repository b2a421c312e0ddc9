import { type Static, Type } from '@sinclair/typebox';
import { SYNC_STATUSES, SYNC_TYPES } from './codes.js';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const SyncTypeSchema = Type.Union(SYNC_TYPES.map((t) => Type.Literal(t)));
export const SyncStatusSchema = Type.Union(SYNC_STATUSES.map((s) => Type.Literal(s)));

const Counts = Type.Object({ new: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() });

export const SyncJob = Type.Object({
  job_id: Type.String(),
  user_id: Type.String(),
  status: SyncStatusSchema,
  sync_type: SyncTypeSchema,
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  total_items: Type.Union([Type.Integer(), Type.Null()]),
  processed_items: Type.Integer(),
  since: Nullable(IsoDate),
  until: Nullable(IsoDate),
  full: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  start_time: Nullable(Type.String({ format: 'date-time' })),
  end_time: Nullable(Type.String({ format: 'date-time' })),
  error_message: Nullable(Type.String()),
  counts: Type.Object({ activities: Counts, health: Counts, workouts: Counts }),
});
export type SyncJob = Static<typeof SyncJob>;

export const CreateSyncJobBody = Type.Object(
  {
    sync_type: SyncTypeSchema,
    since: Type.Optional(IsoDate),
    until: Type.Optional(IsoDate),
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
