import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';

export interface LocalArchive {
  path: string;
  size: number;
}

/** A zip's first bytes: a local file header, or the end record of an empty archive. */
const ZIP_SIGNATURES = [Buffer.from('PK\u0003\u0004', 'latin1'), Buffer.from('PK\u0005\u0006', 'latin1')];

/**
 * Checks before anything is sent: the file exists, is a regular readable file, and starts like a
 * zip. Garmin's export is a zip; anything else would cost an upload only to be refused.
 */
export async function checkArchive(path: string): Promise<LocalArchive> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new UsageError(`${path} is not a regular file`, "give the path of the zip Garmin e-mailed (Export your data)");
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${path} does not exist`);
    throw new UsageError(`cannot read ${path} (${code ?? 'error'})`);
  }
  const head = Buffer.alloc(4);
  try {
    const fh = await open(path, 'r');
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new UsageError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size < 4 || !ZIP_SIGNATURES.some((sig) => sig.equals(head))) {
    throw new UsageError(`${path} is not a zip archive`, "give the zip Garmin e-mailed (Export your data), as downloaded: not unpacked");
  }
  return { path, size };
}

/** The file's SHA-256, streamed (never the whole file in memory); `onProgress` gets the bytes read so far. */
export async function hashArchive(a: LocalArchive, onProgress?: (read: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let read = 0;
  try {
    for await (const chunk of createReadStream(a.path, { highWaterMark: 1024 * 1024, ...(signal ? { signal } : {}) })) {
      hash.update(chunk as Buffer);
      read += (chunk as Buffer).length;
      onProgress?.(read);
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new UsageError(`cannot read ${a.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (read !== a.size) throw new UsageError(`${a.path} changed while it was being read`, 'wait until the download has finished');
  return hash.digest('hex');
}
