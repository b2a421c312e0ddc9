import type { SyncJob } from '@fitsync/api';
import { JobFailedError } from '../errors.js';
import type { OutputFormat } from '../globals.js';
import type { OutStream } from '../iostreams.js';
import { type Column, printRecord, printRows, type Scalar } from '../output.js';
import { oneLine } from './format.js';

const LABELS: Record<string, string> = {
  job_id: 'Job',
  status: 'Status',
  sync_type: 'Type',
  trigger: 'Started by',
  progress: 'Progress',
  items: 'Items',
  since: 'Since',
  until: 'Until',
  full: 'Full',
  created_at: 'Created',
  start_time: 'Started',
  end_time: 'Ended',
  error_message: 'Error',
  message: 'Note',
  activities: 'Activities',
  health: 'Health days',
  workouts: 'Workouts',
};

type Counts = SyncJob['counts']['activities'];
function countsText(c: Counts): string {
  return `${c.new} new, ${c.updated} updated, ${c.unchanged} unchanged`;
}

/** "126/300" or "126" when the total is not known yet. */
export function itemsText(job: SyncJob): string {
  return job.total_items === null ? String(job.processed_items) : `${job.processed_items}/${job.total_items}`;
}

/** Flat fields for table and CSV output (JSON prints the SyncJob itself). */
export function jobRecord(job: SyncJob): Record<string, Scalar> {
  return {
    job_id: job.job_id,
    status: job.status,
    sync_type: job.sync_type,
    trigger: job.trigger,
    progress: `${job.progress}%`,
    items: itemsText(job),
    since: job.since,
    until: job.until,
    full: job.full,
    created_at: job.created_at,
    start_time: job.start_time,
    end_time: job.end_time,
    error_message: job.error_message === null ? null : oneLine(job.error_message),
    // How a job that did not fail ended, e.g. a scheduled run that found nothing new.
    message: job.message === null ? null : oneLine(job.message),
    activities: countsText(job.counts.activities),
    health: countsText(job.counts.health),
    workouts: countsText(job.counts.workouts),
  };
}

/** One job on stdout: the SyncJob document for `-o json`, "key: value" lines or CSV otherwise. */
export function printJob(out: OutStream, format: OutputFormat, job: SyncJob): void {
  if (format === 'json') {
    out.write(`${JSON.stringify(job, null, 2)}\n`);
    return;
  }
  printRecord(out, format, jobRecord(job), LABELS);
}

const LIST_COLUMNS: Column[] = [
  { key: 'job_id', header: 'id' },
  { key: 'status', header: 'status' },
  { key: 'sync_type', header: 'type' },
  { key: 'trigger', header: 'trigger' },
  { key: 'progress', header: 'progress' },
  { key: 'items', header: 'items' },
  { key: 'created_at', header: 'created' },
  { key: 'end_time', header: 'ended' },
  { key: 'error_message', header: 'error' },
];

export function printJobList(out: OutStream, format: OutputFormat, jobs: SyncJob[], nextCursor: string | null): void {
  if (format === 'json') {
    out.write(`${JSON.stringify({ jobs, next_cursor: nextCursor }, null, 2)}\n`);
    return;
  }
  printRows(out, format, jobs.map(jobRecord), LIST_COLUMNS, 'jobs');
}

/** The exit of a followed job: 0 when completed, JobFailedError (exit 7) when failed or cancelled. */
export function exitForFollowed(job: SyncJob): number {
  if (job.status === 'completed') return 0;
  const why = job.error_message ? `: ${oneLine(job.error_message)}` : '';
  throw new JobFailedError(`Sync job ${job.job_id} ${job.status}${why}`);
}

/** A one-line description of a job's state, for non-TTY progress and messages. */
export function jobLine(job: SyncJob): string {
  const parts = [`job ${job.job_id}`, job.status, `${job.progress}%`, `${itemsText(job)} items`];
  const c = job.counts;
  const sum = (x: Counts) => x.new + x.updated + x.unchanged;
  if (sum(c.activities) > 0) parts.push(`activities ${countsText(c.activities)}`);
  if (sum(c.health) > 0) parts.push(`health ${countsText(c.health)}`);
  if (sum(c.workouts) > 0) parts.push(`workouts ${countsText(c.workouts)}`);
  if (job.error_message) parts.push(`error: ${oneLine(job.error_message)}`);
  return parts.join('  ');
}
