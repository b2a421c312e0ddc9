import { throwIfStopped } from '../sync/abortable.js';
import type { Archive, ArchiveEntry } from './archive/zip-archive.js';
import { type ExportActivity, parseSummaries, type SummaryStats, zeroSummaryStats } from './export/activities.js';
import { type HealthFamily, parseHealthMember } from './export/health.js';
import { memberKind } from './export/member-kinds.js';
import { type ExportWorkout, parseWorkouts } from './export/workouts.js';

/** JSON members are read whole; none of Garmin's comes near this (chunks of ~100 days). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** An archive (outer or nested) holding FIT members, with its resume key. */
export interface FitSource {
  key: string;
  archive: Archive;
  /** Its FIT members, in central-directory order. */
  fits: ArchiveEntry[];
}

/**
 * A health member, parsed once while planning for its days and read again when its days are
 * stored: ten years of parsed days would not fit the memory bound, a few members at a time do.
 */
export interface HealthSource {
  archive: Archive;
  entry: ArchiveEntry;
  family: HealthFamily;
  /** Its first and last day. */
  first: string;
  last: string;
}

/** Everything decided before anything is committed. */
export interface ImportPlan {
  /** Activities by id (the last entry of an id wins), in archive order. */
  activities: ExportActivity[];
  summaryStats: SummaryStats;
  /** Every day some health member has, ascending. */
  days: string[];
  /** Health members with at least one day, in archive order. */
  healthSources: HealthSource[];
  workouts: ExportWorkout[];
  /** Entries of health and workout members skipped for lack of their key field. */
  skippedEntries: number;
  /** Health values outside plausible ranges, left out by the derivation (logged as a count). */
  droppedValues: number;
  fitSources: FitSource[];
}

/**
 * Opens every level of the archive (the archive reader checks each central directory: a hostile
 * archive is refused here, before anything is stored), and reads the JSON members the import
 * uses. FIT members are only listed; they are read once, while committing.
 */
export async function planImport(outer: Archive, signal: AbortSignal, onStep: (what: string) => void): Promise<ImportPlan> {
  const plan: ImportPlan = {
    activities: [],
    summaryStats: zeroSummaryStats(),
    days: [],
    healthSources: [],
    workouts: [],
    skippedEntries: 0,
    droppedValues: 0,
    fitSources: [],
  };
  const byId = new Map<string, ExportActivity>();
  const days = new Set<string>();

  const walk = async (archive: Archive, key: string): Promise<void> => {
    const fits: ArchiveEntry[] = [];
    for (const entry of archive.entries) {
      throwIfStopped(signal);
      const m = memberKind(entry.name, entry.isDirectory);
      if (m.kind === 'fit') {
        fits.push(entry);
      } else if (m.kind === 'zip') {
        onStep('opening a nested archive');
        await walk(await archive.openNested(entry, signal), key === '' ? String(entry.index) : `${key}/${entry.index}`);
      } else if (m.kind === 'summaries') {
        onStep('reading activity summaries');
        const text = (await archive.read(entry, MAX_JSON_BYTES, signal)).toString('utf8');
        for (const a of parseSummaries(text, plan.summaryStats)) {
          byId.delete(a.rec.activityId); // keeps archive order of the last occurrence
          byId.set(a.rec.activityId, a);
        }
      } else if (m.kind === 'health') {
        onStep('reading daily health files');
        const text = (await archive.read(entry, MAX_JSON_BYTES, signal)).toString('utf8');
        const { parts, skipped, dropped } = parseHealthMember(m.family, text);
        plan.skippedEntries += skipped;
        plan.droppedValues += dropped;
        let first: string | null = null;
        let last: string | null = null;
        for (const p of parts) {
          days.add(p.date);
          if (first === null || p.date < first) first = p.date;
          if (last === null || p.date > last) last = p.date;
        }
        if (first !== null && last !== null) plan.healthSources.push({ archive, entry, family: m.family, first, last });
      } else if (m.kind === 'workouts') {
        onStep('reading workouts');
        const text = (await archive.read(entry, MAX_JSON_BYTES, signal)).toString('utf8');
        const { items, skipped } = parseWorkouts(text);
        plan.skippedEntries += skipped;
        plan.workouts.push(...items);
      }
    }
    if (fits.length > 0) plan.fitSources.push({ key, archive, fits });
  };
  await walk(outer, '');
  plan.activities = [...byId.values()];
  plan.days = [...days].sort();
  return plan;
}
