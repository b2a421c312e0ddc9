import type { SyncStatus } from '@fitsync/api';
import { SYNC_STATUSES } from '@fitsync/api/codes';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { parseLimit } from '../../sync/flag-values.js';
import { asSyncJobList } from '../../client/answers.js';
import { printJobList } from '../../sync/job-view.js';
import { rememberJobs } from '../../sync/recent-jobs.js';

export const definition: CommandDefinition = {
  group: 'sync',
  name: 'list',
  summary: 'List your sync jobs, newest first',
  usage: 'fitsync sync list [--limit N] [--status pending|running|completed|failed|cancelled]',
  flags: [
    { name: 'limit', short: 'n', type: 'string', value: 'N', description: 'how many jobs to show, 1 to 200 (default 20)' },
    { name: 'status', type: 'string', value: 'STATUS', description: 'only jobs with this status', values: SYNC_STATUSES },
  ],
  examples: ['fitsync sync list', 'fitsync sync list --status failed --limit 5', 'fitsync sync list -o csv > jobs.csv'],
};

export interface SyncListOptions {
  limit: number;
  status?: SyncStatus;
}

export function parse({ flags }: CommandInput): SyncListOptions {
  const opts: SyncListOptions = { limit: parseLimit(stringFlag(flags, 'limit'), 200) ?? 20 };
  const status = stringFlag(flags, 'status');
  if (status !== undefined) {
    if (!(SYNC_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`invalid --status "${status}"`, `use one of: ${SYNC_STATUSES.join(', ')}`);
    }
    opts.status = status as SyncStatus;
  }
  return opts;
}

export async function run(opts: SyncListOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const q = new URLSearchParams({ limit: String(opts.limit) });
  if (opts.status) q.set('status', opts.status);
  const list = asSyncJobList((await session.request('GET', `/v1/sync/jobs?${q}`)).body);
  // One page is what --limit asks for; a server answering more is cut to it.
  const jobs = list.jobs.slice(0, opts.limit);
  rememberJobs(deps, jobs);
  const format = await deps.output();
  printJobList(deps.io.out, format, jobs, list.next_cursor);
  if (format === 'table' && jobs.length === 0) deps.io.info('No sync jobs yet. Start one with `fitsync sync start`.');
  return 0;
}
