import type { AllCounts } from '../sync/kind-counts.js';
import { ArchiveError } from './archive/zip-archive.js';
import { ExportFormatError } from './export/health.js';
import type { ImportStats } from './import-state.js';

const n = (v: number) => v.toLocaleString('en-US');
const plural = (v: number, one: string, many = `${one}s`) => `${n(v)} ${v === 1 ? one : many}`;
const sum = (c: { new: number; updated: number; unchanged: number } | undefined) => (c ? c.new + c.updated + c.unchanged : 0);

/**
 * The completed job's `message`, e.g. "Imported 5,000 activities (4,980 with their FIT file),
 * 3,650 days, 12 workouts; 3 FIT files matched no activity; 2 entries skipped (1 multisport
 * container, 1 without an id or start time)".
 */
export function importCompletedMessage(counts: AllCounts, s: ImportStats): string {
  const parts = [
    `Imported ${plural(sum(counts.activities), 'activity', 'activities')} (${n(s.withFit)} with their FIT file), ${plural(sum(counts.health), 'day')}, ${plural(sum(counts.workouts), 'workout')}`,
  ];
  if (s.unmatchedFits > 0) parts.push(`${plural(s.unmatchedFits, 'FIT file')} matched no activity`);
  const skipped: string[] = [];
  if (s.multisportParents > 0) skipped.push(`${plural(s.multisportParents, 'multisport container')} (its legs were imported)`);
  if (s.skippedSummaries > 0) skipped.push(`${n(s.skippedSummaries)} without an id or start time`);
  if (s.fitsWithoutStart > 0) skipped.push(`${plural(s.fitsWithoutStart, 'activity FIT file')} without a start time`);
  if (s.oversizedFits > 0) skipped.push(`${plural(s.oversizedFits, 'FIT file')} over 64 MiB`);
  if (s.skippedEntries > 0) skipped.push(`${plural(s.skippedEntries, 'health or workout entry', 'health or workout entries')} without a date or id`);
  const skippedTotal = s.multisportParents + s.skippedSummaries + s.fitsWithoutStart + s.oversizedFits + s.skippedEntries;
  if (skippedTotal > 0) parts.push(`${plural(skippedTotal, 'entry', 'entries')} skipped (${skipped.join(', ')})`);
  return parts.join('; ');
}

/**
 * The failed job's `error_message`: what was wrong with the archive (its reader's and the parsers'
 * messages are written for users and name no member verbatim) and what was already committed, so
 * nothing is half-imported without being reported. Anything else is reduced to a kind: no stack,
 * no paths.
 */
export function importFailureMessage(
  err: unknown,
  step: string,
  counts: AllCounts,
  totals: { activities?: number; health?: number; workouts?: number },
): string {
  const done = committed(counts, totals);
  if (err instanceof ArchiveError || err instanceof ExportFormatError) return `Import failed: ${oneLine(err.message)}; ${done}.`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const kind =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EACCES'
        ? 'permission denied in the data directory'
        : code === 'ENOENT'
          ? 'the uploaded archive is missing'
          : 'internal error';
  return `Import failed while ${step}: ${kind}; ${done}.`;
}

function committed(counts: AllCounts, totals: { activities?: number; health?: number; workouts?: number }): string {
  const a = sum(counts.activities);
  const h = sum(counts.health);
  const w = sum(counts.workouts);
  if (a + h + w === 0) return 'nothing was imported';
  const of = (v: number, t: number | undefined) => (t === undefined ? n(v) : `${n(v)} of ${n(t)}`);
  return `after importing ${of(a, totals.activities)} activities, ${of(h, totals.health)} days and ${of(w, totals.workouts)} workouts (kept; importing again completes it)`;
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}
