import { createHash } from 'node:crypto';
import type { GarminActivitySummary } from '@fitsync/garmin';
import { type ActivityRecord, knownActivities, upsertActivities } from '../repositories/activity-rows.js';
import { getCursor, setCursor } from '../repositories/sync-cursors.js';
import { throwIfStopped } from './abortable.js';
import { BatchWriter, garminCall, type SyncRun, TaskPool } from './sync-run.js';

/** Activity list page size (Garmin accepts up to 1000; 100 keeps pages small in memory). */
export const ACTIVITY_PAGE = 100;

/**
 * Incremental syncs re-list this far behind the newest stored start: Garmin lists by start time
 * and a watch may upload a workout days after it happened. Re-listed activities that are already
 * stored (file present, same summary) cost nothing but the list page.
 */
export const INCREMENTAL_OVERLAP_MS = 7 * 86_400_000;

type Mode = 'full' | 'incremental' | 'window';

/** The activities part: summaries + original FIT files, newest first. */
export class ActivitiesPhase {
  private mode: Mode = 'full';
  private stopBeforeMs: number | undefined;
  private oldCursor: number | undefined;
  private firstPage: GarminActivitySummary[] | undefined;

  constructor(private readonly run: SyncRun) {}

  /** Decides the mode and counts what is to be done (total_items), cheaply. */
  async plan(): Promise<void> {
    const { spec, db, progress } = this.run;
    const raw = await getCursor(db, spec.userId, 'activities');
    this.oldCursor = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
    if (spec.since !== null || spec.until !== null) this.mode = 'window';
    else if (!spec.full && this.oldCursor !== undefined) this.mode = 'incremental';
    else this.mode = 'full';
    this.stopBeforeMs = this.mode === 'incremental' ? (this.oldCursor ?? 0) - INCREMENTAL_OVERLAP_MS : undefined;

    if (this.mode === 'full') {
      const n = await garminCall(this.run, 'counting activities', (api, call) => api.getActivityCount(call));
      progress.setTotal('activities', n);
      return;
    }
    // Incremental and window: count by listing (usually one page), keeping only the first page.
    let count = 0;
    for (let start = 0; ; ) {
      throwIfStopped(this.run.signal);
      const page = await this.list(start);
      if (start === 0) this.firstPage = page;
      const { items, end } = this.cut(page);
      count += items.length;
      progress.setTotal('activities', count);
      if (end) break;
      start += page.length;
    }
  }

  async execute(): Promise<void> {
    const { spec, db, clock, fitStore, progress, signal } = this.run;
    // Twice the upstream concurrency: while some items write their file, others download; the
    // limiter still caps Garmin calls at `concurrency`. In-flight FIT bytes stay bounded by this.
    const pool = new TaskPool(this.run.concurrency * 2, signal);
    const writer = new BatchWriter<{ rec: ActivityRecord; outcome: 'new' | 'updated' }>(
      db,
      (tx, items) =>
        upsertActivities(
          tx,
          spec.userId,
          items.map((i) => i.rec),
          clock.now(),
        ),
      (items) => {
        for (const i of items) progress.done('activities', i.outcome);
      },
    );
    let newest = this.oldCursor ?? -1;
    try {
      let page = this.firstPage ?? (await this.list(0));
      this.firstPage = undefined;
      for (let start = 0; ; ) {
        const { items, end } = this.cut(page);
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
            const bytes = await garminCall(this.run, `downloading the FIT file of activity ${a.activityId}`, (api, call) =>
              api.downloadFit(a.activityId, call),
            );
            const { sha256, size } = await fitStore.put(bytes);
            writer.add({ rec: { ...rec, fitSha256: sha256, fitSize: size }, outcome: k ? 'updated' : 'new' });
          });
        }
        if (end) break;
        start += page.length;
        page = await this.list(start);
      }
      await pool.drain();
      await writer.close(async (tx) => {
        // The cursor moves only with the last rows of a complete pass: it never runs ahead of
        // the data, so a crash before this point simply redoes the (cheap, skip-stored) pass.
        if (this.mode !== 'window' && newest >= 0) await setCursor(tx, spec.userId, 'activities', String(newest), clock.now());
        await this.run.markPhaseDone(tx, 'activities');
      });
    } catch (err) {
      await pool.drain().catch(() => {});
      await writer.abandon();
      throw err;
    }
  }

  private list(start: number): Promise<GarminActivitySummary[]> {
    const { since, until } = this.run.spec;
    const filters = this.mode === 'window' ? { startDate: since ?? undefined, endDate: until ?? undefined } : {};
    return garminCall(this.run, `listing activities (from position ${start})`, (api, call) =>
      api.listActivities({ start, limit: ACTIVITY_PAGE, ...filters, ...call }),
    );
  }

  /** The page's items inside the window, and whether listing ends with this page. */
  private cut(page: GarminActivitySummary[]): { items: GarminActivitySummary[]; end: boolean } {
    if (page.length === 0) return { items: [], end: true };
    let items = page;
    let end = false;
    if (this.stopBeforeMs !== undefined) {
      const stop = this.stopBeforeMs;
      const i = page.findIndex((a) => Date.parse(a.startTimeUtc) < stop);
      if (i >= 0) {
        items = page.slice(0, i);
        end = true;
      }
    }
    // A short page is the last one for filtered listings; a full sync pages until an empty page
    // (garmin-protocol.md), in case Garmin caps the page size below what was asked.
    if (this.mode !== 'full' && page.length < ACTIVITY_PAGE) end = true;
    return { items, end };
  }
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
