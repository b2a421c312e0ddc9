import { type AllCounts, emptyCounts, type Outcome } from './kind-counts.js';

/** A job's progress as the job row stores it. */
export interface JobProgress {
  progress: number;
  totalItems: number | null;
  processedItems: number;
  countsJson: string;
}

/**
 * A job's progress in memory: per-kind totals (known as soon as each kind is planned), items
 * processed and new/updated/unchanged counts. The job owner's heartbeat writes a snapshot
 * whenever it changed.
 */
export class ProgressTracker {
  private readonly totals = new Map<string, number>();
  private processed: number;
  private readonly counts: AllCounts;
  private dirty = true;
  /** Items of kinds an earlier attempt finished (a resumed job): in both processed and total. */
  private readonly base: number;

  /**
   * What the job had already reported (a resumed job: the dead worker's last heartbeat). The
   * resumed attempt recounts from its last finished kind, so it reports at least this much:
   * processed_items never goes backwards (the job row enforces the same with MAX on every write).
   */
  private readonly floor: number;

  constructor(kinds: readonly string[], start: { processed?: number; counts?: AllCounts; reported?: number } = {}) {
    this.processed = start.processed ?? 0;
    this.base = this.processed;
    this.counts = { ...emptyCounts(kinds), ...start.counts };
    this.floor = start.reported ?? 0;
  }

  /** Sets the expected number of items of a kind (may grow while paging). */
  setTotal(kind: string, n: number): void {
    if (this.totals.get(kind) !== n) {
      this.totals.set(kind, n);
      this.dirty = true;
    }
  }

  totalOf(kind: string): number | undefined {
    return this.totals.get(kind);
  }

  /** Records `n` items processed (their outcome is counted separately, when stored). */
  advance(n = 1): void {
    if (n <= 0) return;
    this.processed += n;
    this.dirty = true;
  }

  /** Counts `n` outcomes without moving `processed`. */
  count(kind: string, outcome: Outcome, n = 1): void {
    if (n <= 0) return;
    const c = this.counts[kind];
    if (!c) throw new Error(`unknown data kind ${kind}`);
    c[outcome] += n;
    this.dirty = true;
  }

  /** Items of the kinds an earlier attempt finished (a resumed job's starting point). */
  get resumedItems(): number {
    return this.base;
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
