import type { SyncJob } from '@fitsync/api';
import { CancelledError } from '../errors.js';
import type { Deps } from '../factory.js';
import { type FollowOptions, followJob } from './follow-job.js';
import { exitForFollowed, printJob } from './job-view.js';
import { createReporter, type JobReporter } from './reporter.js';

/**
 * `--wait` / `--watch`: shows progress on stderr until the job ends, then
 * prints the final job on stdout (one document with `-o json`) and returns
 * 0 for completed; failed or cancelled throw JobFailedError (exit 7).
 * Ctrl-C stops following, not the job: the stream is closed, the progress
 * line ended, and a CancelledError (exit 130) says how to follow or cancel it;
 * a second Ctrl-C ends the process at once (Interrupts.once).
 */
export async function watchJob(job: SyncJob, deps: Deps, o: FollowOptions = {}): Promise<number> {
  // Ctrl-C is taken before the first progress line is drawn: a key pressed as soon as the
  // line shows (a loaded machine may run nothing else of ours in between) stops following.
  const stop = new AbortController();
  const restore = deps.interrupts.once(() => stop.abort());
  let reporter: JobReporter | undefined;
  try {
    const [session, baseUrl, format] = await Promise.all([deps.session(), deps.server(), deps.output()]);
    const shown = await createReporter(deps.io, deps.runtime);
    reporter = shown;
    shown.update(job);
    const final = await followJob(job, { baseUrl, session, runtime: deps.runtime, log: deps.debug, signal: stop.signal }, (j) => shown.update(j), o);
    shown.done(final);
    printJob(deps.io.out, format, final);
    return exitForFollowed(final);
  } catch (err) {
    // Leave the terminal on a fresh line before the message.
    reporter?.stop();
    if (stop.signal.aborted) throw stoppedFollowing(job.job_id);
    throw err;
  } finally {
    restore();
  }
}

function stoppedFollowing(id: string): CancelledError {
  return new CancelledError(
    `Stopped following sync job ${id}; the sync goes on on the server.`,
    `Follow it again with \`fitsync sync status ${id} --watch\`, or cancel it with \`fitsync sync cancel ${id}\`.`,
  );
}
