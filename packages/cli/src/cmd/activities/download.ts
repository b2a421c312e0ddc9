import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { stringFlag } from '../../args.js';
import type { CommandDefinition, CommandInput } from '../../command.js';
import { NotFoundError, UnavailableError, UsageError } from '../../errors.js';
import type { Deps } from '../../factory.js';
import { printRecord } from '../../output.js';
import { openStream } from '../../stream/open-stream.js';
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

/** A stalled download fails (exit 6) rather than hanging. */
const IDLE_TIMEOUT_MS = 30_000;

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
  let opened: Awaited<ReturnType<typeof openStream>>;
  try {
    opened = await openStream({
      baseUrl: await deps.server(),
      path: `/v1/activities/${encodeURIComponent(opts.activityId)}/fit`,
      session,
      headers: { accept: 'application/vnd.ant.fit, application/octet-stream, application/problem+json' },
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      log: deps.debug,
    });
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError(`Activity ${opts.activityId} not found`, 'see `fitsync activities list`');
    throw err;
  }
  const { res } = opened;
  const expected = Number(res.headers['content-length'] ?? Number.NaN);
  const hash = createHash('sha256');
  let bytes = 0;
  let header = Buffer.alloc(0);
  const check = (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    if (header.length < 12) header = Buffer.concat([header, chunk]).subarray(0, 12);
  };
  const verify = () => {
    if (Number.isFinite(expected) && bytes !== expected) {
      throw new UnavailableError(`the download of activity ${opts.activityId} was cut short (${bytes} of ${expected} bytes)`);
    }
    // Every FIT file starts with a header whose bytes 8–11 are ".FIT" (FIT SDK, "FIT File Header").
    if (header.length < 12 || header.subarray(8, 12).toString('latin1') !== '.FIT') {
      throw new UnavailableError(`the server did not send a FIT file for activity ${opts.activityId}`);
    }
  };
  try {
    if (target === undefined) {
      await pump(res, deps.io.out, check);
      verify();
    } else {
      await writeAtomically(target, opts.force, async (file) => {
        await pump(res, file, check);
        verify();
      });
    }
  } finally {
    opened.close();
  }
  const sha256 = hash.digest('hex');
  if (target === undefined) {
    deps.io.info(`Wrote ${bytes} bytes (sha256 ${sha256}) to stdout.`);
    return 0;
  }
  printRecord(
    deps.io.out,
    await deps.output(),
    { activity_id: opts.activityId, file: target, bytes, sha256 },
    { activity_id: 'Activity', file: 'File', bytes: 'Bytes', sha256: 'SHA-256' },
  );
  return 0;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Copies the response into `dest`, honouring back-pressure; rejects on a broken response or write error. */
function pump(src: NodeJS.ReadableStream & { destroy(err?: Error): void }, dest: Writable, onChunk: (c: Buffer) => void): Promise<void> {
  return new Promise<void>((resolvePump, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      dest.off('error', onDestError);
      if (err) reject(err);
      else resolvePump();
    };
    const onDestError = (err: Error) => {
      src.destroy();
      finish(err);
    };
    dest.on('error', onDestError);
    src.on('data', (c: Buffer) => {
      onChunk(c);
      if (!dest.write(c)) {
        src.pause();
        dest.once('drain', () => src.resume());
      }
    });
    src.on('error', (err: NodeJS.ErrnoException) =>
      finish(err instanceof UnavailableError ? err : new UnavailableError(`the download broke off: ${err.code ?? err.message}`)),
    );
    src.on('end', () => finish());
    // 'close' without 'end': the server hung up mid-body.
    src.on('close', () => finish(new UnavailableError('the download broke off: connection closed')));
  });
}

/**
 * Writes through a temporary file in the target's directory, fsyncs it, then
 * moves it into place: readers never see half a file. Without `force` the
 * final step is link(2), which fails when the target appeared meanwhile
 * instead of replacing it.
 */
async function writeAtomically(target: string, force: boolean, write: (file: Writable) => Promise<void>): Promise<void> {
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
  const file = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
  try {
    await new Promise<void>((ok, fail) => {
      file.once('open', () => ok());
      file.once('error', fail);
    }).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write ${target}: ${err.code ?? err.message}`);
    });
    await write(file);
    await new Promise<void>((ok, fail) => file.end((err?: Error | null) => (err ? fail(err) : ok())));
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (force) await rename(tmp, target);
    else {
      try {
        await link(tmp, target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new UsageError(`${target} already exists`, 'use --force to replace it');
        // A file system without hard links: check, then rename (a small race, documented).
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
        if (await exists(target)) throw new UsageError(`${target} already exists`, 'use --force to replace it');
        await rename(tmp, target);
        return;
      }
      await unlink(tmp);
    }
  } catch (err) {
    file.destroy();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
