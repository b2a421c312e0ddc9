import type { GarminApi } from '@fitsync/garmin';
import type { SyncRun } from './sync-run.js';
import { step } from './sync-step-error.js';

/**
 * One Garmin call of a sync, and the only way a data kind reaches Garmin: through the job's
 * limiter (concurrency, pace, stop signal), labelled for error messages, and reported as the
 * job's current step (a job whose workers keep dying says where: the max-attempts message).
 */
export function garminCall<T>(run: SyncRun, what: string, fn: (api: GarminApi) => Promise<T>): Promise<T> {
  run.progress.step(what);
  return step(what, () => run.limiter.run(() => fn(run.api)));
}
