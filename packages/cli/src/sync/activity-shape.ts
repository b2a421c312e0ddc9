import type { Activity, ActivityList } from '@fitsync/api';
import { UnavailableError } from '../errors.js';

const bad = () => new UnavailableError('the server sent an unexpected activity list answer');
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function asActivity(v: unknown): Activity {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad();
  const o = v as Record<string, unknown>;
  // Activity ids are 64-bit: the server sends them as strings so they stay exact.
  if (typeof o.activity_id !== 'string' || typeof o.start_time !== 'string') throw bad();
  return {
    activity_id: o.activity_id,
    name: strOrNull(o.name),
    activity_type: strOrNull(o.activity_type),
    start_time: o.start_time,
    duration_s: numOrNull(o.duration_s),
    distance_m: numOrNull(o.distance_m),
    calories: numOrNull(o.calories),
    avg_hr: numOrNull(o.avg_hr),
    fit_sha256: strOrNull(o.fit_sha256),
  };
}

export function asActivityList(v: unknown): ActivityList {
  if (v === null || typeof v !== 'object' || !Array.isArray((v as { activities?: unknown }).activities)) throw bad();
  const o = v as { activities: unknown[]; next_cursor?: unknown };
  return { activities: o.activities.map(asActivity), next_cursor: typeof o.next_cursor === 'string' && o.next_cursor !== '' ? o.next_cursor : null };
}
