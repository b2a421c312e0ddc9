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
  decode_error: Type.Union([Type.String(), Type.Null()], {
    description: 'Why the stored FIT file could not be decoded (the file is kept); null when it was decoded or is not decoded yet',
  }),
});
export type Activity = Static<typeof Activity>;

/**
 * The record fields of `GET /v1/activities/{id}/records`, in their default order (product.md Part 2 §C).
 * Each value is the official FIT SDK's value after its own scaling, unrounded: `time` epoch ms (the
 * record's timestamp); `lat`/`lon` degrees = the SDK's semicircles × (180 / 2^31); `altitude_m` the
 * SDK's enhancedAltitude, else altitude; `speed_mps` enhancedSpeed, else speed; `heart_rate` bpm;
 * `cadence` rpm (one foot for running, as the file holds it); `power_w`; `temperature_c`; `distance_m`.
 * A value the record does not carry is null.
 */
export const RECORD_FIELDS = [
  'time', 'lat', 'lon', 'altitude_m', 'heart_rate', 'cadence', 'speed_mps', 'power_w', 'temperature_c', 'distance_m',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** One lap as decoded from the FIT file (null where the file has no value). */
export const Lap = Type.Object({
  index: Type.Integer({ minimum: 0, description: '0-based, in file order' }),
  start_time: Type.String({ format: 'date-time', description: 'UTC' }),
  duration_s: Type.Union([Type.Number(), Type.Null()], { description: 'timer time (pauses excluded), seconds' }),
  distance_m: NullableNumber,
  avg_hr: NullableNumber,
  max_hr: NullableNumber,
  avg_speed_mps: NullableNumber,
  max_speed_mps: NullableNumber,
  ascent_m: NullableNumber,
  descent_m: NullableNumber,
  calories: NullableNumber,
});
export type Lap = Static<typeof Lap>;

/** The recording device, from the FIT file's file_id (and device_info of the creator). */
export const Device = Type.Object({
  manufacturer: Type.Union([Type.String(), Type.Null()], { description: "the SDK's name, e.g. garmin" }),
  product: Type.Union([Type.String(), Type.Null()], { description: "the SDK's product name (fr945), else the product number" }),
  serial_number: Type.Union([Type.String(), Type.Null()]),
  software_version: Type.Union([Type.String(), Type.Null()]),
});
export type Device = Static<typeof Device>;

/** `GET /v1/activities/{id}`: the list summary plus what the FIT file holds. */
export const ActivityDetail = Type.Composite([
  Activity,
  Type.Object({
    sport: Type.Union([Type.String(), Type.Null()], { description: "FIT sport, the SDK's name (running)" }),
    sub_sport: Type.Union([Type.String(), Type.Null()], { description: "FIT sub_sport, the SDK's name (trail)" }),
    device: Type.Union([Device, Type.Null()]),
    laps: Type.Array(Lap),
    record_count: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'null when not decoded' }),
    record_fields: Type.Array(Type.String(), { description: 'RECORD_FIELDS with at least one value, in RECORD_FIELDS order' }),
  }),
]);
export type ActivityDetail = Static<typeof ActivityDetail>;

export const ActivityIdParams = Type.Object({ activity_id: Type.String({ minLength: 1, maxLength: 20, pattern: '^[0-9]+$' }) });
export type ActivityIdParams = Static<typeof ActivityIdParams>;

export const ActivityRecordsQuery = Type.Object({
  fields: Type.Optional(
    Type.String({ maxLength: 200, description: `comma-separated, any of ${RECORD_FIELDS.join(', ')}; default all, in that order` }),
  ),
});
export type ActivityRecordsQuery = Static<typeof ActivityRecordsQuery>;

/** `GET /v1/activities/{id}/records`: one point per FIT record, oldest first, values in `fields` order. */
export const ActivityRecords = Type.Object({
  fields: Type.Array(Type.String()),
  points: Type.Array(Type.Array(Type.Union([Type.Number(), Type.Null()]))),
});
export type ActivityRecords = Static<typeof ActivityRecords>;

