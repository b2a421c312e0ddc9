import { SyncAborted } from './abortable.js';

/** A step of the sync failed; `step` says what was being done, for the job's error_message. */
export class SyncStepError extends Error {
  override name = 'SyncStepError';
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Runs `fn`, labelling any failure (other than a stop) with what was being done. */
export async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SyncAborted || err instanceof SyncStepError) throw err;
    throw new SyncStepError(what, err);
  }
}
