import { resolve } from 'node:path';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { CancelledError, NotFoundError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';
import { isFitHead } from '../../stream/fit-head.js';
import { exists, type SavedDownload, saveDownload } from '../../stream/save-download.js';
import { parseId } from '../../sync/flag-values.js';

export const definition: CommandDefinition = {
  group: 'activities',
  name: 'download',
  summary: 'Download the original FIT file of an activity',
  description:
    'Streams the FIT file to FILE (default ACTIVITY_ID.fit in the current directory). The file appears complete or not at all (written to a temporary file, then renamed).\n' +
    'An existing file is not replaced unless --force is given (exit 2). --out - writes the bytes to stdout, which must not be a terminal.',
  usage: 'fitsync activities download ACTIVITY_ID [--out FILE] [--force]',
  maxArgs: 1,
  flags: [
    { name: 'out', type: 'string', value: 'FILE', description: 'where to write the file; - for stdout' },
    { name: 'force', short: 'f', type: 'boolean', description: 'replace FILE if it exists' },
  ],
  examples: [
    'fitsync activities download 18234567890',
    'fitsync activities download 18234567890 --out run.fit --force',
    'fitsync activities download 18234567890 --out - | fitdump -',
  ],
};

export interface DownloadOptions {
  activityId: string;
  /** A path, or "-" for stdout. */
  out: string;
  force: boolean;
}

export function parse({ flags, positionals }: CommandInput): DownloadOptions {
  const activityId = parseId(positionals[0], 'ACTIVITY_ID', definition.usage);
  const out = stringFlag(flags, 'out') ?? `${activityId}.fit`;
  if (out === '') throw new UsageError('--out needs a file name, or - for stdout');
  return { activityId, out, force: flags.force === true };
}

export async function run(opts: DownloadOptions, deps: Deps): Promise<number> {
  const toStdout = opts.out === '-';
  if (toStdout && deps.io.isStdoutTTY()) {
    throw new UsageError('refusing to write a binary FIT file to the terminal', 'redirect stdout, or use --out FILE');
  }
  const target = toStdout ? undefined : resolve(opts.out);
  if (target !== undefined && !opts.force && (await exists(target))) {
    throw new UsageError(`${opts.out} already exists`, 'use --force to replace it, or --out to choose another file');
  }
  const session = await deps.session();
  let saved: SavedDownload;
  // Ctrl-C drops the download and its temporary file: no half-written FIT file is left.
  const stop = new AbortController();
  const restore = deps.interrupts.once(() => stop.abort());
  try {
    saved = await saveDownload(deps, session, {
      path: `/v1/activities/${encodeURIComponent(opts.activityId)}/fit`,
      accept: 'application/vnd.ant.fit, application/octet-stream, application/problem+json',
      target,
      out: deps.io.out,
      force: opts.force,
      what: `activity ${opts.activityId}`,
      checkHead: (head) => (isFitHead(head) ? undefined : `the server did not send a FIT file for activity ${opts.activityId}`),
      signal: stop.signal,
    });
  } catch (err) {
    if (stop.signal.aborted) throw new CancelledError(`Download of activity ${opts.activityId} stopped; ${target === undefined ? 'stdout got part of the file' : 'no file was written'}.`);
    if (err instanceof NotFoundError) throw new NotFoundError(`Activity ${opts.activityId} not found`, 'see `fitsync activities list`');
    throw err;
  } finally {
    restore();
  }
  if (target === undefined) {
    deps.io.info(`Wrote ${saved.bytes} bytes (sha256 ${saved.sha256}) to stdout.`);
    return 0;
  }
  printRecord(
    deps.io.out,
    await deps.output(),
    { activity_id: opts.activityId, file: target, ...saved },
    { activity_id: 'Activity', file: 'File', bytes: 'Bytes', sha256: 'SHA-256' },
  );
  return 0;
}
