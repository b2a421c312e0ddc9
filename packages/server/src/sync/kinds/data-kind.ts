import type { Queryable } from '../../db/db.js';
import type { Counts } from '../kind-counts.js';
import type { SyncRun } from '../sync-run.js';

/** How one commit of a kind's items also moves the job: its cursor and whether the pass ended. */
export interface CommitOptions {
  /** The kind's new cursor, written in the same transaction as the items (never ahead of the data). */
  cursor?: string;
  /** The last commit of the pass: the kind is recorded finished in the same transaction. */
  last?: boolean;
  /**
   * Whether the stored items count as processed now (default true). A kind that reports items as
   * processed while fetching them (health days) passes false, so they are not counted twice.
   */
  processed?: boolean;
}

/** Stores items (one transaction: items, cursor, finished mark) and reports their outcomes. */
export type Commit<Item> = (items: readonly Item[], opts?: CommitOptions) => Promise<Counts>;

/**
 * A data kind: one module, one declared shape. The frame (runKinds) reads the kind's cursor,
 * asks it to plan, then to fetch; every commit runs `store` in a transaction together with the
 * cursor and the finished mark, and reports the counts. Adding a kind = this module, its
 * migration, its sim route, its tests, and one line in `kinds/index.ts`.
 */
export interface DataKind<Plan, Item> {
  /** The kind's name: its sync_type, its key in `counts`, its cursor key. */
  readonly name: string;
  /**
   * What it fetches for the job's window: full, incremental from `cursor`, or the job's
   * since/until; reports the item count (`run.progress.setTotal`) cheaply, before the long work.
   */
  plan(run: SyncRun, cursor: string | undefined): Promise<Plan>;
  /**
   * Fetches the plan's items from Garmin (only through `garminCall`) and commits them in order.
   * The last commit passes `last: true`, even with no items.
   */
  fetch(run: SyncRun, plan: Plan, commit: Commit<Item>): Promise<void>;
  /** Stores items idempotently (upsert by their Garmin id) and says which were new, updated, unchanged. */
  store(tx: Queryable, userId: string, items: readonly Item[], now: number): Promise<Counts>;
}

/** A kind in the registry, its Plan and Item types hidden behind one run function. */
export interface RegisteredKind {
  readonly name: string;
  /** Plans the kind; the returned function fetches the plan and commits its items. */
  plan(run: SyncRun, cursor: string | undefined): Promise<(commit: Commit<unknown>) => Promise<void>>;
  store(tx: Queryable, userId: string, items: readonly unknown[], now: number): Promise<Counts>;
}

/** Registers a kind (keeps its Plan and Item types together). */
export function defineKind<Plan, Item>(kind: DataKind<Plan, Item>): RegisteredKind {
  return {
    name: kind.name,
    async plan(run, cursor) {
      const p = await kind.plan(run, cursor);
      return (commit) => kind.fetch(run, p, commit);
    },
    // The frame hands `store` only the items this kind's own fetch committed.
    store: kind.store as RegisteredKind['store'],
  };
}
