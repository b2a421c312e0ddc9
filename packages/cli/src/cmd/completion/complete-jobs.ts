import type { CommandDefinition } from '../../command.js';
import type { Deps } from '../../factory.js';
import { readRecentJobs } from '../../sync/recent-jobs.js';

export const definition: CommandDefinition = {
  group: '__complete',
  name: 'jobs',
  summary: 'Print the ids of the sync jobs this CLI saw lately',
  description:
    'For the completion scripts: one line per job, newest first, "JOB_ID<TAB>status type created". Read from a cache in the config dir that `sync start`, `sync status`, `sync list` and `sync cancel` keep; never asks the server.',
  usage: 'fitsync __complete jobs',
  flags: [],
  examples: ['fitsync __complete jobs | cut -f1'],
};

export function parse(): Record<string, never> {
  return {};
}

export async function run(_opts: Record<string, never>, deps: Deps): Promise<number> {
  const lines = readRecentJobs(deps.globals.configDir, deps.globals.profile).map((j) => `${j.job_id}\t${j.status} ${j.sync_type} ${j.created_at}\n`);
  deps.io.out.write(lines.join(''));
  return 0;
}
