import { type AllCounts, parseCounts } from './kind-counts.js';
import { KIND_NAMES } from './kinds/index.js';

/**
 * A job's resume state (`sync_jobs.state_json`): the kinds finished with their items and counts
 * (written in the transaction that stored each kind's last items), and where the job is now
 * (`at`, written at heartbeats: what the max-attempts message names).
 */
export interface JobState {
  done: string[];
  processed: number;
  counts: AllCounts;
  at?: string;
}

/** Reads a stored state; anything unreadable starts over. */
export function parseJobState(json: string | null): JobState {
  try {
    const v = JSON.parse(json ?? 'null') as Partial<JobState> | null;
    if (v && Array.isArray(v.done)) {
      return {
        done: v.done.filter((p): p is string => typeof p === 'string' && KIND_NAMES.includes(p)),
        processed: Number.isInteger(v.processed) ? (v.processed as number) : 0,
        counts: parseCounts(JSON.stringify(v.counts ?? {}), KIND_NAMES),
      };
    }
  } catch {
    // start over
  }
  return { done: [], processed: 0, counts: parseCounts(null, KIND_NAMES) };
}
