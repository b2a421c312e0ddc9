/**
 * The reason a job's work stops early; the worker decides the job's end from it. `yield`: its time
 * slice is over and other users wait (FITSYNC_JOB_SLICE): handed back like a shutdown, to the back
 * of the queue.
 */
export type StopReason = 'cancel' | 'lost_lease' | 'shutdown' | 'yield';

/** Thrown out of the engine when its signal fires; carries why. */
export class SyncAborted extends Error {
  override name = 'SyncAborted';
  constructor(readonly reason: StopReason) {
    super(`sync stopped (${reason})`);
  }
}

function reasonOf(signal: AbortSignal): StopReason {
  const r = signal.reason;
  return r === 'cancel' || r === 'lost_lease' || r === 'shutdown' || r === 'yield' ? r : 'shutdown';
}

/** Throws SyncAborted when the signal has fired. */
export function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) throw new SyncAborted(reasonOf(signal));
}

/**
 * Settles with `p`, or rejects with SyncAborted as soon as the signal fires: the stop reads the
 * same whatever `p` rejects with (a Garmin call given the signal rejects with an AbortError).
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(new SyncAborted(reasonOf(signal)));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => {});
      reject(new SyncAborted(reasonOf(signal)));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Runs `tasks` side by side. The first to fail calls `onFirstFailure` with its index (which stops
 * the others, through a signal they follow); its error is thrown once every task has settled, so
 * nothing of the job runs after it ends. The others' errors (their stop) are not the job's.
 */
export async function sideBySide(tasks: readonly (() => Promise<void>)[], onFirstFailure: (index: number) => void): Promise<void> {
  const failures: unknown[] = [];
  await Promise.all(
    tasks.map((task, i) =>
      task().catch((err: unknown) => {
        if (failures.push(err) === 1) onFirstFailure(i);
      }),
    ),
  );
  if (failures.length > 0) throw failures[0];
}
