import { createHash } from 'node:crypto';
import type { Queryable } from '../db/db.js';
import { deleteHealthDay, healthDayHashes, putHealthDay } from '../repositories/health-days.js';
import { forgetDayAnswers, rawOverlapping, recordRaw } from '../repositories/health-raw.js';
import { replaceDaySeries } from '../repositories/health-series.js';
import { replaceDayWeights } from '../repositories/health-weights.js';
import type { Counts } from '../sync/kind-counts.js';
import { zeroCounts } from '../sync/kind-counts.js';
import {
  DAY_SOURCES,
  type DaySource,
  type DayTexts,
  type DerivedDay,
  deriveHealth,
  RANGE_SOURCES,
  type RangeSource,
  type RangeText,
} from './derive-health.js';
import { EXPORT_DAY_SOURCES, type ExportDaySource, exportSpanDays, isExportSpanPeriod } from './derive-export.js';
import { getRawBlobs, type PreparedBlob, putRawBlobs } from './raw-blobs.js';
import { encodeSeries } from './series-codec.js';

/** A range answer ready to store, and the days it covers. */
export interface RangeBlob {
  source: RangeSource;
  first: string;
  last: string;
  blob: PreparedBlob;
}

/** What one commit of a health sync carries: a run of days, the days read afresh, the range answers. */
export interface HealthChunk {
  /** Every day of the chunk, oldest first (fetched or not). */
  days: string[];
  /** Days whose per-day answers were all read now (a day left out kept its stored answers). */
  fetched: { date: string; answers: Partial<Record<DaySource, PreparedBlob>> }[];
  ranges: RangeBlob[];
}

/** Every raw answer of some chunks (to store them first, in hash order: putRawBlobs). */
export function chunkBlobs(chunks: readonly HealthChunk[]): PreparedBlob[] {
  const out: PreparedBlob[] = [];
  for (const c of chunks) {
    for (const { answers } of c.fetched) for (const b of Object.values(answers)) if (b) out.push(b);
    for (const r of c.ranges) out.push(r.blob);
  }
  return out;
}

/**
 * Stores a chunk's raw answers and re-derives its days, in the caller's transaction (the raw
 * answers and the rows they produced commit together). `blobsStored`: the caller stored the
 * chunk's answers already (putRawBlobs of several chunks at once, for the lock order).
 */
export async function storeHealthChunk(tx: Queryable, userId: string, chunk: HealthChunk, now: number, blobsStored = false): Promise<Counts> {
  const fresh = new Map<string, DayTexts>();
  const known = new Map<string, string>();
  if (!blobsStored) await putRawBlobs(tx, chunkBlobs([chunk]), now);
  for (const { date, answers } of chunk.fetched) {
    const asked = DAY_SOURCES.filter((s) => answers[s] !== undefined);
    await forgetDayAnswers(tx, userId, date, DAY_SOURCES, asked);
    const texts: DayTexts = {};
    for (const source of asked) {
      const blob = answers[source]!;
      await recordRaw(tx, userId, { source, period: date, sha256: blob.sha256, first: date, last: date }, now);
      texts[source] = blob.text;
    }
    fresh.set(date, texts);
  }
  for (const r of chunk.ranges) {
    await recordRaw(tx, userId, { source: r.source, period: `${r.first}..${r.last}`, sha256: r.blob.sha256, first: r.first, last: r.last }, now);
    known.set(r.blob.sha256, r.blob.text);
  }
  return rederiveDays(tx, userId, chunk.days, now, fresh, { known });
}

/**
 * Derives `days` from the stored raw answers (`fresh` texts spare a read-back of what was just
 * stored) and writes their rows, series and weigh-ins. A day counts `new` when it had no row,
 * `updated` when anything derived for it changed (or it lost all data), else `unchanged`.
 * `rewrite` writes every day's rows even when their hash is unchanged (rebuild: rows may have been
 * edited or deleted behind the hash's back); `known` texts by hash spare reading those blobs back.
 */
