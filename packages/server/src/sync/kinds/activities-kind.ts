import { createHash } from 'node:crypto';
import type { GarminActivitySummary } from '@fitsync/garmin';
import { type ActivityRecord, knownActivities, upsertActivities } from '../../repositories/activity-rows.js';
import { type DecodedRow, upsertDecoded } from '../../repositories/activity-decoded.js';
import { SyncAborted, throwIfStopped } from '../abortable.js';
import { BatchWriter } from '../batch-writer.js';
import { garminCall } from '../garmin-call.js';
import { zeroCounts } from '../kind-counts.js';
import type { SyncRun } from '../sync-run.js';
import { TaskPool } from '../task-pool.js';
import { syncActivityExtras } from './activity-extras.js';
import { defineKind } from './data-kind.js';

/** Activity list page size (Garmin accepts up to 1000; 100 keeps pages small in memory). */
export const ACTIVITY_PAGE = 100;

/**
 * Incremental syncs re-list this far behind the newest stored start: Garmin lists by start time
 * and a watch may upload a workout days after it happened. Re-listed activities that are already
 * stored (file present, same summary) cost nothing but the list page.
 */
export const INCREMENTAL_OVERLAP_MS = 7 * 86_400_000;

interface ActivitiesPlan {
  mode: 'full' | 'incremental' | 'window';
  /** Newest stored start (epoch ms), the cursor. */
  oldCursor: number | undefined;
  /** Incremental listing stops at the first activity that started before this. */
  stopBeforeMs: number | undefined;
  /** The first list page, read while planning (incremental and window modes). */
  firstPage: GarminActivitySummary[] | undefined;
}

interface ActivityItem {
  rec: ActivityRecord;
  outcome: 'new' | 'updated';
  /** The downloaded file decoded, stored with the row in one transaction. */
  decoded?: DecodedRow;
}

/** Activities: summaries + original FIT files, newest first. */
export const activitiesKind = defineKind<ActivitiesPlan, ActivityItem>({
  name: 'activities',

  async plan(run, raw) {
    const { spec, progress } = run;
    const oldCursor = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
    const mode = spec.since !== null || spec.until !== null ? 'window' : !spec.full && oldCursor !== undefined ? 'incremental' : 'full';
    const plan: ActivitiesPlan = {
      mode,
      oldCursor,
      stopBeforeMs: mode === 'incremental' ? (oldCursor ?? 0) - INCREMENTAL_OVERLAP_MS : undefined,
      firstPage: undefined,
    };
    if (mode === 'full') {
      progress.setTotal('activities', await garminCall(run, 'counting activities', (api, call) => api.getActivityCount(call)));
      return plan;
    }
    // Incremental and window: count by listing (usually one page), keeping only the first page.
    let count = 0;
    for (let start = 0; ; ) {
      throwIfStopped(run.signal);
      const page = await list(run, plan, start);
      if (start === 0) plan.firstPage = page;
      const { items, end } = cut(plan, page);
      count += items.length;
      progress.setTotal('activities', count);
      if (end) break;
      start += page.length;
    }
    return plan;
  },

  async fetch(run, plan, commit) {
    const { spec, db, fitStore, progress, signal } = run;
    // Twice the upstream concurrency: while some items write their file, others download; the
    // limiter still caps Garmin calls at `concurrency`. In-flight FIT bytes stay bounded by this.
    const pool = new TaskPool(run.concurrency * 2, signal);
    const writer = new BatchWriter<ActivityItem>(async (items, final) => {
      await commit(items, final ?? {});
    });
    let newest = plan.oldCursor ?? -1;
    try {
      let page = plan.firstPage ?? (await list(run, plan, 0));
      plan.firstPage = undefined;
      for (let start = 0; ; ) {
        const { items, end } = cut(plan, page);
        const known = await knownActivities(
          db,
          spec.userId,
          items.map((a) => a.activityId),
        );
        for (const a of items) {
          throwIfStopped(signal);
          const rec = toRecord(a);
          newest = Math.max(newest, rec.startMs);
          const k = known.get(a.activityId);
          if (k?.fitSha256 && (await fitStore.has(k.fitSha256))) {
            // Stored with its file: the original file never changes, only the summary may.
            if (k.summaryHash === rec.summaryHash) progress.done('activities', 'unchanged');
            else writer.add({ rec, outcome: 'updated' });
            continue;
          }
          await pool.submit(async () => {
            const bytes = await garminCall(run, `downloading the FIT file of activity ${a.activityId}`, (api, call) =>
              api.downloadFit(a.activityId, call),
            );
            const { sha256, size } = await fitStore.put(bytes);
            // Decoded by a decode thread, which takes the bytes (no copy): stored, they are not needed here.
            const decoded = { activityId: a.activityId, fitSha256: sha256, decoded: await run.decoder.decode(bytes) };
            writer.add({ rec: { ...rec, fitSha256: sha256, fitSize: size }, outcome: k ? 'updated' : 'new', decoded });
          });
        }
        if (end) break;
        start += page.length;
        page = await list(run, plan, start);
      }
      await pool.drain();
      // The cursor moves only with the last rows of a complete pass: it never runs ahead of the
      // data, so a crash before this point simply redoes the (cheap, skip-stored) pass.
      await writer.close(plan.mode !== 'window' && newest >= 0 ? { cursor: String(newest) } : {});
    } catch (err) {
      await pool.drain().catch(() => {});
      // Handed back (its time slice ended, a shutdown), the job still owns its row: the files it
      // downloaded are committed now, so the resumed job does not fetch them again.
      if (err instanceof SyncAborted && (err.reason === 'yield' || err.reason === 'shutdown')) await writer.commitPending().catch(() => {});
      else await writer.abandon();
      throw err;
    }
    // Gear and personal records, once the activities are committed (their module says when).
    await syncActivityExtras(run);
    // The kind is finished only now: a job stopped during the extras (its time slice ended, a
    // shutdown, a crash) redoes the cheap pass (everything stored is skipped), then the extras.
    await commit([], { last: true });
  },

  async store(tx, userId, items, now) {
    await upsertActivities(
      tx,
      userId,
      items.map((i) => i.rec),
      now,
    );
    await upsertDecoded(
      tx,
      userId,
      items.flatMap((i) => (i.decoded ? [i.decoded] : [])),
    );
    const counts = zeroCounts();
    for (const i of items) counts[i.outcome]++;
    return counts;
  },
});

