import { parseExactJson } from '@fitsync/garmin';
import type { Queryable } from '../../db/db.js';
import {
  deriveExportDay,
  EXPORT_DAY_SOURCES,
  type ExportDaySource,
  exportSpanPeriod,
  LIST_SOURCES,
  weighInDay,
  weighInOf,
  weighInTime,
} from '../../health/derive-export.js';
import { rederiveDays } from '../../health/health-store.js';
import { type PreparedBlob, prepareRawBlob, putRawBlobs } from '../../health/raw-blobs.js';
import { recordRaw } from '../../repositories/health-raw.js';
import type { Counts } from '../../sync/kind-counts.js';
import { exportDay, exportTimeMs } from './export-dates.js';
import { ExportFormatError } from './export-format-error.js';

/**
 * Health files of Garmin's data export → per-day answers (garmin-export.md §4–5), stored beside
 * the API's raw answers and derived by the same derivation (health/derive-export.ts holds the field
 * mapping). The export has no intraday series (§4): none are made up.
 */

export { EXPORT_DAY_SOURCES, type ExportDaySource } from '../../health/derive-export.js';
export { ExportFormatError } from './export-format-error.js';

export type HealthFamily = 'uds' | 'sleep' | 'health_status' | 'biometrics' | 'hydration' | 'maxmet' | 'readiness';

/** One day's record of one source: the export's own record, or `{entries: […]}` for list sources. */
export interface ExportDayPart {
  date: string;
  source: ExportDaySource;
  record: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

const SOURCE_OF: Record<HealthFamily, ExportDaySource> = {
  uds: 'export_uds',
  sleep: 'export_sleep',
  health_status: 'export_health_status',
  biometrics: 'export_weight',
  hydration: 'export_hydration',
  maxmet: 'export_maxmet',
  readiness: 'export_readiness',
};

/** File-name patterns (garmin-export.md §1): matched on the name alone, since the layout drifts between exports. */
const FAMILY_PATTERNS: readonly [RegExp, HealthFamily][] = [
  [/^UDSFile_.*\.json$/i, 'uds'],
  [/^HydrationLogFile_.*\.json$/i, 'hydration'],
  [/_sleepData\.json$/i, 'sleep'],
  [/_healthStatusData\.json$/i, 'health_status'],
  [/(^|_)userBioMetrics\.json$/i, 'biometrics'],
  [/^MetricsMaxMetData_.*\.json$/i, 'maxmet'],
  [/^TrainingReadinessDTO_.*\.json$/i, 'readiness'],
];

/** The family of an archive member by its file name (anywhere in the tree), else null. */
export function healthFamilyOf(memberPath: string): HealthFamily | null {
  const name = memberPath.split(/[/\\]/).at(-1) ?? '';
  return FAMILY_PATTERNS.find(([re]) => re.test(name))?.[1] ?? null;
}

function obj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}

/**
 * One member's JSON text → per-day parts. Entries without their key field are skipped and counted
 * (the trailing `{"retro": false}`); every date shape of garmin-export.md §7 is understood; a day
 * appearing twice (chunk boundaries) keeps the last (list sources merge their entries, the later
 * one of the same key winning). `dropped` counts values outside plausible ranges, which the
 * derivation leaves out. A text that is not a JSON array throws ExportFormatError.
 */
export function parseHealthMember(family: HealthFamily, text: string): { parts: ExportDayPart[]; skipped: number; dropped: number } {
  let v: unknown;
  try {
    v = parseExactJson(text);
  } catch {
    throw new ExportFormatError(`a ${family} file of the export is not valid JSON`);
  }
  if (!Array.isArray(v)) throw new ExportFormatError(`a ${family} file of the export is not a JSON array`);
  const days = new DayParts();
  let skipped = 0;
  for (const item of v) {
    const e = obj(item);
    const placed = e !== null && place(family, e, days);
    if (!placed) skipped++;
  }
  const parts = days.parts();
  let dropped = 0;
  for (const p of parts) dropped += deriveExportDay(p.date, { [p.source]: JSON.stringify(p.record) }).dropped;
  return { parts, skipped, dropped };
}

