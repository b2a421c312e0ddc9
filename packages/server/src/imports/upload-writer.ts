import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How an append ended: the body was read to its end, cut off by the client, or longer than allowed. */
export type AppendEnd = 'complete' | 'dropped' | 'too_large';

export interface AppendResult {
  /** On `too_large` the hash holds bytes the file no longer does: hash the prefix again. */
  end: AppendEnd;
  /** Bytes durably in the file after the append (fsynced). */
  received: number;
}

export interface AppendOptions {
  path: string;
  /** Where the body goes: the bytes already received (anything after it in the file is dropped). */
  offset: number;
  /** The most the file may hold (the announced size). */
  limit: number;
  /** The hash of the file's first `offset` bytes; updated with every byte written. */
  hash: Hash;
  /** Called after each checkpoint (fsynced) with the bytes durably in the file. */
  checkpoint: (received: number) => Promise<void>;
  /** Bytes between checkpoints. */
  checkpointBytes: number;
}

/**
 * Appends a request body to an upload's file without holding it in memory: chunk by chunk, as
 * the body arrives (the async iterator pulls the next chunk only once the last one is written, so
 * TCP backpressure paces the client). Every `checkpointBytes` and at the end — including when the
 * client drops the connection — the file is fsynced and `checkpoint` records the length, so
 * `received_bytes` never counts a byte the disk might not hold. A body that would pass `limit`
 * is refused whole: the file goes back to `offset`.
 */
export async function appendBody(body: AsyncIterable<Buffer>, o: AppendOptions): Promise<AppendResult> {
  await mkdir(dirname(o.path), { recursive: true });
  // Read-write without truncating (the earlier requests' bytes stay), created when missing.
  const fh = await open(o.path, constants.O_RDWR | constants.O_CREAT, 0o600);
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

/** The hash of a file's first `length` bytes (after a restart, or when the memory of it is lost). */
export async function hashPrefix(path: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 })) hash.update(chunk as Buffer);
  return hash;
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** The client went away mid-body (Node: `aborted`, ECONNRESET, premature close). */
function isDropped(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = (err as Error | null)?.message ?? '';
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED' || message === 'aborted';
}
