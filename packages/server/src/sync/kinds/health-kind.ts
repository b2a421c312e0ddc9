import { type DaySource, followUpSources, RANGE_SOURCES } from '../../health/derive-health.js';
import { chunkBlobs, type HealthChunk, type RangeBlob, storeHealthChunk } from '../../health/health-store.js';
import { type PreparedBlob, prepareRawBlob, putRawBlobs } from '../../health/raw-blobs.js';
import { hashesOf } from '../../repositories/health-raw.js';
import { throwIfStopped } from '../abortable.js';
import { addDays, daysBetween } from '../dates.js';
import { garminCall } from '../garmin-call.js';
import { zeroCounts } from '../kind-counts.js';
import type { SyncRun } from '../sync-run.js';
import { localDay } from '../time-zone.js';
import { defineKind } from './data-kind.js';

/**
 * How far back a full (or first) health sync reads: Garmin has no "account start" for wellness
 * data, and a year of days is what users look at. Windows (`since`) may reach further.
 */
export const HEALTH_FULL_DAYS = 365;
/** Garmin limits range statistics to 28 days per call (garmin-endpoints.md); one commit per chunk. */
export const HEALTH_CHUNK_DAYS = 28;
/** An incremental sync re-reads this many days up to today: a watch uploads late, today is partial. */
export const HEALTH_REREAD_DAYS = 3;
/** Chunks whose calls are queued ahead of the one being written. */
const CHUNKS_AHEAD = 2;

interface HealthPlan {
  /** A window (since/until) leaves the cursor where it is. */
  window: boolean;
  /** Re-read every day's answers even when its summary did not change (`full`). */
  force: boolean;
  from: string;
  to: string;
}

/**
 * Health: every §B metric (one kind; `--type health` covers them all). Per 28-day chunk: the four
 * range answers (HRV, VO2max, weight, hydration), and per day the summary, then only the per-day
 * answers the summary says exist (docs/health-data.md "Which calls the sync makes"). A day whose summary
 * text is byte-identical to the stored one (stored = its whole fetch committed, since a day's
 * answers commit together) needs no further call: the summary's `lastSyncTimestampGMT` changes
 * with every upload. Each chunk is one commit: raw answers, derived rows and the cursor (the last
 * day written). The next incremental sync starts at the cursor or 3 days back, whichever is earlier.
 */
export const healthKind = defineKind<HealthPlan, HealthChunk>({
  name: 'health',

  async plan(run, cursor) {
    const { spec, runtime, progress } = run;
    // The account's today: Garmin files wellness data under the account's local dates.
    const today = localDay(runtime.now(), await run.profile.timeZone());
    const force = spec.full;
    let plan: HealthPlan;
    if (spec.since !== null || spec.until !== null) {
      const to = spec.until !== null && spec.until < today ? spec.until : today;
      plan = { window: true, force, to, from: spec.since ?? addDays(to, -HEALTH_FULL_DAYS) };
    } else if (!spec.full && cursor && /^\d{4}-\d{2}-\d{2}$/.test(cursor)) {
      plan = { window: false, force, to: today, from: minDay(minDay(cursor, today), addDays(today, 1 - HEALTH_REREAD_DAYS)) };
    } else {
      plan = { window: false, force, to: today, from: addDays(today, -HEALTH_FULL_DAYS) };
    }
    progress.setTotal('health', dayCount(plan));
    return plan;
  },

  async fetch(run, plan, commit) {
    if (dayCount(plan) === 0) {
      await commit([], { last: true });
      return;
    }
    const displayName = await run.profile.displayName();
    const chunks: { start: string; end: string }[] = [];
    for (let c = plan.from; c <= plan.to; c = addDays(c, HEALTH_CHUNK_DAYS)) {
      chunks.push({ start: c, end: minDay(addDays(c, HEALTH_CHUNK_DAYS - 1), plan.to) });
    }
    // Calls of the next chunks are already queued at the limiter while a chunk is written, so
    // Garmin is never idle between chunks; at most CHUNKS_AHEAD chunks of answers are held.
    // A chunk's answers are dropped once committed: memory stays flat however long the window.
    const fetching: (Promise<HealthChunk> | undefined)[] = [];
    const fetchNext = () => {
      const c = chunks[fetching.length];
      if (!c) return;
      const p = fetchChunk(run, plan.force, c.start, c.end, displayName);
      p.catch(() => {}); // observed when its turn comes
      fetching.push(p);
    };
    for (let i = 0; i < CHUNKS_AHEAD; i++) fetchNext();
    for (let i = 0; i < chunks.length; i++) {
      const chunk = await fetching[i]!;
      fetching[i] = undefined;
      fetchNext();
      // Days were counted as processed when they arrived (progress moves during slow fetches).
      await commit([chunk], {
        last: i === chunks.length - 1,
        processed: false,
        ...(plan.window ? {} : { cursor: chunks[i]!.end }),
      });
    }
  },

  async store(tx, userId, chunks, now) {
    const total = zeroCounts();
    await putRawBlobs(tx, chunkBlobs(chunks), now);
    for (const chunk of chunks) {
      const c = await storeHealthChunk(tx, userId, chunk, now, true);
      for (const k of ['new', 'updated', 'unchanged'] as const) total[k] += c[k];
    }
    return total;
  },
});

async function fetchChunk(run: SyncRun, force: boolean, start: string, end: string, displayName: string): Promise<HealthChunk> {
  throwIfStopped(run.signal);
  const days: string[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) days.push(d);
  const stored = force ? new Map<string, string>() : await hashesOf(run.db, run.spec.userId, 'summary', days);
  const [ranges, perDay] = await Promise.all([
    Promise.all(
      RANGE_SOURCES.map(async (source): Promise<RangeBlob> => {
        const text = await garminCall(run, `reading ${source} from ${start} to ${end}`, (api, call) =>
          api.getHealthAnswer(source, { start, end }, call),
        );
        return { source, first: start, last: end, blob: await prepareRawBlob(text) };
      }),
    ),
    Promise.all(
      days.map(async (date) => {
        const answers = await fetchDay(run, date, displayName, stored.get(date));
        run.progress.advance('health');
        return answers && { date, answers };
      }),
    ),
  ]);
  return { days, ranges, fetched: perDay.filter((d) => d !== null) };
}

type DayAnswers = Partial<Record<DaySource, PreparedBlob>>;

/**
 * A day's answers (hashed and compressed off the event loop while other calls are in flight), or
 * null when its summary is the stored one (nothing of that day changed).
 */
async function fetchDay(run: SyncRun, date: string, displayName: string, storedSummary: string | undefined): Promise<DayAnswers | null> {
  const text = await garminCall(run, `reading the daily summary of ${date}`, (api, call) =>
    api.getHealthAnswer('summary', { displayName, date }, call),
  );
  const summary = await prepareRawBlob(text);
  if (summary.sha256 === storedSummary) return null;
  const answers: DayAnswers = { summary };
  const more = await Promise.all(
    followUpSources(text).map(async (source: DaySource) => {
      const answer = await garminCall(run, `reading ${source.replace('_', ' ')} of ${date}`, (api, call) =>
        api.getHealthAnswer(source, { displayName, date }, call),
      );
      return [source, await prepareRawBlob(answer)] as const;
    }),
  );
  for (const [source, blob] of more) answers[source] = blob;
  return answers;
}

function dayCount(p: HealthPlan): number {
  return Math.max(0, daysBetween(p.from, p.to) + 1);
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
