import type { ActivityDetail, Lap } from '@fitsync/api';
import { localTime } from '../health/health-format.js';
import type { Column, Scalar } from '../output.js';
import { formatDuration, oneLine } from '../sync/format.js';

/** An ISO UTC time as "2026-05-30 06:15:00Z" (how `activities list` prints start times). */
export function utcTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(:\d{2})(\.\d+)?Z$/, '$1Z');
}

/**
 * Whether speed reads better as pace (min/km): on foot. Judged by the FIT sport when decoded, else
 * by Garmin's activity type (running, trail_running, walking, hiking, …).
 */
export function usesPace(a: Pick<ActivityDetail, 'sport' | 'activity_type'>): boolean {
  const s = `${a.sport ?? ''} ${a.activity_type ?? ''}`.toLowerCase();
  return /run|walk|hik|trek|mountaineer/.test(s);
}

/** Pace of a speed as "5:04" (minutes:seconds per km); null for no speed or standing still. */
export function paceText(mps: number | null): string | null {
  if (mps === null || !(mps > 0.1)) return null;
  return formatDuration(1000 / mps);
}

/** Speed as km/h with one decimal. */
export function kmhText(mps: number | null): string | null {
  return mps === null ? null : (mps * 3.6).toFixed(1);
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v);
}

/** The summary of `activities show` as "label: value" lines (values null are printed as -). */
export function summary(a: ActivityDetail): Record<string, Scalar> {
  const pace = usesPace(a);
  const avgSpeed = a.duration_s !== null && a.distance_m !== null && a.duration_s > 0 ? a.distance_m / a.duration_s : null;
  // The FIT sport/sub-sport only where it says more than Garmin's activity type.
  const sport = [a.sport, a.sub_sport].filter((s) => s !== null && s !== 'generic' && s !== a.activity_type).map((s) => oneLine(s as string));
  const d = a.device;
  const device = d && (d.manufacturer !== null || d.product !== null)
    ? oneLine([d.manufacturer, d.product].filter((s) => s !== null).join(' ') + (d.software_version !== null ? ` (software ${d.software_version})` : ''))
    : null;
  const out: Record<string, Scalar> = {
    Activity: a.activity_id,
    Name: a.name === null ? null : oneLine(a.name),
    Type: [a.activity_type === null ? null : oneLine(a.activity_type), sport.length > 0 ? `(${sport.join(', ')})` : null].filter((s) => s !== null).join(' ') || null,
    Start: `${localTime(a.start_time)} (${utcTime(a.start_time)})`,
    Duration: a.duration_s === null ? null : formatDuration(a.duration_s),
    Distance: a.distance_m === null ? null : `${(a.distance_m / 1000).toFixed(2)} km`,
    [pace ? 'Avg pace' : 'Avg speed']: pace ? (paceText(avgSpeed) === null ? null : `${paceText(avgSpeed)} /km`) : avgSpeed === null ? null : `${kmhText(avgSpeed)} km/h`,
    'Avg HR': a.avg_hr === null ? null : `${Math.round(a.avg_hr)} bpm`,
    Calories: round(a.calories),
    Device: device,
    Records: a.record_count,
  };
  if (a.decode_error !== null) out['Decode error'] = oneLine(a.decode_error);
  return out;
}

/** The laps table's columns: pace for sports on foot, else speed. */
export function lapColumns(pace: boolean): Column[] {
  return [
    { key: 'lap', header: 'lap' },
    { key: 'start', header: 'start' },
    { key: 'time', header: 'time' },
    { key: 'km', header: 'km' },
    pace ? { key: 'pace', header: 'pace /km' } : { key: 'speed', header: 'km/h' },
    { key: 'avg_hr', header: 'avg hr' },
    { key: 'max_hr', header: 'max hr' },
    { key: 'ascent', header: 'ascent m' },
    { key: 'calories', header: 'cal' },
  ];
}

/** One row of the laps table (both pace and speed; lapColumns picks one); `start` is the time since the activity's start. */
export function lapRow(lap: Lap, activityStart: string): Record<string, Scalar> {
  const offset = (Date.parse(lap.start_time) - Date.parse(activityStart)) / 1000;
  return {
    lap: lap.index + 1,
    start: Number.isFinite(offset) ? formatDuration(offset) : null,
    time: lap.duration_s === null ? null : formatDuration(lap.duration_s),
    km: lap.distance_m === null ? null : (lap.distance_m / 1000).toFixed(2),
    pace: paceText(lap.avg_speed_mps),
    speed: kmhText(lap.avg_speed_mps),
    avg_hr: round(lap.avg_hr),
    max_hr: round(lap.max_hr),
    ascent: round(lap.ascent_m),
    calories: round(lap.calories),
  };
}

/** The raw lap fields for `-o csv` (one row per lap, the API's names and values). */
export const LAP_FIELDS: Column[] = [
  'index', 'start_time', 'duration_s', 'distance_m', 'avg_hr', 'max_hr', 'avg_speed_mps', 'max_speed_mps', 'ascent_m', 'descent_m', 'calories',
].map((k) => ({ key: k, header: k }));
