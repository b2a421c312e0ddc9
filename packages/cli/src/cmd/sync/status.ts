import type { CommandDefinition, CommandInput } from '../../command.js';
import { NotFoundError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { parseJobId } from '../../sync/flag-values.js';
import { asSyncJob } from '../../client/answers.js';
import { printJob } from '../../sync/job-view.js';
import { rememberJobs } from '../../sync/recent-jobs.js';

export const definition: CommandDefinition = {
  group: 'sync',
  name: 'status',
  summary: 'Show a sync job (the latest one by default)',
  description:
    'Shows a sync job: its status, progress and counts. Without JOB_ID, the most recent job.\n' +
    'With --watch it follows the job until it ends (a progress bar on a terminal, one line per change otherwise) and exits 0 when it completed, 7 when it failed or was cancelled.\n' +
    'Exit 4 when there is no such job (or no job yet).',
  usage: 'fitsync sync status [JOB_ID] [--watch]',
  maxArgs: 1,
  argValues: 'recent-jobs',
  flags: [{ name: 'watch', short: 'w', type: 'boolean', description: 'follow the job until it ends' }],
  examples: ['fitsync sync status', 'fitsync sync status --watch', 'fitsync sync status 0b7c1e9a-… -o json'],
};

export interface SyncStatusOptions {
  jobId?: string;
  watch: boolean;
}

export function parse({ flags, positionals }: CommandInput): SyncStatusOptions {
  const opts: SyncStatusOptions = { watch: flags.watch === true };
  if (positionals[0] !== undefined) opts.jobId = parseJobId(positionals[0], definition.usage);
  return opts;
}

export async function run(opts: SyncStatusOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const path = opts.jobId === undefined ? '/v1/sync/jobs/latest' : `/v1/sync/jobs/${encodeURIComponent(opts.jobId)}`;
  let body: unknown;
  try {
    body = (await session.request('GET', path)).body;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw opts.jobId === undefined
      ? new NotFoundError('No sync jobs yet.', 'Start one with `fitsync sync start`.')
      : new NotFoundError(`Sync job ${opts.jobId} not found`, 'see `fitsync sync list`');
  }
  const job = asSyncJob(body);
  rememberJobs(deps, [job]);
  if (!opts.watch) {
    printJob(deps.io.out, await deps.output(), job);
    return 0;
  }
  const { watchJob } = await import('../../sync/watch-job.js');
  return watchJob(job, deps);
}
