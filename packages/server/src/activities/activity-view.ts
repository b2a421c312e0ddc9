import type { Activity } from '@fitsync/api';
import type { ActivityRow } from '../repositories/activity-rows.js';

/** A stored activity row as the API shows it (the list, and the summary part of the detail). */
export function activityView(r: ActivityRow): Activity {
  return {
    activity_id: r.activity_id,
    name: r.name,
    activity_type: r.activity_type,
    start_time: r.start_time,
    duration_s: num(r.duration_s),
    distance_m: num(r.distance_m),
    calories: num(r.calories),
    avg_hr: num(r.avg_hr),
    fit_sha256: r.fit_sha256,
    decode_error: r.decode_error ?? null,
  };
}

// PostgreSQL's pg driver may hand numeric columns back as strings.
function num(v: number | null): number | null {
  return v === null || v === undefined ? null : Number(v);
}