export const EXPORT_FORMATS = ['gpx', 'tcx', 'csv', 'fit'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** Media types and file extensions of the export formats. */
export const EXPORT_MEDIA: Record<ExportFormat, { type: string; ext: string }> = {
  gpx: { type: 'application/gpx+xml', ext: 'gpx' },
  tcx: { type: 'application/vnd.garmin.tcx+xml', ext: 'tcx' },
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  fit: { type: 'application/vnd.ant.fit', ext: 'fit' },
};
export const ActivityExportQuery = Type.Object({ format: Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f))) });
export type ActivityExportQuery = Static<typeof ActivityExportQuery>;

/** `GET /v1/gear`: shoes, bikes, … as Garmin lists them, with their totals. */
export const GearItem = Type.Object({
  gear_id: Type.String({ description: "Garmin's gear UUID" }),
  name: Type.Union([Type.String(), Type.Null()], { description: 'displayName, else customMakeModel, else make + model' }),
  type: Type.Union([Type.String(), Type.Null()], { description: 'gearTypeName lower-cased (shoes, bike, …)' }),
  make: Type.Union([Type.String(), Type.Null()]),
  model: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.String(), Type.Null()], { description: 'active or retired' }),
  date_begin: Type.Union([CalendarDate, Type.Null()]),
  date_end: Type.Union([CalendarDate, Type.Null()]),
  max_distance_m: NullableNumber,
  total_distance_m: NullableNumber,
  total_activities: NullableNumber,
});
export type GearItem = Static<typeof GearItem>;
export const GearList = Type.Object({ gear: Type.Array(GearItem) });
export type GearList = Static<typeof GearList>;

/** `GET /v1/records`: personal records as Garmin holds them. */
export const PersonalRecord = Type.Object({
  record_id: Type.String(),
  type_id: Type.Integer({ description: "Garmin's typeId (1 = 1 km, 2 = 1 mile, 3 = 5 km run times, …; see docs)" }),
  label: Type.Union([Type.String(), Type.Null()], { description: 'what the typeId is understood to mean, null when unknown' }),
  value: NullableNumber,
  unit: Type.Union([Type.String(), Type.Null()], { description: 's, m or steps where understood, else null' }),
  activity_id: Type.Union([Type.String(), Type.Null()], { description: 'null when the record is not tied to an activity' }),
  activity_name: Type.Union([Type.String(), Type.Null()]),
  activity_type: Type.Union([Type.String(), Type.Null()]),
  time: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when the record was set, UTC' }),
});
export type PersonalRecord = Static<typeof PersonalRecord>;
export const PersonalRecords = Type.Object({ records: Type.Array(PersonalRecord) });
export type PersonalRecords = Static<typeof PersonalRecords>;

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

/** A nullable number (Garmin has no value). */
const N = NullableNumber;
const NullableString = Type.Union([Type.String(), Type.Null()]);

/**
 * The daily fields of `GET /v1/health/daily`, in order (product.md Part 2 §B). `null` where Garmin has
 * no value. `sleep_start`/`sleep_end` are ISO UTC; `hrv_status` is Garmin's word (BALANCED, …).
 */
export const HEALTH_DAILY_FIELDS = [
  'date', 'steps', 'distance_m', 'calories', 'active_calories', 'floors', 'intensity_minutes',
  'resting_hr', 'min_hr', 'max_hr', 'avg_stress', 'max_stress',
  'body_battery_high', 'body_battery_low', 'body_battery_charged', 'body_battery_drained',
  'sleep_start', 'sleep_end', 'sleep_s', 'sleep_deep_s', 'sleep_light_s', 'sleep_rem_s', 'sleep_awake_s',
  'sleep_score', 'spo2_avg', 'spo2_low', 'respiration_avg', 'hrv_nightly_avg_ms', 'hrv_status',
  'training_readiness', 'vo2max_running', 'vo2max_cycling',
  'weight_g', 'body_fat_pct', 'muscle_mass_g', 'bone_mass_g', 'body_water_pct', 'bmi', 'hydration_ml',
] as const;
export type HealthDailyField = (typeof HEALTH_DAILY_FIELDS)[number];

