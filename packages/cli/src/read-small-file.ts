import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from './errors.js';

/** The most the CLI reads of config.toml or credentials.toml: real ones are a few KiB. */
export const MAX_LOCAL_FILE_BYTES = 1024 * 1024;

/**
 * Reads a small local file as UTF-8, never more than `maxBytes` (+1 to notice
 * a bigger one): a huge or endless file (a mistake, or /dev/zero behind a
 * symlink) is refused with a UsageError (exit 2) naming it, instead of being
 * loaded whole. File-system errors are thrown as they are (ENOENT…).
 */
export function readSmallFile(path: string, maxBytes = MAX_LOCAL_FILE_BYTES): string {
  const fd = openSync(path, 'r');
  try {
    return readSmallFd(fd, maxBytes, () => new UsageError(
      `${path} is larger than ${maxBytes / 1024 / 1024} MiB; refusing to read it`,
      'it is not a file fitsync wrote: move it away (for credentials.toml, then run `fitsync auth login`)',
    ));
  } finally {
    closeSync(fd);
  }
}

/** Reads an open file as UTF-8, at most `maxBytes`; a bigger one throws `tooBig()`. The caller closes `fd`. */
export function readSmallFd(fd: number, maxBytes: number, tooBig: () => Error): string {
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  let n = 0;
  for (;;) {
    const got = readSync(fd, buf, n, buf.length - n, null);
    if (got === 0) break;
    n += got;
    if (n > maxBytes) throw tooBig();
  }
  return buf.toString('utf8', 0, n);
}
