import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXPORT_FORMATS, EXPORT_MEDIA, type ExportFormat } from '@fitsync/api';
import { listActivities } from '../../activities/activity-api.js';
import type { ExportJob, ExportResult } from '../../activities/export-files.js';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { CancelledError, exitCodeFor, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { type Column, printRows, type Scalar } from '../../output.js';
import { exists } from '../../stream/save-download.js';
import { parseDateRange, parseId } from '../../sync/flag-values.js';

export const definition: CommandDefinition = {
  group: 'activities',
  name: 'export',
  summary: 'Export activities as GPX, TCX, CSV or FIT files',
  description:
    'Writes each activity to DIR/ACTIVITY_ID.EXT (DIR: --dir, default the current directory, created if missing),\n' +
    'or one activity to --out FILE (- for stdout). With --since/--until instead of ids, every activity whose\n' +
    'start day (UTC) is in the range. Files appear complete or not at all; existing files are never replaced\n' +
    'without --force (nothing is exported then, exit 2). A few exports run at once; on a terminal a progress bar\n' +
    'shows on stderr. An activity that cannot be exported (not found, FIT file not decodable, no track for GPX)\n' +
    'is reported and skipped, and the exit code is then non-zero (4 not found, 5 not exportable).\n' +
    'Formats: gpx (GPX 1.1, heart rate and cadence as Garmin extensions), tcx (Training Center v2, with laps),\n' +
    'csv (the records), fit (the original file).',
  usage:
    'fitsync activities export ACTIVITY_ID… --format gpx|tcx|csv|fit [--out FILE | --dir DIR] [--force]\n' +
    '       fitsync activities export --since YYYY-MM-DD [--until YYYY-MM-DD] --format F [--dir DIR] [--force]',
  maxArgs: 10_000,
  flags: [
    { name: 'format', short: 'F', type: 'string', value: 'FORMAT', description: `file format: ${EXPORT_FORMATS.join(', ')}`, values: EXPORT_FORMATS },
    { name: 'out', type: 'string', value: 'FILE', description: 'the file for a single ACTIVITY_ID; - for stdout' },
    { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'the directory for ACTIVITY_ID.EXT files (default: current)' },
    { name: 'since', type: 'string', value: 'YYYY-MM-DD', description: 'every activity from this day on (instead of ids)' },
    { name: 'until', type: 'string', value: 'YYYY-MM-DD', description: 'every activity up to this day (instead of ids)' },
    { name: 'force', short: 'f', type: 'boolean', description: 'replace files that exist' },
  ],
  examples: [
    'fitsync activities export 18234567890 --format gpx',
    'fitsync activities export 18234567890 --format tcx --out run.tcx',
    'fitsync activities export 18234567890 18234567891 --format csv --dir exports',
    'fitsync activities export --since 2026-01-01 --until 2026-03-31 --format gpx --dir gpx --force',
    'fitsync activities export 18234567890 --format gpx --out - | gpsbabel -i gpx -f - -o kml -F run.kml',
  ],
};

export interface ActivitiesExportOptions {
  format: ExportFormat;
  /** Ids as given (duplicates removed); empty with a date range. */
  ids: string[];
  since?: string;
  until?: string;
  /** A file, or "-" for stdout (one id only). */
  out?: string;
  dir: string;
  force: boolean;
}

export function parse({ flags, positionals }: CommandInput): ActivitiesExportOptions {
  const format = stringFlag(flags, 'format');
  if (format === undefined) throw new UsageError('--format is required', `use one of: ${EXPORT_FORMATS.join(', ')}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`unknown --format "${format.slice(0, 40)}"`, `use one of: ${EXPORT_FORMATS.join(', ')}`);
  }
  const ids = [...new Set(positionals.map((p) => parseId(p, 'ACTIVITY_ID', definition.usage)))];
  const range = parseDateRange(stringFlag(flags, 'since'), stringFlag(flags, 'until'));
  const byRange = range.since !== undefined || range.until !== undefined;
  if (ids.length > 0 && byRange) throw new UsageError('give ACTIVITY_IDs or --since/--until, not both', `usage: ${definition.usage}`);
  if (ids.length === 0 && !byRange) throw new UsageError('ACTIVITY_ID or --since is required', `usage: ${definition.usage}`);
  const out = stringFlag(flags, 'out');
  const dir = stringFlag(flags, 'dir');
  if (out !== undefined && dir !== undefined) throw new UsageError('--out and --dir cannot be used together', '--out names one file, --dir a directory for several');
  if (out !== undefined && (byRange || ids.length !== 1)) {
    throw new UsageError('--out takes exactly one ACTIVITY_ID', 'use --dir DIR for several activities or a date range');
  }
  if (out === '') throw new UsageError('--out needs a file name, or - for stdout');
  if (dir === '') throw new UsageError('--dir needs a directory');
  return { format: format as ExportFormat, ids, ...range, ...(out !== undefined ? { out } : {}), dir: dir ?? '.', force: flags.force === true };
}

/** How many existing files an error message names before "and N more". */
const NAMED_FILES = 5;
/** Activities a date range may cover: far more than anyone has, so the range is never cut short. */
const RANGE_LIMIT = 1_000_000;

const TABLE: Column[] = [
  { key: 'activity_id', header: 'activity' },
  { key: 'result', header: 'result' },
  { key: 'bytes', header: 'bytes' },
  { key: 'file', header: 'file' },
];
const RAW: Column[] = ['activity_id', 'file', 'bytes', 'sha256', 'error'].map((k) => ({ key: k, header: k }));

export async function run(opts: ActivitiesExportOptions, deps: Deps): Promise<number> {
  const toStdout = opts.out === '-';
  if (toStdout && opts.format === 'fit' && deps.io.isStdoutTTY()) {
    throw new UsageError('refusing to write a binary FIT file to the terminal', 'redirect stdout, or use --out FILE');
  }
  const jobs = await plan(opts, deps);
  if (jobs.length === 0) {
    deps.io.info(`No activities between ${opts.since ?? 'the first'} and ${opts.until ?? 'today'}; nothing exported.`);
    return 0;
  }
  if (!opts.force) await refuseExisting(jobs);
  if (!toStdout) {
    await mkdir(resolve(opts.dir), { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot create ${opts.dir}: ${err.code ?? err.message}`);
    });
  }
  const started = deps.runtime.now();
  const progress = jobs.length > 1 && deps.io.isStderrTTY() ? await progressLine(deps, jobs.length) : undefined;
  const { exportFiles } = await import('../../activities/export-files.js');
  let run: Awaited<ReturnType<typeof exportFiles>>;
  // Ctrl-C stops the exports under way (their temporary files removed) and tells what was written.
  const stop = new AbortController();
  const restore = deps.interrupts.once(() => stop.abort());
  let written = 0;
  try {
    run = await exportFiles(deps, jobs, {
      format: opts.format,
      force: opts.force,
      signal: stop.signal,
      onDone: (r, done) => {
        if (r.error === null) written++;
        progress?.(done, false);
      },
    });
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    throw new CancelledError(
      `Export stopped: ${written} of ${jobs.length} ${jobs.length === 1 ? 'file' : 'files'} written, each complete; no partial file was left.`,
      'run the same command again with --force to export them all, or name the missing activities',
    );
  } finally {
    restore();
    progress?.(-1, true);
  }
  const { results, failures } = run;
  const ok = results.filter((r) => r.error === null);
  const bytes = ok.reduce((n, r) => n + (r.bytes ?? 0), 0);
  if (!toStdout) {
    const format = await deps.output();
    const rows = format === 'table' ? results.map(tableRow) : (results as unknown as Record<string, Scalar>[]);
    printRows(deps.io.out, format, rows, format === 'table' ? TABLE : RAW, 'exports');
  }
  for (const r of results) if (r.error !== null) deps.io.warn(`activity ${r.activity_id} not exported: ${r.error}`);
  const seconds = (deps.runtime.now() - started) / 1000;
  const where = toStdout ? 'stdout' : resolve(opts.dir);
  const failed = failures.length > 0 ? `; ${failures.length} failed` : '';
  deps.io.info(
    `Exported ${ok.length} of ${jobs.length} ${jobs.length === 1 ? 'activity' : 'activities'} as ${opts.format.toUpperCase()} to ${opts.out !== undefined && !toStdout ? resolve(opts.out) : where} (${sizeText(bytes)}) in ${seconds.toFixed(1)} s${failed}.`,
  );
  const first = failures[0];
  return first === undefined ? 0 : exitCodeFor(first);
}

