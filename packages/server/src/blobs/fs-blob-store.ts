import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../db/db.js';
import { liveUploads, referencedFits } from './blob-refs.js';
import type { BlobStore, GcCounts } from './blob-store.js';
import { FIT_FILE, FIT_TEMP, FsFitBlobs } from './fs-fit-blobs.js';
import { FsUploadBlobs } from './fs-upload-blobs.js';

/** A FIT file the collector set aside while it checks again (`.<sha>.gc`); restored or removed. */
const ASIDE = /^\.([0-9a-f]{64})\.gc$/;

/** Blobs in the data dir: `fit/` and `imports/` (FITSYNC_BLOB_STORE=fs, the default with SQLite). */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs' as const;
  readonly fit: FsFitBlobs;
  readonly uploads: FsUploadBlobs;

  /** File ages are the file system's (the wall clock), whatever clock the app runs on. */
  constructor(dataDir: string) {
    this.fit = new FsFitBlobs(join(dataDir, 'fit'));
    this.uploads = new FsUploadBlobs(join(dataDir, 'imports'));
  }

  async close(): Promise<void> {}

  async collect(q: Queryable, cutoffMs: number): Promise<GcCounts> {
    const counts: GcCounts = { fit: 0, upload: 0, partial: 0 };
    for (const dir of await readdir(this.fit.root).catch(() => [] as string[])) {
      if (/^[0-9a-f]{2}$/.test(dir)) await this.collectFitDir(q, join(this.fit.root, dir), cutoffMs, counts);
    }
    await this.collectUploads(q, cutoffMs, counts);
    return counts;
  }

  /**
   * Old files no activity names are renamed aside, then judged again: a put that renamed the same
   * bytes into place meanwhile made a new file (the aside one keeps its old mtime, and the new one
   * is not touched), `has` touches the file before a caller relies on it (a touched aside file is
   * restored), and a row committed meanwhile is seen by the second reference check.
   */
  private async collectFitDir(q: Queryable, dir: string, cutoffMs: number, counts: GcCounts): Promise<void> {
    const old: string[] = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      const aside = ASIDE.exec(name);
      if (aside) {
        // A collector cut off between its rename and its decision: put it back, judge it next time.
        await this.restore(path, join(dir, `${aside[1]}.fit`));
        continue;
      }
      const st = await stat(path).catch(() => null);
      if (!st || st.mtimeMs >= cutoffMs) continue;
      if (FIT_TEMP.test(name)) {
        if (await unlinked(path)) counts.partial++;
        continue;
      }
      const m = FIT_FILE.exec(name);
      if (m) old.push(m[1]!);
    }
    if (old.length === 0) return;
    const referenced = await referencedFits(q, old);
    const setAside: string[] = [];
    for (const sha of old) {
      if (referenced.has(sha)) continue;
      try {
        await rename(join(dir, `${sha}.fit`), join(dir, `.${sha}.gc`));
        setAside.push(sha);
      } catch {
        // Gone already.
      }
    }
    if (setAside.length === 0) return;
    const now = await referencedFits(q, setAside);
    for (const sha of setAside) {
      const aside = join(dir, `.${sha}.gc`);
      const st = await stat(aside).catch(() => null);
      if (!st) continue;
      if (now.has(sha) || st.mtimeMs >= cutoffMs) await this.restore(aside, join(dir, `${sha}.fit`));
      else if (await unlinked(aside)) counts.fit++;
    }
  }

  /** Puts an aside file back unless a put stored the same bytes again meanwhile. */
  private async restore(aside: string, path: string): Promise<void> {
    if (await stat(path).catch(() => null)) await unlinked(aside);
    else await rename(aside, path).catch(() => {});
  }

  /** Uploads of imports that are gone or whose job ended, untouched since the cutoff. */
  private async collectUploads(q: Queryable, cutoffMs: number, counts: GcCounts): Promise<void> {
    const found: { id: string; path: string }[] = [];
    for await (const id of this.uploads.list()) {
      const path = this.uploads.pathOf(id);
      const st = await stat(path).catch(() => null);
      if (st && st.mtimeMs < cutoffMs) found.push({ id, path });
    }
    const live = await liveUploads(
      q,
      found.map((f) => f.id),
    );
    for (const f of found) if (!live.has(f.id) && (await unlinked(f.path))) counts.upload++;
  }
}

async function unlinked(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch {
    return false;
  }
}
