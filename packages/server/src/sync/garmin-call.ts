import type { GarminApi, GarminCallOptions } from '@fitsync/garmin';
import type { SyncRun } from './sync-run.js';
import { step } from './sync-step-error.js';

/**
 * One Garmin call of a sync, and the only way a data kind reaches Garmin: through the job's
 * limiter (concurrency, pace, stop signal), labelled for error messages, and reported as the
 * job's current step (a job whose workers keep dying says where: the max-attempts message).
 */
export function garminCall<T>(run: SyncRun, what: string, fn: (api: GarminApi, call: GarminCallOptions) => Promise<T>): Promise<T> {
  run.progress.step(what);
  // `fn` passes `call` (the job's signal) to the API method: a cancel, shutdown or lost lease closes the socket.
  return step(what, () => run.limiter.run((signal) => fn(run.api, { signal })));
}
