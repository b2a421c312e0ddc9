import { type Static, Type } from '@sinclair/typebox';
import { CalendarDate } from './common.js';

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const Activity = Type.Object({
  activity_id: Type.String({ description: 'Garmin activity id, exact (64-bit)' }),
  name: Type.Union([Type.String(), Type.Null()]),
  activity_type: Type.Union([Type.String(), Type.Null()]),
  start_time: Type.String({ format: 'date-time', description: 'UTC' }),
  duration_s: NullableNumber,
  distance_m: NullableNumber,
  calories: NullableNumber,
  avg_hr: NullableNumber,
  fit_sha256: Type.Union([Type.String(), Type.Null()]),
});
export type Activity = Static<typeof Activity>;

export const ActivityListQuery = Type.Object({
  since: Type.Optional(CalendarDate),
  until: Type.Optional(CalendarDate),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
export type ActivityListQuery = Static<typeof ActivityListQuery>;

export const ActivityList = Type.Object({
  activities: Type.Array(Activity),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type ActivityList = Static<typeof ActivityList>;

export const HealthDay = Type.Object({
  date: CalendarDate,
  steps: NullableNumber,
  distance_m: NullableNumber,
  calories: NullableNumber,
  resting_hr: NullableNumber,
  avg_stress: NullableNumber,
  body_battery_high: NullableNumber,
  body_battery_low: NullableNumber,
  sleep_s: NullableNumber,
  weight_g: NullableNumber,
});
export type HealthDay = Static<typeof HealthDay>;

export const HealthQuery = Type.Object({ since: Type.Optional(CalendarDate), until: Type.Optional(CalendarDate) });
export type HealthQuery = Static<typeof HealthQuery>;
export const HealthDays = Type.Object({ days: Type.Array(HealthDay) });
export type HealthDays = Static<typeof HealthDays>;

export const Workout = Type.Object({
  workout_id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  sport: Type.Union([Type.String(), Type.Null()]),
  updated_at: Type.Union([Type.String(), Type.Null()]),
});
export type Workout = Static<typeof Workout>;
export const Workouts = Type.Object({ workouts: Type.Array(Workout) });
export type Workouts = Static<typeof Workouts>;
