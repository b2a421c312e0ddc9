import type { Queryable } from '../db/db.js';
import { getCursor, setCursor } from '../repositories/sync-cursors.js';
import { garminCall } from './garmin-call.js';
import { kindsOf } from './kinds/index.js';
import type { SyncRun } from './sync-run.js';

/**
 * What Garmin showed when a sync started: the device's last upload and the newest activity.
 * Stored per user and sync type after a successful sync, as JSON in sync_cursors.
 */
export interface ChangeMarks {
  device_upload_ms: number | null;
  newest_activity_id: string | null;
  /** When they were observed: the start of the sync they vouch for. */
  observed_at: number;
}

/**
 * A scheduled run still syncs for real when its marks are older than this, so what the marks
 * cannot see (a workout or gear edited on the web, a renamed activity) arrives within a day.
 */
export const CHANGE_MARKS_MAX_AGE_MS = 86_400_000;

/** The outcome: nothing changed (end the job with `message`), or sync and then call `remember`. */
export type ChangeCheck = { unchanged: true; message: string } | { unchanged: false; remember: () => Promise<void> };

const marksKey = (syncType: string) => `change_marks:${syncType}`;

function parseMarks(text: string | undefined): ChangeMarks | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<ChangeMarks>;
    const okNum = (x: unknown) => x === null || (typeof x === 'number' && Number.isFinite(x));
    if (!okNum(v.device_upload_ms) || !(v.newest_activity_id === null || typeof v.newest_activity_id === 'string')) return null;
    if (typeof v.observed_at !== 'number') return null;
    return v as ChangeMarks;
  } catch {
    return null;
  }
}

/** True when nothing Garmin shows moved. A missing upload time proves nothing: treated as changed. */
function same(a: ChangeMarks, b: Omit<ChangeMarks, 'observed_at'>): boolean {
  return a.device_upload_ms !== null && a.device_upload_ms === b.device_upload_ms && a.newest_activity_id === b.newest_activity_id;
}

/** The sentence a skipped run ends with (SyncJob.message). */
export function nothingChangedMessage(sinceMs: number): string {
  return `Nothing changed at Garmin since ${new Date(sinceMs).toISOString()} (the last sync); nothing to fetch.`;
}

/**
 * The cheap change check of a scheduled run (docs/sync.md "Scheduled runs"): exactly two Garmin
 * data calls, made together — `mylastused` (the device's last upload) and the activity list with
 * limit 1 — compared with the marks stored after the last successful sync of this sync type.
 * Token refreshes are sign-in traffic, not data calls, and are not counted. Manual and import
 * jobs, windows and full syncs are not checked (and store no marks): they are asked for.
 */
export async function checkForChanges(run: SyncRun): Promise<ChangeCheck | null> {
  const { spec, db, runtime } = run;
  if (spec.trigger !== 'schedule' || spec.full || spec.since !== null || spec.until !== null) return null;
  const startedAt = runtime.now();
  const [device, newest] = await Promise.all([
    garminCall(run, 'asking Garmin when the device last uploaded', (api, call) => api.getDeviceLastUsed(call)),
    garminCall(run, 'reading the newest activity', (api, call) => api.listActivities({ limit: 1, ...call })),
  ]);
  const seen = { device_upload_ms: device.lastUploadMs, newest_activity_id: newest[0]?.activityId ?? null };
  const stored = parseMarks(await getCursor(db, spec.userId, marksKey(spec.syncType)));
  if (stored && startedAt - stored.observed_at < CHANGE_MARKS_MAX_AGE_MS && same(stored, seen)) {
    // The job's kinds total 0 items: it completes with progress 100 and nothing fetched.
    for (const k of kindsOf(spec.syncType)) run.progress.setTotal(k.name, 0);
    return { unchanged: true, message: nothingChangedMessage(stored.observed_at) };
  }
  // The marks observed now, stored only once the sync succeeded: anything uploaded during the run
  // is newer than them, so the next run sees it as a change (never missed, at worst read twice).
  const marks: ChangeMarks = { ...seen, observed_at: startedAt };
  return { unchanged: false, remember: () => saveMarks(db, spec.userId, spec.syncType, marks, runtime.now()) };
}

async function saveMarks(q: Queryable, userId: string, syncType: string, marks: ChangeMarks, now: number): Promise<void> {
  await setCursor(q, userId, marksKey(syncType), JSON.stringify(marks), now);
}