export const HealthDay = Type.Object({
  date: CalendarDate,
  steps: N,
  distance_m: N,
  calories: N,
  active_calories: N,
  floors: N,
  intensity_minutes: Type.Union([Type.Number(), Type.Null()], { description: 'moderate + 2 × vigorous, as Garmin counts toward the goal' }),
  resting_hr: N,
  min_hr: N,
  max_hr: N,
  avg_stress: N,
  max_stress: N,
  body_battery_high: N,
  body_battery_low: N,
  body_battery_charged: N,
  body_battery_drained: N,
  sleep_start: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'ISO UTC' }),
  sleep_end: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'ISO UTC' }),
  sleep_s: N,
  sleep_deep_s: N,
  sleep_light_s: N,
  sleep_rem_s: N,
  sleep_awake_s: N,
  sleep_score: N,
  spo2_avg: N,
  spo2_low: N,
  respiration_avg: N,
  hrv_nightly_avg_ms: N,
  hrv_status: NullableString,
  training_readiness: N,
  vo2max_running: N,
  vo2max_cycling: N,
  weight_g: N,
  body_fat_pct: N,
  muscle_mass_g: N,
  bone_mass_g: N,
  body_water_pct: N,
  bmi: N,
  hydration_ml: N,
});
export type HealthDay = Static<typeof HealthDay>;

export const HealthQuery = Type.Object({ since: Type.Optional(CalendarDate), until: Type.Optional(CalendarDate) });
export type HealthQuery = Static<typeof HealthQuery>;
export const HealthDays = Type.Object({ days: Type.Array(HealthDay) });
export type HealthDays = Static<typeof HealthDays>;

/** Intraday series (`GET /v1/health/series/{metric}`) and their units. */
export const HEALTH_SERIES_UNITS = {
  heart_rate: 'bpm',
  stress: 'level',
  body_battery: 'level',
  respiration: 'brpm',
  spo2: 'percent',
  steps: 'steps',
  sleep_stages: 'stage',
} as const;
export type HealthSeriesMetric = keyof typeof HEALTH_SERIES_UNITS;
export const HEALTH_SERIES_METRICS = Object.keys(HEALTH_SERIES_UNITS) as HealthSeriesMetric[];

export const HealthSeriesParams = Type.Object({
  metric: Type.Union(HEALTH_SERIES_METRICS.map((m) => Type.Literal(m))),
});
export type HealthSeriesParams = Static<typeof HealthSeriesParams>;
export const HealthSeriesQuery = Type.Object({
  date: Type.Optional(CalendarDate),
});
export type HealthSeriesQuery = Static<typeof HealthSeriesQuery>;

/**
 * One day of an intraday series: `points` are `[epoch_ms, value]`, oldest first. `sleep_stages` values:
 * 0 deep, 1 light, 2 REM, 3 awake, one point per change. A day without data has `points: []`; with no
 * `date` asked and no data at all, `date` is null.
 */
export const HealthSeries = Type.Object({
  metric: Type.String(),
  date: Type.Union([CalendarDate, Type.Null()]),
  unit: Type.String(),
  points: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
});
export type HealthSeries = Static<typeof HealthSeries>;

/** One weigh-in (`GET /v1/health/weight`): every entry Garmin holds, with its body composition. */
export const WeightEntry = Type.Object({
  time: Type.String({ format: 'date-time', description: 'UTC time of the weigh-in' }),
  date: CalendarDate,
  weight_g: Type.Number(),
  bmi: N,
  body_fat_pct: N,
  body_water_pct: N,
  bone_mass_g: N,
  muscle_mass_g: N,
  source: NullableString,
});
export type WeightEntry = Static<typeof WeightEntry>;
export const WeightEntries = Type.Object({ entries: Type.Array(WeightEntry) });
export type WeightEntries = Static<typeof WeightEntries>;

export const Workout = Type.Object({
  workout_id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  sport: Type.Union([Type.String(), Type.Null()]),
  updated_at: Type.Union([Type.String(), Type.Null()]),
});
export type Workout = Static<typeof Workout>;
export const Workouts = Type.Object({ workouts: Type.Array(Workout) });
export type Workouts = Static<typeof Workouts>;
