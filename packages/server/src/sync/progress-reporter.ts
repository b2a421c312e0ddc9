import type { Queryable } from '../db/db.js';
import type { Outcome } from './kind-counts.js';

/**
 * The one way a running job's data kinds report: totals, items processed, outcomes, the step in
 * hand, and that a kind finished. The job owner implements it (progress in memory, resume state
 * in the job row); kinds never call back into the owner or the worker pool otherwise.
 */
export interface ProgressReporter {
  /** Sets the expected number of items of a kind (may grow while paging). */
  setTotal(kind: string, n: number): void;
  totalOf(kind: string): number | undefined;
  /** `n` items of `kind` processed (their outcome is counted when stored). */
  advance(kind: string, n?: number): void;
  /** `n` outcomes, without moving processed. */
  count(kind: string, outcome: Outcome, n?: number): void;
  /** `n` items processed with the given outcome. */
  done(kind: string, outcome: Outcome, n?: number): void;
  /** What the job is doing now, in words ("reading the daily summary of 2026-03-02"). */
  step(what: string): void;
  /** The kind `kind` is now being planned or fetched (names the phase of `step`). */
  phase(kind: string): void;
  /**
   * A commit of `items` items (`finished`: the kind's last): a resumed job will not fetch what it
   * stored again.
   */
  committed(items: number, finished: boolean): void;
  /** Records, inside `tx` (the one storing its last items), that a kind finished: a resumed job skips it. */
  finished(tx: Queryable, kind: string): Promise<void>;
}
