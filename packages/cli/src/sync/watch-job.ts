import type { SyncJob } from '@fitsync/api';
import type { Deps } from '../factory.js';
import { type FollowOptions, followJob } from './follow-job.js';
import { exitForFollowed, printJob } from './job-view.js';
import { createReporter } from './reporter.js';

/**
 * `--wait` / `--watch`: shows progress on stderr until the job ends, then
 * prints the final job on stdout (one document with `-o json`) and returns
 * 0 for completed; failed or cancelled throw JobFailedError (exit 7).
 */
export async function watchJob(job: SyncJob, deps: Deps, o: FollowOptions = {}): Promise<number> {
  const [session, baseUrl, format] = await Promise.all([deps.session(), deps.server(), deps.output()]);
  const reporter = await createReporter(deps.io, deps.runtime);
  reporter.update(job);
  let final: SyncJob;
  try {
    final = await followJob(job, { baseUrl, session, runtime: deps.runtime, log: deps.debug }, (j) => reporter.update(j), o);
  } catch (err) {
    // Leave the terminal on a fresh line before the error message.
    if (deps.io.isStderrTTY()) deps.io.err.write('\n');
    throw err;
  }
  reporter.done(final);
  printJob(deps.io.out, format, final);
  return exitForFollowed(final);
}
