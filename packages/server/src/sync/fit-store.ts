import { createHash } from 'node:crypto';
import { close, constants, createReadStream, open, type ReadStream, write } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SHA256 = /^[0-9a-f]{64}$/;

// A sync writes thousands of files, and each thread-pool round trip costs two thread wake-ups:
// `put` takes four (open with O_SYNC, write, close, rename; not five with a separate fsync), on
// the callback forms, without the bookkeeping fs/promises' FileHandle adds to each of them.
const openFd = promisify(open);
const writeFd = promisify(write);
const closeFd = promisify(close);

/**
 * Original FIT files, content-addressed under `<dataDir>/fit/<sha[0:2]>/<sha>.fit`. A file is
 * written to a temporary name, fsynced and renamed, so a reader (or a restart after kill -9) never
 * sees a partial file; the database row naming it is written only after `put` resolves. The same
 * bytes always land in the same file, so a re-download after a crash is harmless.
 */
export class FitStore {
  readonly root: string;
  private readonly madeDirs = new Set<string>();
  private seq = 0;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'fit');
  }

  /** Path of the file with this SHA-256 (hex). */
  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error('not a sha256');
    return join(this.root, sha256.slice(0, 2), `${sha256}.fit`);
  }

  /** Whether the file is stored (and non-empty). */
  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).size > 0;
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
    await rename(tmp, path);
    return { sha256, size: bytes.length };
  }

  /** Nothing to release today; kept so the server's shutdown path stays the same if that changes. */
  async close(): Promise<void> {}

  /** A stream of the stored file; rejects (ENOENT) when it is missing. */
  async open(sha256: string): Promise<{ stream: ReadStream; size: number }> {
    const path = this.pathOf(sha256);
    const st = await stat(path);
    return { stream: createReadStream(path), size: st.size };
  }
}