function list(run: SyncRun, plan: ActivitiesPlan, start: number): Promise<GarminActivitySummary[]> {
  const { since, until } = run.spec;
  const filters = plan.mode === 'window' ? { startDate: since ?? undefined, endDate: until ?? undefined } : {};
  return garminCall(run, `listing activities (from position ${start})`, (api, call) =>
    api.listActivities({ start, limit: ACTIVITY_PAGE, ...filters, ...call }),
  );
}

/** The page's items inside the window, and whether listing ends with this page. */
function cut(plan: ActivitiesPlan, page: GarminActivitySummary[]): { items: GarminActivitySummary[]; end: boolean } {
  if (page.length === 0) return { items: [], end: true };
  let items = page;
  let end = false;
  if (plan.stopBeforeMs !== undefined) {
    const stop = plan.stopBeforeMs;
    const i = page.findIndex((a) => Date.parse(a.startTimeUtc) < stop);
    if (i >= 0) {
      items = page.slice(0, i);
      end = true;
    }
  }
  // A short page is the last one for filtered listings; a full sync pages until an empty page
  // (garmin-protocol.md), in case Garmin caps the page size below what was asked.
  if (plan.mode !== 'full' && page.length < ACTIVITY_PAGE) end = true;
  return { items, end };
}

function toRecord(a: GarminActivitySummary): ActivityRecord {
  const summaryJson = JSON.stringify(a.raw);
  return {
    activityId: a.activityId,
    name: a.activityName,
    activityType: a.activityType,
    startTime: a.startTimeUtc,
    startMs: Date.parse(a.startTimeUtc),
    durationS: a.duration,
    distanceM: a.distance,
    calories: a.calories,
    avgHr: a.averageHR,
    fitSha256: null,
    fitSize: null,
    summaryHash: createHash('sha256').update(summaryJson).digest('hex'),
    summaryJson,
  };
}
