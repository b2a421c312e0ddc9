import type { CommandDefinition, CommandInput } from '../../command.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { parseJobId } from '../../sync/flag-values.js';
import { asSyncJob } from '../../client/answers.js';
import { printJob } from '../../sync/job-view.js';
import { rememberJobs } from '../../sync/recent-jobs.js';

export const definition: CommandDefinition = {
  group: 'sync',
  name: 'cancel',
  summary: 'Cancel a pending or running sync job',
  description: 'Asks the server to cancel the job (it takes effect within 2 s). Exit 4 when there is no such job, 5 when it has already finished.',
  usage: 'fitsync sync cancel JOB_ID',
  maxArgs: 1,
  argValues: 'recent-jobs',
  flags: [],
  examples: ['fitsync sync cancel 0b7c1e9a-…', 'fitsync sync cancel "$(fitsync sync status -o json | jq -r .job_id)"'],
};

export interface SyncCancelOptions {
  jobId: string;
}

export function parse({ positionals }: CommandInput): SyncCancelOptions {
  return { jobId: parseJobId(positionals[0], definition.usage) };
}

export async function run(opts: SyncCancelOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  let body: unknown;
  try {
    body = (await session.request('POST', `/v1/sync/jobs/${encodeURIComponent(opts.jobId)}/cancel`)).body;
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`Sync job ${opts.jobId} not found`, 'see `fitsync sync list`');
    if (err instanceof ConflictError && err.api?.code === 'job_finished') {
      const e = new ConflictError(`Sync job ${opts.jobId} has already finished`, `see \`fitsync sync status ${opts.jobId}\``);
      e.api = err.api;
      throw e;
    }
    throw err;
  }
  const job = asSyncJob(body);
  rememberJobs(deps, [job]);
  printJob(deps.io.out, await deps.output(), job);
  deps.io.info(job.status === 'cancelled' ? `Sync job ${job.job_id} cancelled.` : `Cancelling sync job ${job.job_id}…`);
  return 0;
}
