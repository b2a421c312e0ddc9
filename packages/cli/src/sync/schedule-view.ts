import type { SyncSchedule } from '@fitsync/api';
import { formatDuration } from '@fitsync/api/rules';
import type { OutputFormat } from '../globals.js';
import { localTime } from '../health/health-format.js';
import type { OutStream } from '../iostreams.js';
import { printRecord, type Scalar } from '../output.js';

const LABELS: Record<string, string> = {
  every: 'Every',
  sync_type: 'Type',
  enabled: 'Enabled',
  next_run_at: 'Next run',
  last_run_at: 'Last run',
  last_job_id: 'Last job',
};

/** How far `ms` is from `now`, for people: "in 12 min", "3 h 5 min ago", "in 2 d 4 h", "now". */
export function relativeTime(ms: number, now: number): string {
  const diffMin = Math.round((ms - now) / 60_000);
  if (diffMin === 0) return ms >= now ? 'in less than a minute' : 'just now';
  const m = Math.abs(diffMin);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  const text = d > 0 ? `${d} d${h > 0 ? ` ${h} h` : ''}` : h > 0 ? `${h} h${min > 0 ? ` ${min} min` : ''}` : `${min} min`;
  return diffMin > 0 ? `in ${text}` : `${text} ago`;
}

/** A time as "YYYY-MM-DD HH:MM (in 12 min)" on the user's clock. */
function when(iso: string | null, now: number): string | null {
  return iso === null ? null : `${localTime(iso)} (${relativeTime(Date.parse(iso), now)})`;
}

/** One schedule on stdout: the SyncSchedule document for `-o json`, "key: value" lines (or CSV, times as sent) otherwise. */
export function printSchedule(out: OutStream, format: OutputFormat, s: SyncSchedule, now: number): void {
  if (format === 'json') {
    out.write(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const csv = format === 'csv';
  // CSV keeps the API's names and values (seconds, ISO times); people get "6h" and local times.
  const record: Record<string, Scalar> = {
    ...(csv ? { every_s: s.every_s } : { every: s.every_s === null ? null : formatDuration(s.every_s) }),
    sync_type: s.sync_type,
    enabled: s.enabled,
    next_run_at: csv ? s.next_run_at : when(s.next_run_at, now),
    last_run_at: csv ? s.last_run_at : when(s.last_run_at, now),
    last_job_id: s.last_job_id,
  };
  printRecord(out, format, record, LABELS);
}
