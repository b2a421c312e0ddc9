import { getCursor, setCursor } from '../repositories/sync-cursors.js';
import type { Commit, RegisteredKind } from './kinds/data-kind.js';
import { kindsOf } from './kinds/index.js';
import { timePhase } from './phase-timer.js';
import type { SyncRun } from './sync-run.js';

/**
 * Runs one job's kinds, skipping those a previous attempt finished. Every kind is planned first,
 * so `total_items` is known before the long work starts; then each fetches to the end. The
 * frame's share of every commit: one transaction with the kind's items, its cursor and its
 * finished mark, then the counts reported.
 */
export async function runKinds(run: SyncRun, done: ReadonlySet<string>): Promise<void> {
  const { db, spec, progress, runtime } = run;
  const fetches: { kind: RegisteredKind; fetch: (commit: Commit<unknown>) => Promise<void> }[] = [];
  for (const kind of kindsOf(spec.syncType).filter((k) => !done.has(k.name))) {
    progress.phase(kind.name);
    const cursor = await getCursor(db, spec.userId, kind.name);
    fetches.push({ kind, fetch: await timePhase(run.phases, runtime, `${kind.name}:plan`, () => kind.plan(run, cursor)) });
  }
  for (const { kind, fetch } of fetches) {
    const { name } = kind;
    progress.phase(name);
    await timePhase(run.phases, runtime, `${name}:fetch`, () => fetch(async (items, opts = {}) => {
      const counts = await db.transaction(async (tx) => {
        const c = await kind.store(tx, spec.userId, items, runtime.now());
        if (opts.cursor !== undefined) await setCursor(tx, spec.userId, name, opts.cursor, runtime.now());
        if (opts.last) await progress.finished(tx, name);
        return c;
      });
      progress.committed(items.length, opts.last === true);
      for (const outcome of ['new', 'updated', 'unchanged'] as const) {
        if (opts.processed === false) progress.count(name, outcome, counts[outcome]);
        else progress.done(name, outcome, counts[outcome]);
      }
      return counts;
    }));
  }
}
