import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Queryable } from '../db/db.js';

/**
 * Raw Garmin answers, content-addressed: the key is the sha256 of the exact text, the value the
 * text brotli-compressed at a fast quality (identical answers — empty days, repeated ranges — are
 * stored once). The one module that touches `health_raw_blobs`. They stay in the database with
 * either blob store (small, and written in the transactions of the rows that name them).
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

/**
 * Stores a prepared answer once (an identical answer already there only gets a fresh `stored_at`,
 * under its row lock, so the collector cannot take it from the row about to name it); returns its hash.
 */
export async function putRawBlob(q: Queryable, blob: PreparedBlob, now: number): Promise<string> {
  await q.run(
    `INSERT INTO health_raw_blobs (sha256, size, data, stored_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (sha256) DO UPDATE SET stored_at = excluded.stored_at`,
    [blob.sha256, blob.size, blob.data, now],
  );
  return blob.sha256;
}

/**
 * Stores several answers in hash order. Each upsert locks its row until the transaction ends, and
 * users share answers (an empty day is the same text for everyone): transactions that lock shared
 * rows in one global order cannot deadlock on them. Callers store a transaction's answers with
 * this first; a later putRawBlob of one of them takes no new lock.
 */
export async function putRawBlobs(q: Queryable, blobs: readonly PreparedBlob[], now: number): Promise<void> {
  const unique = new Map(blobs.map((b) => [b.sha256, b]));
  for (const sha of [...unique.keys()].sort()) await putRawBlob(q, unique.get(sha)!, now);
}

/** Deletes answers no raw row names and not stored since `cutoffMs`; returns how many. */
export async function collectRawBlobs(q: Queryable, cutoffMs: number): Promise<number> {
  const r = await q.run(
    `DELETE FROM health_raw_blobs WHERE stored_at < ?
     AND NOT EXISTS (SELECT 1 FROM health_raw r WHERE r.sha256 = health_raw_blobs.sha256)`,
    [cutoffMs],
  );
  return r.changes;
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
