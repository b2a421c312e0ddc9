import { EXPORT_MEDIA, type ExportFormat } from '@fitsync/api';
import { type CliError, ConflictError, NotFoundError } from '../errors.js';
import type { Deps } from '../factory.js';
import { isFitHead } from '../stream/fit-head.js';
import { saveDownload } from '../stream/save-download.js';
import { notFound } from './activity-api.js';

/** One export to make: the activity and the file it goes to (undefined: stdout). */
export interface ExportJob {
  activityId: string;
  target: string | undefined;
}

export interface ExportResult {
  activity_id: string;
  file: string | null;
  bytes: number | null;
  sha256: string | null;
  /** Why this activity was not exported; null when it was. */
  error: string | null;
}

export interface ExportRun {
  results: ExportResult[];
  /** The errors of the activities that failed, in the order of `jobs`. */
  failures: CliError[];
}

/** Exports run this many at a time: enough to hide request latency, few enough to spare the server. */
export const EXPORT_PARALLELISM = 4;

/**
 * An error that concerns one activity only (not found, not decodable, nothing to export): it is
 * reported and the others go on. Anything else (signed out, server down, disk full) stops the run.
 */
function concernsOneActivity(err: unknown): err is CliError {
  return err instanceof NotFoundError || (err instanceof ConflictError && (err.api?.code === 'decode_error' || err.api?.code === 'nothing_to_export'));
}

/**
 * Streams `GET /v1/activities/{id}/export?format=F` of every job to its file (atomically, see
 * stream/save-download.ts), EXPORT_PARALLELISM at a time, calling `onDone` after each. An error of
 * one activity is recorded in its result; any other error stops starting new exports, waits for
 * those under way and is thrown. `signal` (Ctrl-C) stops them all, leaving only whole files.
 */
export async function exportFiles(
  deps: Deps,
  jobs: readonly ExportJob[],
  o: { format: ExportFormat; force: boolean; onDone?: (r: ExportResult, done: number) => void; signal?: AbortSignal },
): Promise<ExportRun> {
  const session = await deps.session();
  const results: ExportResult[] = new Array(jobs.length);
  const errors: (CliError | undefined)[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  let fatal: { err: unknown } | undefined;
  const worker = async () => {
    while (fatal === undefined && next < jobs.length) {
      const i = next++;
      const job = jobs[i] as ExportJob;
      const base = { activity_id: job.activityId, file: job.target ?? null };
      try {
        const saved = await saveDownload(deps, session, {
          path: `/v1/activities/${encodeURIComponent(job.activityId)}/export?format=${o.format}`,
          accept: `${EXPORT_MEDIA[o.format].type}, application/problem+json`,
          target: job.target,
          out: deps.io.out,
          force: o.force,
          what: `activity ${job.activityId}`,
          ...(o.signal ? { signal: o.signal } : {}),
          ...(o.format === 'fit'
            ? { checkHead: (head: Buffer) => (isFitHead(head) ? undefined : `the server did not send a FIT file for activity ${job.activityId}`) }
            : {}),
        });
        results[i] = { ...base, ...saved, error: null };
      } catch (err) {
        if (!concernsOneActivity(err)) {
          fatal ??= { err };
          return;
        }
        const e = err instanceof NotFoundError ? notFound(job.activityId) : err;
        errors[i] = e;
        results[i] = { ...base, file: null, bytes: null, sha256: null, error: e.message };
      }
      o.onDone?.(results[i] as ExportResult, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(EXPORT_PARALLELISM, jobs.length) }, worker));
  if (fatal) throw fatal.err;
  return { results, failures: errors.filter((e): e is CliError => e !== undefined) };
}
