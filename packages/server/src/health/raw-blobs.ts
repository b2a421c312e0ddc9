import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Queryable } from '../db/db.js';

/**
 * Raw Garmin answers, content-addressed: the key is the sha256 of the exact text, the value the
 * text brotli-compressed at a fast quality (identical answers — empty days, repeated ranges — are
 * stored once). The one module that touches `health_raw_blobs`, so the blobs can move to a blob
 * store later without touching the sync or rebuild.
 */

/**
 * Brotli quality 2: on Garmin's JSON (long arrays of numbers) as small as quality 4 or smaller, at
 * about 60 % of its CPU.
 */
const QUALITY = 2;

/** An answer ready to store: its text, its key, and its compressed bytes. */
export interface PreparedBlob {
  text: string;
  sha256: string;
  size: number;
  data: Buffer;
}

/** The sha256 (hex) of an answer's text: its key. */
export function rawHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Hashes and compresses an answer before any transaction: the sync does this as each answer
 * arrives, so commits only insert bytes. (Synchronous on purpose: zlib's async form costs the event
 * loop more than the compression itself for answers this small.)
 */
export function prepareRawBlob(text: string): PreparedBlob {
  const bytes = Buffer.from(text, 'utf8');
  const data = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  return { text, sha256: rawHash(text), size: bytes.length, data };
}

/** Stores a prepared answer once (a no-op when an identical answer is already there); returns its hash. */
export async function putRawBlob(q: Queryable, blob: PreparedBlob): Promise<string> {
  await q.run('INSERT INTO health_raw_blobs (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING', [
    blob.sha256,
    blob.size,
    blob.data,
  ]);
  return blob.sha256;
}
/**
 * The texts of the given hashes (a missing or corrupt blob throws: the raw store is the truth);
 * `known` texts are not read again.
 */
export async function getRawBlobs(q: Queryable, hashes: readonly string[], known: ReadonlyMap<string, string> = new Map()) {
  const out = new Map<string, string>(known);
  const unique = [...new Set(hashes)].filter((h) => !known.has(h));
  for (let i = 0; i < unique.length; i += 200) {
    const part = unique.slice(i, i + 200);
    const rows = await q.all<{ sha256: string; data: Uint8Array }>(
      `SELECT sha256, data FROM health_raw_blobs WHERE sha256 IN (${part.map(() => '?').join(', ')})`,
      part,
    );
    for (const r of rows) {
      const text = brotliDecompressSync(r.data).toString('utf8');
      if (rawHash(text) !== r.sha256) throw new Error(`raw answer ${r.sha256} is corrupt`);
      out.set(r.sha256, text);
    }
  }
  const missing = hashes.find((h) => !out.has(h));
  if (missing) throw new Error(`raw answer ${missing} is missing`);
  return out;
}
