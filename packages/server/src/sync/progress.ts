import type { JobProgress } from '../repositories/sync-jobs.js';

export type SyncPart = 'activities' | 'health' | 'workouts';
export interface Counts {
  new: number;
  updated: number;
  unchanged: number;
}
export type AllCounts = Record<SyncPart, Counts>;

/** Zero counts for every part. */
export function emptyCounts(): AllCounts {
  return {
    activities: { new: 0, updated: 0, unchanged: 0 },
    health: { new: 0, updated: 0, unchanged: 0 },
    workouts: { new: 0, updated: 0, unchanged: 0 },
  };
}

/** Reads stored counts, tolerating old or partial JSON. */
export function parseCounts(json: string | null | undefined): AllCounts {
  const out = emptyCounts();
  try {
    const v = JSON.parse(json ?? '{}') as Record<string, Record<string, unknown>>;
    for (const part of ['activities', 'health', 'workouts'] as const) {
      for (const k of ['new', 'updated', 'unchanged'] as const) {
        const n = v?.[part]?.[k];
        if (typeof n === 'number' && Number.isInteger(n) && n >= 0) out[part][k] = n;
      }
    }
  } catch {
    // keep zeros
  }
  return out;
}

/**
 * A job's progress in memory: per-part totals (known as soon as each part is planned), items
 * processed and new/updated/unchanged counts. The worker's heartbeat writes a snapshot whenever
 * it changed, at least every second while work happens.
 */
export class ProgressTracker {
  private readonly totals = new Map<SyncPart, number>();
  private processed: number;
  private readonly counts: AllCounts;
  private dirty = true;
  /** Items of parts an earlier attempt finished (a resumed job): in both processed and total. */
  private readonly base: number;

  /**
   * What the job had already reported (a resumed job: the dead worker's last heartbeat). The
   * resumed attempt recounts from its last finished part, so it reports at least this much:
   * processed_items never goes backwards (the job row enforces the same with MAX on every write).
   */
  private readonly floor: number;

  constructor(start: { processed?: number; counts?: AllCounts; reported?: number } = {}) {
    this.processed = start.processed ?? 0;
    this.base = this.processed;
    this.counts = start.counts ?? emptyCounts();
    this.floor = start.reported ?? 0;
  }

  /** Sets the expected number of items of a part (may grow while paging). */
  setTotal(part: SyncPart, n: number): void {
    if (this.totals.get(part) !== n) {
      this.totals.set(part, n);
      this.dirty = true;
    }
  }

  totalOf(part: SyncPart): number | undefined {
    return this.totals.get(part);
  }

  /** Records `n` items done with the given outcome. */
  done(part: SyncPart, outcome: keyof Counts, n = 1): void {
    this.advance(n);
    this.count(part, outcome, n);
  }

  /** Records `n` items processed (their outcome is counted separately, when stored). */
  advance(n = 1): void {
    if (n <= 0) return;
    this.processed += n;
    this.dirty = true;
  }

  /** Counts `n` outcomes without moving `processed`. */
  count(part: SyncPart, outcome: keyof Counts, n = 1): void {
    if (n <= 0) return;
    this.counts[part][outcome] += n;
    this.dirty = true;
  }

  get processedItems(): number {
    return Math.max(this.processed, this.floor);
  }

  get total(): number | null {
    if (this.totals.size === 0) return null;
    let t = this.base;
    for (const v of this.totals.values()) t += v;
    return Math.max(t, this.processedItems);
  }

  countsSnapshot(): AllCounts {
    return JSON.parse(JSON.stringify(this.counts)) as AllCounts;
  }

  snapshot(final = false): JobProgress {
    const total = this.total;
    const processed = this.processedItems;
    let progress = total ? Math.floor((100 * processed) / total) : 0;
    if (final) progress = 100;
    else progress = Math.min(progress, 99);
    return { progress, totalItems: total, processedItems: processed, countsJson: JSON.stringify(this.counts) };
  }

  /** The snapshot if it changed since the last call, else null. */
  takeChanged(): JobProgress | null {
    if (!this.dirty) return null;
    this.dirty = false;
    return this.snapshot();
  }
}
