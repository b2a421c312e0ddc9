import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AppendEnd, type AppendOptions, type AppendResult, BlobNotFoundError, type ByteSource, checkUploadName, isDropped, type UploadBlobs } from './blob-store.js';

/**
 * Import uploads as files `<dataDir>/imports/<id>.zip` (the layout so far), appended in place and
 * fsynced at each checkpoint.
 */
export class FsUploadBlobs implements UploadBlobs {
  constructor(readonly dir: string) {}

  pathOf(name: string): string {
    return join(this.dir, `${checkUploadName(name)}.zip`);
  }

  async append(name: string, body: AsyncIterable<Buffer>, o: AppendOptions): Promise<AppendResult> {
    const path = this.pathOf(name);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Read-write without truncating (the earlier requests' bytes stay), created when missing.
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    let at = o.offset;
    let synced = o.offset;
    let end: AppendEnd = 'complete';
    try {
      // Bytes past the recorded offset were written but never recorded (a crash between write and
      // checkpoint): they are not part of the upload.
      await fh.truncate(o.offset);
      try {
        for await (const chunk of body) {
          if (at + chunk.length > o.limit) {
            end = 'too_large';
            break;
          }
          await writeAll(fh, chunk, at);
          o.hash.update(chunk);
          at += chunk.length;
          if (at - synced >= o.checkpointBytes) {
            await fh.sync();
            synced = at;
            await o.checkpoint(at);
          }
        }
      } catch (err) {
        if (!isDropped(err)) throw err;
        end = 'dropped';
      }
      if (end === 'too_large') {
        // The whole request is refused; what an earlier checkpoint recorded stays.
        await fh.truncate(synced);
        at = synced;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (at !== synced) await o.checkpoint(at);
    return { end, received: at };
  }

  async size(name: string): Promise<number | null> {
    return (await stat(this.pathOf(name)).catch(() => null))?.size ?? null;
  }

  async open(name: string): Promise<ByteSource> {
    let fh: FileHandle;
    try {
      fh = await open(this.pathOf(name), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(`no upload ${name}`);
      throw err;
    }
    try {
      return fileSource(fh, (await fh.stat()).size);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async delete(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }

  async *list(): AsyncIterable<string> {
    for (const n of await readdir(this.dir).catch(() => [] as string[])) {
      const m = /^([A-Za-z0-9_-]{1,64})\.zip$/.exec(n);
      if (m) yield m[1]!;
    }
  }
}

/** A file handle as a ByteSource (closing it closes the handle). */
export function fileSource(fh: FileHandle, size: number): ByteSource {
  return {
    size,
    read: (buffer, offset, length, position) => fh.read(buffer, offset, length, position),
    close: () => fh.close(),
  };
}

/** Opens a local file as a ByteSource (the zip reader's spilled nested archives). */
export async function openFileSource(path: string): Promise<ByteSource> {
  const fh = await open(path, 'r');
  try {
    return fileSource(fh, (await fh.stat()).size);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}
