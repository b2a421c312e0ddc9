import { getCursor, setCursor } from '../repositories/sync-cursors.js';
import { sideBySide, throwIfStopped } from './abortable.js';
import type { Commit, RegisteredKind } from './kinds/data-kind.js';
import { kindsOf } from './kinds/index.js';
import { timePhase } from './phase-timer.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { SyncRun } from './sync-run.js';

/**
 * Runs one job's kinds, skipping those a previous attempt finished. Every kind is planned first,
 * so `total_items` is known before the long work starts; then the kinds fetch side by side. They
 * share the job's limiter, so Garmin sees no more calls in flight, nor faster, than with one kind
 * at a time; what overlaps is the work between calls: while activities wait for their FIT files
 * to be decoded and stored, the limiter's free slots serve health calls instead of idling. Each
 * kind commits on its own (its items, its cursor, its finished mark), so a stop or a crash leaves
 * each where a sequential run would have: a resumed job redoes only the unfinished ones. When one
 * kind fails, the others stop at their next call and the job fails with that first error, once
 * they have settled (nothing of the job runs after it ends).
 */
export async function runKinds(run: SyncRun, done: ReadonlySet<string>): Promise<void> {
  const { db, spec, progress, runtime } = run;
  // Fires when a kind fails: its siblings stop (their own error is not the job's).
  const failed = new AbortController();
  const signal = AbortSignal.any([run.signal, failed.signal]);
  const fetches: { kind: RegisteredKind; fetch: (commit: Commit<unknown>) => Promise<void> }[] = [];
  for (const kind of kindsOf(spec.syncType).filter((k) => !done.has(k.name))) {
    progress.phase(kind.name);
    const cursor = await getCursor(db, spec.userId, kind.name);
    const kindRun = forKind(run, kind.name, signal);
    fetches.push({ kind, fetch: await timePhase(run.phases, runtime, `${kind.name}:plan`, () => kind.plan(kindRun, cursor)) });
  }
  await sideBySide(
    fetches.map(({ kind, fetch }) => () => {
      const { name } = kind;
      return timePhase(run.phases, runtime, `${name}:fetch`, () =>
        fetch(async (items, opts = {}) => {
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
        }),
      );
    }),
    () => failed.abort('shutdown'),
  );
}

/**
 * The job as one kind sees it: its steps name the kind ("syncing health, reading …" stays true
 * while kinds overlap), and its signal also fires when a sibling kind fails, which stops its
 * calls still waiting at the limiter before they reach Garmin.
 */
function forKind(run: SyncRun, name: string, signal: AbortSignal): SyncRun {
  const p = run.progress;
  const progress: ProgressReporter = {
    setTotal: (kind, n) => p.setTotal(kind, n),
    totalOf: (kind) => p.totalOf(kind),
    advance: (kind, n) => p.advance(kind, n),
    count: (kind, outcome, n) => p.count(kind, outcome, n),
    done: (kind, outcome, n) => p.done(kind, outcome, n),
    step: (what) => {
      p.phase(name);
      p.step(what);
    },
    phase: (kind) => p.phase(kind),
    committed: (items, finished) => p.committed(items, finished),
    finished: (tx, kind) => p.finished(tx, kind),
  };
  const limiter: SyncRun['limiter'] = {
    run: (fn) =>
      run.limiter.run((s) => {
        // Queued before a sibling failed: stop here, before the call leaves.
        throwIfStopped(signal);
        return fn(s);
      }),
  };
  return { ...run, progress, signal, limiter };
}
