import { basename } from 'node:path';
import type { Import, SyncJob } from '@fitsync/api';
import { asSyncJob } from '../../client/answers.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { CancelledError, CliError, ConflictError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { formatByteSize as byteSize } from '@fitsync/api/rules';
import { checkArchive, hashArchive, type LocalArchive } from '../../imports/local-archive.js';
import { uploadArchive } from '../../imports/upload-archive.js';
import type { Session } from '../../session.js';
import { isTerminal } from '../../sync/is-terminal.js';
import { printJob } from '../../sync/job-view.js';
import { rememberJobs } from '../../sync/recent-jobs.js';

export const definition: CommandDefinition = {
  group: 'import',
  name: 'garmin-export',
  summary: "Upload Garmin's data export (the zip from “Export your data”) and import it",
  description:
    'Checks the file, uploads it (a progress bar on a terminal) and starts an import job on the server. The upload is resumable: a dropped connection ' +
    'or a server error resumes where it stopped, and running the same command again after an interruption sends only what is missing.\n' +
    'When another sync job runs, the import waits for it to end, then starts.\n' +
    'With --wait it follows the import job until it ends, like `sync start --wait`: exit 0 when it completed, 7 when it failed or was cancelled.\n' +
    'Exit 2 when the file is missing or not a zip, or the server refuses it (too large, not enough space); 6 when the upload keeps failing.',
  usage: 'fitsync import garmin-export FILE.zip [--wait]',
  maxArgs: 1,
  flags: [{ name: 'wait', type: 'boolean', description: 'follow the import job until it ends' }],
  examples: [
    'fitsync import garmin-export ~/Downloads/1f2e3d4c-export.zip',
    'fitsync import garmin-export export.zip --wait',
    'fitsync import garmin-export export.zip -o json',
  ],
};

export interface ImportGarminExportOptions {
  file: string;
  wait: boolean;
}

export function parse({ flags, positionals }: CommandInput): ImportGarminExportOptions {
  const file = positionals[0];
  if (file === undefined || file === '') throw new UsageError('give the archive to import', 'fitsync import garmin-export FILE.zip');
  return { file, wait: flags.wait === true };
}

/** How often a waiting import looks whether the other job ended. */
const WAIT_POLL_MS = 2_000;

export async function run(opts: ImportGarminExportOptions, deps: Deps): Promise<number> {
  const archive = await checkArchive(opts.file);
  const session = await deps.session();
  // Fail on a missing sign-in before reading gigabytes.
  await session.credentials();
  const stop = new AbortController();
  const restore = deps.interrupts.once(() => stop.abort());
  const name = basename(opts.file);
  let imp: Import;
  try {
    const sha256 = await checking(archive, deps, stop.signal);
    imp = await uploading({ ...archive, sha256 }, session, deps, stop.signal);
  } catch (err) {
    if (stop.signal.aborted) {
      throw new CancelledError(`Stopped uploading ${name}; the server keeps what it received.`, 'Run the same command again to resume where it stopped.');
    }
    throw err;
  } finally {
    restore();
  }
  const uploaded = `Uploaded ${name} (${byteSize(archive.size)}).`;
  if (imp.job_id === null) deps.io.info(uploaded);
  const job = await startedJob(imp, session, deps);
  rememberJobs(deps, [job]);
  const started = `${imp.job_id === null ? '' : `${uploaded} `}Import job ${job.job_id} started.`;
  if (!opts.wait) {
    printJob(deps.io.out, await deps.output(), job);
    deps.io.info(`${started} Follow it with \`fitsync sync status ${job.job_id} --watch\`.`);
    return 0;
  }
  deps.io.info(started);
  const { watchJob } = await import('../../sync/watch-job.js');
  return watchJob(job, deps);
}

/** Hashes the file, with a "Checking FILE…" line on a terminal. */
async function checking(a: LocalArchive, deps: Deps, signal: AbortSignal): Promise<string> {
  const line = await progressLine(deps);
  const name = basename(a.path);
  const show = (n: number) =>
    line?.update({ label: 'checking', percent: (n / a.size) * 100, processed: n, total: a.size, unit: 'bytes', active: true, tone: 'active', notes: [], amount: byteSize });
  if (line) deps.io.err.write(`Checking ${name}…\n`);
  try {
    return await hashArchive(a, show, signal);
  } finally {
    line?.end();
  }
}

async function uploading(a: LocalArchive & { sha256: string }, session: Session, deps: Deps, signal: AbortSignal): Promise<Import> {
  const line = await progressLine(deps);
  const show = (n: number) =>
    line?.update({ label: 'uploading', percent: (n / a.size) * 100, processed: n, total: a.size, unit: 'bytes', active: true, tone: 'active', notes: [], amount: byteSize });
  try {
    return await uploadArchive(a, { session, runtime: deps.runtime, signal, log: deps.debug, onProgress: show });
  } catch (err) {
    throw refusal(err);
  } finally {
    line?.end();
  }
}

/** The server's refusals of the archive itself say so (the detail names the limit). */
function refusal(err: unknown): unknown {
  if (err instanceof CliError && err.api?.code === 'payload_too_large') {
    const out = new UsageError(`The server refused the archive: ${err.api.detail ?? 'it is too large'}`);
    out.api = err.api;
    return out;
  }
  return err;
}

/**
 * The import's job: the one the last PATCH started, or — when another job was active — started
 * once that job ended (waiting quietly, polling it).
 */
async function startedJob(imp: Import, session: Session, deps: Deps): Promise<SyncJob> {
  const path = `/v1/imports/${encodeURIComponent(imp.import_id)}`;
  if (imp.job_id !== null) return asSyncJob((await session.request('GET', `/v1/sync/jobs/${encodeURIComponent(imp.job_id)}`)).body);
  const stop = new AbortController();
  const restore = deps.interrupts.once(() => stop.abort());
  let told = '';
  try {
    for (;;) {
      try {
        return asSyncJob((await session.request('POST', `${path}/start`)).body);
      } catch (err) {
        const other = err instanceof ConflictError && err.api?.code === 'sync_in_progress' ? err.api.jobId : undefined;
        if (!other) throw err;
        if (told !== other) {
          deps.io.info(`Another sync job (${other}) is running; the import starts when it ends.`);
          told = other;
        }
        await untilEnded(other, session, deps, stop.signal);
      }
    }
  } catch (err) {
    if (stop.signal.aborted) {
      throw new CancelledError(
        'Stopped waiting; the upload is complete and kept on the server.',
        'Run the same command again to start the import (nothing is uploaded twice).',
      );
    }
    throw err;
  } finally {
    restore();
  }
}

async function untilEnded(jobId: string, session: Session, deps: Deps, signal: AbortSignal): Promise<void> {
  for (;;) {
    await deps.runtime.sleep(WAIT_POLL_MS, signal);
    const job = asSyncJob((await session.request('GET', `/v1/sync/jobs/${encodeURIComponent(jobId)}`)).body);
    if (isTerminal(job)) return;
  }
}

/** A redrawn progress line on a terminal (loaded only then), nothing otherwise. */
async function progressLine(deps: Deps) {
  if (!deps.io.isStderrTTY()) return undefined;
  const { ProgressLine } = await import('../../progress/progress-bar.js');
  const columns = (deps.io.err as { columns?: number }).columns;
  return new ProgressLine(deps.io.err, deps.runtime, { color: deps.io.colorEnabled(), ...(columns ? { columns } : {}) });
}
