import { createHash, type Hash } from 'node:crypto';
import type { UploadBlobs } from '../blobs/blob-store.js';

/** Bytes read per step while hashing a stored prefix. */
const READ_BYTES = 1024 * 1024;

/**
 * The hash of an upload's first `length` bytes (after a restart, or when the memory of it is
 * lost), read from the blob store a piece at a time. A blob shorter than `length` is an error: its
 * recorded length promised more.
 */
export async function hashPrefix(uploads: UploadBlobs, name: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  const src = await uploads.open(name);
  try {
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, length));
    for (let at = 0; at < length; ) {
      const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, length - at), at);
      if (bytesRead === 0) throw new Error(`upload ${name} holds fewer bytes than the ${length} recorded`);
      hash.update(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await src.close();
  }
  return hash;
}
