import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CancelledError, CliError, UnavailableError, UsageError } from '../errors.js';
import type { Deps } from '../factory.js';
import type { Session } from '../session.js';
import { openStream } from './open-stream.js';

/** A stalled download fails (exit 6) rather than hanging. */
const IDLE_TIMEOUT_MS = 30_000;

export interface SaveDownloadOptions {
  /** The API path to GET (authenticated, streamed). */
  path: string;
  accept: string;
  /** An absolute file path, or undefined for `out`. */
  target: string | undefined;
  /** Where bytes go when there is no target (stdout). */
  out: Writable;
  force: boolean;
  /** Names the download in messages ("activity 123"). */
  what: string;
  /** Checks the first bytes (up to 12) once the body is complete; a message when they are wrong. */
  checkHead?: (head: Buffer) => string | undefined;
  /**
   * Stops the download (Ctrl-C): the response is dropped, the temporary file removed, and a
   * CancelledError thrown; a target file is never left half written.
   */
  signal?: AbortSignal;
}

export interface SavedDownload {
  bytes: number;
  sha256: string;
}

/**
 * GETs `path` and streams the body to `target` (atomically: a temporary file renamed into place,
 * so a broken download leaves no file) or to `out`. The body is checked against Content-Length.
 * Error answers become the typed errors of client/problem.ts.
 */
export async function saveDownload(deps: Deps, session: Session, o: SaveDownloadOptions): Promise<SavedDownload> {
  const stopped = () => new CancelledError(`the download of ${o.what} was stopped`);
  if (o.signal?.aborted) throw stopped();
  const opened = await openStream({
    baseUrl: await deps.server(),
    path: o.path,
    session,
    headers: { accept: o.accept },
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    log: deps.debug,
  });
  const { res } = opened;
  const onAbort = () => res.destroy(stopped());
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });
  const expected = Number(res.headers['content-length'] ?? Number.NaN);
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const check = (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    if (head.length < 12) head = Buffer.concat([head, chunk]).subarray(0, 12);
  };
  const verify = () => {
    if (Number.isFinite(expected) && bytes !== expected) {
      throw new UnavailableError(`the download of ${o.what} was cut short (${bytes} of ${expected} bytes)`);
    }
    const wrong = o.checkHead?.(head);
    if (wrong !== undefined) throw new UnavailableError(wrong);
  };
  try {
    if (o.target === undefined) {
      await pump(res, o.out, check);
      verify();
    } else {
      await writeAtomically(o.target, o.force, async (file) => {
        await pump(res, file, check);
        verify();
      });
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    opened.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

export async function exists(path: string): Promise<boolean> {
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
    // The response may have closed while the target file was being opened (a loaded machine):
    // a destroyed stream emits nothing more, so waiting for 'end' or 'close' would hang forever.
    if ((src as Readable).destroyed) {
      const why = (src as Readable).errored;
      finish(why instanceof CliError ? why : new UnavailableError('the download broke off: connection closed'));
      return;
    }
    src.on('data', (c: Buffer) => {
      onChunk(c);
      if (!dest.write(c)) {
        src.pause();
        dest.once('drain', () => src.resume());
      }
    });
    src.on('error', (err: NodeJS.ErrnoException) =>
      finish(err instanceof CliError ? err : new UnavailableError(`the download broke off: ${err.code ?? err.message}`)),
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
export async function writeAtomically(target: string, force: boolean, write: (file: Writable) => Promise<void>): Promise<void> {
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
    // fdatasync: the data and the size reach the disk before the name points at them.
    const fh = await open(tmp, 'r');
    try {
      await fh.datasync();
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
