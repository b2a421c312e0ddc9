import type { Activity, ActivityDetail, ActivityRecords, RecordField } from '@fitsync/api';
import { asActivityDetail, asActivityList, asActivityRecords } from '../client/answers.js';
import { NotFoundError, UnavailableError } from '../errors.js';
import type { Deps } from '../factory.js';

/** The API allows at most 1000 per page; larger limits follow next_cursor. */
const PAGE_MAX = 1000;

/** `GET /v1/activities`, newest first, following next_cursor until `limit` activities. */
export async function listActivities(deps: Deps, o: { limit: number; since?: string; until?: string }): Promise<Activity[]> {
  const session = await deps.session();
  const all: Activity[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: String(Math.min(PAGE_MAX, o.limit - all.length)) });
    if (o.since) q.set('since', o.since);
    if (o.until) q.set('until', o.until);
    if (cursor) q.set('cursor', cursor);
    const page = asActivityList((await session.request('GET', `/v1/activities?${q}`)).body);
    all.push(...page.activities);
    // A cursor that does not move would loop forever: stop on it.
    cursor = page.next_cursor !== cursor && page.activities.length > 0 ? page.next_cursor : null;
  } while (cursor && all.length < o.limit);
  return all.slice(0, o.limit);
}

/** "Activity 123 not found" (exit 4) for a 404 of any request about one activity. */
export function notFound(activityId: string): NotFoundError {
  return new NotFoundError(`Activity ${activityId} not found`, 'see `fitsync activities list`');
}

async function getOne(deps: Deps, activityId: string, path: string): Promise<unknown> {
  try {
    return (await (await deps.session()).request('GET', `/v1/activities/${encodeURIComponent(activityId)}${path}`)).body;
  } catch (err) {
    if (err instanceof NotFoundError) throw notFound(activityId);
    throw err;
  }
}

/** `GET /v1/activities/{id}`: the summary with laps, device and sport. */
export async function fetchDetail(deps: Deps, activityId: string): Promise<ActivityDetail> {
  return asActivityDetail(await getOne(deps, activityId, ''));
}

/**
 * `GET /v1/activities/{id}/records?fields=…`, checked: the fields asked, in that order, and every
 * point as long as the field list; points sorted oldest first when `time` is among them.
 */
export async function fetchRecords(deps: Deps, activityId: string, fields: readonly RecordField[]): Promise<ActivityRecords> {
  const q = new URLSearchParams({ fields: fields.join(',') });
  const r = asActivityRecords(await getOne(deps, activityId, `/records?${q}`));
  if (r.fields.join(',') !== fields.join(',') || r.points.some((p) => p.length !== fields.length)) {
    throw new UnavailableError(`the server sent records of activity ${activityId} in an unexpected shape`);
  }
  const t = fields.indexOf('time');
  return t === -1 ? r : { fields: r.fields, points: [...r.points].sort((a, b) => (a[t] ?? 0) - (b[t] ?? 0)) };
}