/** Adds one entry of a member to `days`; false when it has no day (skipped). */
function place(family: HealthFamily, e: Obj, days: DayParts): boolean {
  if (family === 'biometrics') {
    const w = weighInOf(e);
    const date = weighInDay(e);
    if (!date || typeof w.weight !== 'number') return false;
    days.add({ date, source: 'export_weight', record: { entries: [e] } });
    return true;
  }
  const date = exportDay(e.calendarDate);
  if (!date) {
    // Some exports file hydration inside the UDS chunks as {"hydration": {calendarDate, …}} (GG 264-272).
    const h = family === 'uds' ? obj(e.hydration) : null;
    const hDate = h ? exportDay(h.calendarDate) : null;
    if (!h || !hDate) return false;
    days.add({ date: hDate, source: 'export_hydration', record: h });
    return true;
  }
  const source = SOURCE_OF[family];
  days.add({ date, source, record: LIST_SOURCES.has(source) ? { entries: [e] } : e });
  return true;
}

/** Parts by day and source, merged as they arrive. */
class DayParts {
  private readonly map = new Map<string, ExportDayPart>();

  add(p: ExportDayPart): void {
    const key = `${p.date}|${p.source}`;
    const old = this.map.get(key);
    this.map.set(key, old ? { ...p, record: mergeRecords(p.source, old.record, p.record) } : p);
  }

  /** Oldest day first, sources in EXPORT_DAY_SOURCES order. */
  parts(): ExportDayPart[] {
    const order = (s: ExportDaySource) => EXPORT_DAY_SOURCES.indexOf(s);
    return [...this.map.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : order(a.source) - order(b.source)));
  }
}

/** The later record of a day wins; list sources merge entries, the later of the same key winning. */
function mergeRecords(source: ExportDaySource, older: Obj, newer: Obj): Obj {
  if (!LIST_SOURCES.has(source)) return newer;
  const byKey = new Map<string, unknown>();
  for (const e of [...entriesOf(older), ...entriesOf(newer)]) byKey.set(entryKey(source, e), e);
  return { entries: [...byKey.values()] };
}

function entriesOf(record: Obj): Obj[] {
  return Array.isArray(record.entries) ? record.entries.map(obj).filter((e): e is Obj => e !== null) : [];
}

/** What makes two entries of a day the same one (so a chunk boundary lists it once). */
function entryKey(source: ExportDaySource, e: Obj): string {
  switch (source) {
    case 'export_weight': {
      const t = weighInTime(e);
      return t === null ? JSON.stringify(e) : String(t);
    }
    case 'export_maxmet':
      return typeof e.sport === 'string' ? e.sport.toUpperCase() : 'GENERIC';
    default: {
      const t = exportTimeMs(e.timestamp ?? e.timestampLocal);
      return t === null ? JSON.stringify(e) : String(t);
    }
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Stores the export parts of some days (the caller groups all parts of those days; up to ~28 days
 * per call) and re-derives the days, in the caller's transaction. Per source, the days' records are
 * kept as ONE raw answer spanning them (health_raw, period `first..last`, like Garmin's range
 * answers): a few rows per chunk instead of one per day and source, which is what lets ten years
 * import in seconds. A later span sets the days it holds and leaves the others as they were (a
 * source not given, or a day it lacks, keeps what it had: a caller storing one family at a time
 * loses nothing). Parts of one day and source merge as in parseHealthMember (later wins).
 * Returns new/updated/unchanged per day.
 */
export async function storeExportDays(tx: Queryable, userId: string, parts: readonly ExportDayPart[], now: number): Promise<Counts> {
  const merged = new DayParts();
  for (const p of parts) {
    if (!DAY.test(p.date) || !EXPORT_DAY_SOURCES.includes(p.source)) throw new Error('not an export day part');
    merged.add(p);
  }
  const bySource = new Map<ExportDaySource, ExportDayPart[]>();
  const dates = new Set<string>();
  for (const p of merged.parts()) {
    dates.add(p.date);
    const list = bySource.get(p.source);
    if (list) list.push(p);
    else bySource.set(p.source, [p]);
  }
  const known = new Map<string, string>();
  const spans: { source: ExportDaySource; first: string; last: string; blob: PreparedBlob }[] = [];
  for (const [source, list] of bySource) {
    const first = list[0]!.date;
    const last = list[list.length - 1]!.date;
    const text = JSON.stringify({ days: Object.fromEntries(list.map((p) => [p.date, p.record])) });
    spans.push({ source, first, last, blob: prepareRawBlob(text) });
  }
  await putRawBlobs(
    tx,
    spans.map((s) => s.blob),
    now,
  );
  for (const { source, first, last, blob } of spans) {
    await recordRaw(tx, userId, { source, period: exportSpanPeriod(first, last), sha256: blob.sha256, first, last }, now);
    known.set(blob.sha256, blob.text);
  }
  return rederiveDays(tx, userId, [...dates].sort(), now, new Map(), { known });
}