/** The activities and their files: the ids given, or the range's activities from the API. */
async function plan(opts: ActivitiesExportOptions, deps: Deps): Promise<ExportJob[]> {
  const ids =
    opts.ids.length > 0
      ? opts.ids
      : (await listActivities(deps, { limit: RANGE_LIMIT, ...(opts.since ? { since: opts.since } : {}), ...(opts.until ? { until: opts.until } : {}) })).map(
          (a) => a.activity_id,
        );
  const ext = EXPORT_MEDIA[opts.format].ext;
  return [...new Set(ids)].map((activityId) => ({
    activityId,
    target: opts.out === '-' ? undefined : resolve(opts.out ?? join(opts.dir, `${activityId}.${ext}`)),
  }));
}

/** Exit 2 before any request when a file would be replaced, naming the files. */
async function refuseExisting(jobs: readonly ExportJob[]): Promise<void> {
  const there: string[] = [];
  for (const j of jobs) if (j.target !== undefined && (await exists(j.target))) there.push(j.target);
  if (there.length === 0) return;
  const named = there.slice(0, NAMED_FILES).join(', ') + (there.length > NAMED_FILES ? ` and ${there.length - NAMED_FILES} more` : '');
  throw new UsageError(
    `${there.length === 1 ? 'a file exists' : `${there.length} files exist`} already: ${named}; nothing was exported`,
    'use --force to replace them, or choose another --dir/--out',
  );
}

/** A progress bar on stderr for many exports: `(done, false)` after each, `(_, true)` at the end. */
async function progressLine(deps: Deps, total: number): Promise<(done: number, end: boolean) => void> {
  const { ProgressLine } = await import('../../progress/progress-bar.js');
  const columns = (deps.io.err as { columns?: number }).columns;
  const bar = new ProgressLine(deps.io.err, deps.runtime, { color: deps.io.colorEnabled(), ...(columns ? { columns } : {}) });
  let last = 0;
  const state = (done: number, end: boolean) => ({
    label: end ? 'done' : 'exporting',
    percent: (done / total) * 100,
    processed: done,
    total,
    unit: 'files',
    active: !end,
    tone: end ? ('ok' as const) : ('active' as const),
    notes: [],
  });
  bar.update(state(0, false));
  return (done, end) => {
    if (end) bar.done(state(last, true));
    else {
      last = done;
      bar.update(state(done, false));
    }
  };
}

function tableRow(r: ExportResult): Record<string, Scalar> {
  return { activity_id: r.activity_id, result: r.error === null ? 'exported' : 'failed', bytes: r.bytes, file: r.file };
}

/** Bytes as "512 B", "12.3 kB", "4.5 MB". */
function sizeText(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}
