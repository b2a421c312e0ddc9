import { createHash } from 'node:crypto';
import { close, constants, createReadStream, open, write } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlobNotFoundError, checkSha256, type FitBlobs } from './blob-store.js';

// A sync writes thousands of files, and each thread-pool round trip costs two thread wake-ups:
// `put` takes four (open with O_SYNC, write, close, rename; not five with a separate fsync), on
// the callback forms, without the bookkeeping fs/promises' FileHandle adds to each of them.
const openFd = promisify(open);
const writeFd = promisify(write);
const closeFd = promisify(close);

/** `<sha>.fit`: a stored file; `.<sha>.<pid>.<n>.tmp`: a put in progress (or cut off by a crash). */
export const FIT_FILE = /^([0-9a-f]{64})\.fit$/;
export const FIT_TEMP = /^\.[0-9a-f]{64}\..*\.tmp$/;

/**
 * Original FIT files, content-addressed under `<dataDir>/fit/<sha[0:2]>/<sha>.fit` (the layout of
 * every data dir so far). A file is written to a temporary name, fsynced and renamed, so a reader
 * (or a restart after kill -9) never sees a partial file; the database row naming it is written
 * only after `put` resolves. The same bytes always land in the same file, so a re-download after a
 * crash is harmless, and the rename gives the file a fresh mtime: its age for the collector.
 */
export class FsFitBlobs implements FitBlobs {
  private readonly madeDirs = new Set<string>();
  private seq = 0;

  constructor(readonly root: string) {}

  /** Path of the file with this SHA-256 (hex). */
  pathOf(sha256: string): string {
    checkSha256(sha256);
    return join(this.root, sha256.slice(0, 2), `${sha256}.fit`);
  }

  async has(sha256: string): Promise<boolean> {
    const path = this.pathOf(sha256);
    try {
      if ((await stat(path)).size === 0) return false;
      // A caller that finds the file skips its put and writes a row naming it: the file is young
      // again. The wall clock, as the rename of a put gives it.
      const t = new Date();
      await utimes(path, t, t);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stores the bytes durably; returns their hash and size. Writing a file that already exists
   * just replaces it with the same bytes (rename is atomic), so no existence check is needed.
   */
  async put(bytes: Buffer): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.pathOf(sha256);
    const dir = join(this.root, sha256.slice(0, 2));
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.madeDirs.add(dir);
    }
    this.seq = (this.seq + 1) % 1_000_000_000;
    const tmp = join(dir, `.${sha256}.${process.pid}.${this.seq}.tmp`);
    // O_SYNC: a write returns once its bytes and the file's metadata are on disk, as write + fsync.
    const fd = await openFd(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_SYNC, 0o600);
    try {
      for (let off = 0; off < bytes.length; ) off += (await writeFd(fd, bytes, off, bytes.length - off, off)).bytesWritten;
    } catch (err) {
      await closeFd(fd).catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await closeFd(fd);
    try {
      await rename(tmp, path);
    } catch (err) {
      // The collector may have removed an empty fan-out dir between the mkdir and now.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.madeDirs.delete(dir);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rename(tmp, path);
    }
    return { sha256, size: bytes.length };
  }

  async read(sha256: string): Promise<Buffer | null> {
    return readFile(this.pathOf(sha256)).catch(() => null);
  }

  async open(sha256: string) {
    const path = this.pathOf(sha256);
    const st = await stat(path).catch(() => null);
    if (!st) throw new BlobNotFoundError(`no FIT file ${sha256}`);
    return { stream: createReadStream(path), size: st.size };
  }

  async delete(sha256: string): Promise<void> {
    await unlink(this.pathOf(sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async *list(): AsyncIterable<string> {
    for (const dir of await readdir(this.root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of await readdir(join(this.root, dir)).catch(() => [] as string[])) {
        const m = FIT_FILE.exec(name);
        if (m) yield m[1]!;
      }
    }
  }
}