export async function rederiveDays(
  tx: Queryable,
  userId: string,
  days: readonly string[],
  now: number,
  fresh: ReadonlyMap<string, DayTexts> = new Map(),
  opts: { rewrite?: boolean; known?: ReadonlyMap<string, string> } = {},
): Promise<Counts> {
  const counts = zeroCounts();
  if (days.length === 0) return counts;
  // A sync's commit and a rebuild of the same user must not interleave: each reads raw answers and
  // writes what it derived, so under READ COMMITTED the later writer could store rows derived from
  // answers the other just replaced. SQLite's BEGIN IMMEDIATE already serialises writers.
  if (tx.dialect === 'postgres') await tx.get("SELECT pg_advisory_xact_lock(hashtext('fitsync-health:' || ?))", [userId]);
  const { dayTexts, ranges } = await loadAnswers(tx, userId, days, fresh, opts.known);
  const derived = deriveHealth(days, dayTexts, ranges);
  const before = await healthDayHashes(tx, userId, days);
  for (const d of derived) {
    const had = before.has(d.date);
    if (!d.day) {
      if (had || opts.rewrite) {
        await deleteHealthDay(tx, userId, d.date);
        await replaceDaySeries(tx, userId, d.date, []);
        await replaceDayWeights(tx, userId, d.date, []);
      }
      counts[had ? 'updated' : 'unchanged']++;
      continue;
    }
    const encoded = d.series.map((s) => ({ metric: s.metric, count: s.points.length, points: encodeSeries(s.points) }));
    const hash = contentHash(d, encoded);
    const same = had && before.get(d.date) === hash;
    if (same && !opts.rewrite) {
      counts.unchanged++;
      continue;
    }
    await putHealthDay(tx, userId, d.day, hash, now);
    // A day without a row has no series or weigh-ins stored (they go with it): nothing to clear.
    if (had || opts.rewrite || encoded.length > 0) await replaceDaySeries(tx, userId, d.date, encoded);
    if (had || opts.rewrite || d.weights.length > 0) await replaceDayWeights(tx, userId, d.date, d.weights);
    counts[same ? 'unchanged' : had ? 'updated' : 'new']++;
  }
  return counts;
}

/** The per-day texts of `days` (fresh ones, else stored) and the range answers covering them, oldest fetch first. */
async function loadAnswers(
  tx: Queryable,
  userId: string,
  days: readonly string[],
  fresh: ReadonlyMap<string, DayTexts>,
  known?: ReadonlyMap<string, string>,
) {
  const first = days[0]!;
  const last = days[days.length - 1]!;
  // A fresh day's stored API answers are the ones just replaced; the import's spans still hold.
  const rows = (await rawOverlapping(tx, userId, first, last)).filter(
    (r) =>
      (RANGE_SOURCES as readonly string[]).includes(r.source) ||
      (isExportSource(r.source) && isExportSpanPeriod(r.period)) ||
      (!fresh.has(r.period) && days.includes(r.period)),
  );
  const texts = await getRawBlobs(
    tx,
    rows.map((r) => r.sha256),
    known,
  );
  const dayTexts = new Map<string, DayTexts>([...fresh].map(([d, t]) => [d, { ...t }]));
  const ranges: RangeText[] = [];
  for (const r of rows) {
    const text = texts.get(r.sha256)!;
    if ((RANGE_SOURCES as readonly string[]).includes(r.source)) {
      ranges.push({ source: r.source as RangeSource, first: r.first_day, last: r.last_day, text });
    } else if (isExportSource(r.source) && isExportSpanPeriod(r.period)) {
      // An import's span: it sets the days it holds (a later span over them wins: rows come oldest first).
      const spanDays = exportSpanDays(text);
      for (const d of days) {
        const rec = spanDays.get(d);
        if (rec === undefined) continue;
        const t = dayTexts.get(d) ?? {};
        t[r.source] = rec;
        dayTexts.set(d, t);
      }
    } else if ((DAY_SOURCES as readonly string[]).includes(r.source)) {
      const t = dayTexts.get(r.period) ?? {};
      t[r.source as DaySource] = text;
      dayTexts.set(r.period, t);
    }
  }
  return { dayTexts, ranges };
}

/** The hash of everything derived for a day: equal hashes = nothing the API serves changed. */
function contentHash(d: DerivedDay, series: readonly { metric: string; points: Buffer }[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(d.day));
  for (const s of series) h.update(`\n${s.metric}:`).update(s.points);
  h.update(`\n${JSON.stringify(d.weights)}`);
  return h.digest('hex');
}

function isExportSource(source: string): source is ExportDaySource {
  return (EXPORT_DAY_SOURCES as readonly string[]).includes(source);
}
