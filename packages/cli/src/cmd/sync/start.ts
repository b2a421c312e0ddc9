import { randomUUID } from 'node:crypto';
import type { CreateSyncJobBody, SyncType } from '@fitsync/api';
import { SYNC_TYPES } from '@fitsync/api/codes';
import { isIdempotencyKey } from '@fitsync/api/rules';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { ConflictError, UnavailableError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import type { Session } from '../../session.js';
import { parseDateRange } from '../../sync/flag-values.js';
import { asSyncJob } from '../../client/answers.js';
import { isTerminal } from '../../sync/is-terminal.js';
import { printJob } from '../../sync/job-view.js';
import { rememberJobs } from '../../sync/recent-jobs.js';

export const definition: CommandDefinition = {
  group: 'sync',
  name: 'start',
  summary: 'Start a sync of your Garmin Connect data',
  description:
    'Starts a sync job on the server and prints it. Without --since or --full the sync is incremental: from where the last successful sync of that type stopped.\n' +
    'With --wait it follows the job until it ends (a progress bar on a terminal, one line per change otherwise) and exits 0 when it completed, 7 when it failed or was cancelled.\n' +
    'Exit 5 when a sync is already running (its id is shown) or Garmin Connect is not linked.',
  usage: 'fitsync sync start [--type all|activities|health|workouts] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--full] [--wait] [--idempotency-key K]',
  flags: [
    { name: 'type', type: 'string', value: 'TYPE', description: 'what to sync: all (default), activities, health or workouts', values: SYNC_TYPES },
    { name: 'since', type: 'string', value: 'YYYY-MM-DD', description: 'first day of the window' },
    { name: 'until', type: 'string', value: 'YYYY-MM-DD', description: 'last day of the window' },
    { name: 'full', type: 'boolean', description: 'sync the whole account history' },
    { name: 'wait', type: 'boolean', description: 'follow the job until it ends' },
    { name: 'idempotency-key', type: 'string', value: 'K', description: 'reuse a key to make a retried start return the same job (default: a new key per run)' },
  ],
  examples: [
    'fitsync sync start',
    'fitsync sync start --wait',
    'fitsync sync start --type activities --since 2026-01-01 --until 2026-01-31 --wait',
    'fitsync sync start --full -o json',
  ],
};

export interface SyncStartOptions {
  type: SyncType;
  since?: string;
  until?: string;
  full: boolean;
  wait: boolean;
  idempotencyKey?: string;
}

export function parse({ flags }: CommandInput): SyncStartOptions {
  const type = stringFlag(flags, 'type') ?? 'all';
  if (!(SYNC_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`invalid --type "${type}"`, `use one of: ${SYNC_TYPES.join(', ')}`);
  }
  const range = parseDateRange(stringFlag(flags, 'since'), stringFlag(flags, 'until'));
  const full = flags.full === true;
  if (full && range.since !== undefined) throw new UsageError('--full cannot be combined with --since', '--full already syncs the whole history');
  const opts: SyncStartOptions = { type: type as SyncType, ...range, full, wait: flags.wait === true };
  const key = stringFlag(flags, 'idempotency-key');
  if (key !== undefined) {
    if (!isIdempotencyKey(key)) throw new UsageError('invalid --idempotency-key', 'use 1 to 200 printable ASCII characters without spaces');
    opts.idempotencyKey = key;
  }
  return opts;
}

/** POST retries after a network error or 502/503/504; the same key makes them safe. */
const POST_RETRIES = 3;
const RETRYABLE = new Set([502, 503, 504]);

export async function run(opts: SyncStartOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const key = opts.idempotencyKey ?? randomUUID();
  const body: CreateSyncJobBody = { sync_type: opts.type };
  if (opts.since !== undefined) body.since = opts.since;
  if (opts.until !== undefined) body.until = opts.until;
  if (opts.full) body.full = true;
  const job = asSyncJob(await createJob(session, deps, body, key));
  rememberJobs(deps, [job]);
  if (!opts.wait) {
    printJob(deps.io.out, await deps.output(), job);
    // A reused --idempotency-key answers the job it started before, which may have ended already:
    // nothing to follow then.
    if (isTerminal(job)) deps.io.info(`Sync job ${job.job_id} already ${job.status} (started before with this Idempotency-Key).`);
    else deps.io.info(`Sync job ${job.job_id} ${job.status}. Follow it with \`fitsync sync status ${job.job_id} --watch\`.`);
    return 0;
  }
  deps.io.info(`Sync job ${job.job_id} started (${job.sync_type}).`);
  const { watchJob } = await import('../../sync/watch-job.js');
  return watchJob(job, deps);
}

async function createJob(session: Session, deps: Deps, body: CreateSyncJobBody, key: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await session.request('POST', '/v1/sync/jobs', { body, headers: { 'idempotency-key': key } })).body;
    } catch (err) {
      if (err instanceof UnavailableError && attempt < POST_RETRIES && (err.api === undefined || RETRYABLE.has(err.api.status))) {
        // Full jitter backoff, as the client does for GETs.
        const base = Math.min(250 * 2 ** attempt, 4_000);
        deps.debug(`* POST /v1/sync/jobs failed (${err.message}); retrying with the same Idempotency-Key`);
        await deps.runtime.sleep(base / 2 + deps.runtime.random() * (base / 2));
        continue;
      }
      throw conflictMessage(err);
    }
  }
}

/** The CLI contract fixes what a conflicting start says and what to do next. */
function conflictMessage(err: unknown): unknown {
  if (!(err instanceof ConflictError) && !(err instanceof UsageError)) return err;
  const code = err.api?.code;
  let out: ConflictError | undefined;
  if (code === 'sync_in_progress') {
    const id = err.api?.jobId;
    out = id
      ? new ConflictError(`A sync is already running: ${id}. Follow it with \`fitsync sync status ${id} --watch\``)
      : new ConflictError('A sync is already running. Follow it with `fitsync sync status --watch`');
  } else if (code === 'garmin_not_connected') {
    out = new ConflictError('Garmin Connect is not linked to your FitSync account.', 'Run `fitsync garmin connect` first.');
  } else if (code === 'idempotency_key_reused') {
    out = new ConflictError('This --idempotency-key was already used for a different sync request.', 'use a new key, or the same flags as the first time');
  }
  if (!out) return err;
  if (err.api) out.api = err.api;
  return out;
}
