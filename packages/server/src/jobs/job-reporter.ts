import type { Queryable } from '../db/db.js';
import { emptyCounts, type Outcome } from '../sync/kind-counts.js';
import type { JobState } from '../sync/job-state.js';
import type { ProgressReporter } from '../sync/progress-reporter.js';
import type { ProgressTracker } from '../sync/progress-tracker.js';
import type { SyncJobQueue } from './sync-job-queue.js';

/**
 * The job owner's side of ProgressReporter: progress into the tracker (the heartbeat persists
 * and publishes it), the kinds finished into the resume state, and where the job is now.
 */
export class JobReporter implements ProgressReporter {
  private kind: string | null = null;
  private current = 'starting';
  private readonly doneKinds: Set<string>;
  /** Items each kind processed in this attempt. */
  private readonly processedBy = new Map<string, number>();
  /**
   * Commits by this attempt that stored items or finished a kind: a job yields its worker only
   * after one, so every slice moves it on (an empty commit of a cursor is redone on resume).
   */
  commits = 0;

  constructor(
    private readonly tracker: ProgressTracker,
    private readonly queue: SyncJobQueue,
    private readonly jobId: string,
    private readonly owner: string,
    done: readonly string[],
    /** How `at` names the work: "syncing activities", or "importing activities" for an import. */
    private readonly verb: 'syncing' | 'importing' = 'syncing',
  ) {
    this.doneKinds = new Set(done);
  }

  /** Kinds finished, by this attempt or an earlier one. */
  get finishedKinds(): ReadonlySet<string> {
    return this.doneKinds;
  }

  /** Where the job is, in words: "syncing health, reading the daily summary of 2026-03-02". */
  get at(): string {
    return this.kind ? `${this.verb} ${this.kind}, ${this.current}` : this.current;
  }

  setTotal(kind: string, n: number): void {
    this.tracker.setTotal(kind, n);
  }
  totalOf(kind: string): number | undefined {
    return this.tracker.totalOf(kind);
  }
  advance(kind: string, n = 1): void {
    this.tracker.advance(n);
    this.processedBy.set(kind, (this.processedBy.get(kind) ?? 0) + Math.max(0, n));
  }
  count(kind: string, outcome: Outcome, n = 1): void {
    this.tracker.count(kind, outcome, n);
  }
  done(kind: string, outcome: Outcome, n = 1): void {
    this.advance(kind, n);
    this.tracker.count(kind, outcome, n);
  }
  committed(items: number, finished: boolean): void {
    if (items > 0 || finished) this.commits++;
  }
  step(what: string): void {
    this.current = what;
  }
  phase(kind: string): void {
    this.kind = kind;
  }

  async finished(tx: Queryable, kind: string): Promise<void> {
    this.doneKinds.add(kind);
    // Only what the finished kinds did: kinds run side by side (runKinds), and a resumed job
    // redoes the unfinished ones, so their items and counts so far must not be kept twice.
    let processed = this.tracker.resumedItems;
    for (const k of this.doneKinds) processed += this.processedBy.get(k) ?? 0;
    const all = this.tracker.countsSnapshot();
    const counts = emptyCounts(Object.keys(all));
    for (const k of this.doneKinds) if (all[k]) counts[k] = all[k];
    const s: JobState = { done: [...this.doneKinds], processed, counts, at: this.at };
    await this.queue.saveState(tx, this.jobId, this.owner, JSON.stringify(s));
  }
}
