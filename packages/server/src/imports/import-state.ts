import { type AllCounts, parseCounts } from '../sync/kind-counts.js';
import { KIND_NAMES } from '../sync/kinds/index.js';

/** What the import counted besides new/updated/unchanged (the completion message says it). */
export interface ImportStats {
  /** Activities stored with their FIT file (including ones an API sync had stored). */
  withFit: number;
  /** Activity FIT files whose session start matched no summary within 300 s. */
  unmatchedFits: number;
  /** FIT files that are not activities (monitoring, device files), skipped. */
  otherFits: number;
  /** Activity FIT files whose session has no start time (garmin-grafana #256), skipped. */
  fitsWithoutStart: number;
  /** FIT files over the size limit, skipped. */
  oversizedFits: number;
  /** Summary entries without an id or start. */
  skippedSummaries: number;
  multisportParents: number;
  /** Health and workout entries without their key field. */
  skippedEntries: number;
}

export function zeroStats(): ImportStats {
  return {
    withFit: 0,
    unmatchedFits: 0,
    otherFits: 0,
    fitsWithoutStart: 0,
    oversizedFits: 0,
    skippedSummaries: 0,
    multisportParents: 0,
    skippedEntries: 0,
  };
}

/**
 * The import job's resume state (`imports.progress_json`), written in the transaction of each batch
 * it describes: a restarted job skips what is committed; a batch cut short by a crash is redone
 * (every write is an upsert by Garmin's id, so redoing it is harmless).
 */
export interface ImportState {
  /** Per nested archive (key: central-directory positions from the outer archive, '/'-joined): the next FIT member position to read. */
  fitParts: Record<string, number>;
  fitDone: boolean;
  /** Activity ids a FIT file was matched to (their summaries need no second write). */
  matched: string[];
  /** Summaries without a FIT committed: a position in the plan's list of them. */
  summariesDone: number;
  healthChunksDone: number;
  workoutsDone: boolean;
  processed: number;
  counts: AllCounts;
  stats: ImportStats;
}

export function freshState(): ImportState {
  return {
    fitParts: {},
    fitDone: false,
    matched: [],
    summariesDone: 0,
    healthChunksDone: 0,
    workoutsDone: false,
    processed: 0,
    counts: parseCounts(null, KIND_NAMES),
    stats: zeroStats(),
  };
}

/** Reads a stored state; anything unreadable starts over (every write is an upsert). */
export function parseImportState(json: string | null): ImportState {
  const s = freshState();
  let v: Partial<ImportState> | null = null;
  try {
    v = JSON.parse(json ?? 'null') as Partial<ImportState> | null;
  } catch {
    return s;
  }
  if (!v || typeof v !== 'object') return s;
  const int = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0);
  if (v.fitParts && typeof v.fitParts === 'object') {
    for (const [k, n] of Object.entries(v.fitParts)) s.fitParts[k] = int(n);
  }
  s.fitDone = v.fitDone === true;
  s.matched = Array.isArray(v.matched) ? v.matched.filter((x): x is string => typeof x === 'string') : [];
  s.summariesDone = int(v.summariesDone);
  s.healthChunksDone = int(v.healthChunksDone);
  s.workoutsDone = v.workoutsDone === true;
  s.processed = int(v.processed);
  s.counts = parseCounts(JSON.stringify(v.counts ?? {}), KIND_NAMES);
  if (v.stats && typeof v.stats === 'object') {
    for (const k of Object.keys(s.stats) as (keyof ImportStats)[]) s.stats[k] = int((v.stats as unknown as Record<string, unknown>)[k]);
  }
  return s;
}
