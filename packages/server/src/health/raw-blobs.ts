import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Queryable } from '../db/db.js';

/**
 * Raw Garmin answers, content-addressed: the key is the sha256 of the exact text, the value the
 * text brotli-compressed at a fast quality (identical answers — empty days, repeated ranges — are
 * stored once). The one module that touches `health_raw_blobs`, so the blobs can move to a blob
 * store later without touching the sync or rebuild.
 */

/** Brotli quality 4: most of the size win of 11 at a small fraction of the CPU. */
const QUALITY = 4;

/** The sha256 (hex) of an answer's text: its key. */
export function rawHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Stores `text` once (a no-op when an identical answer is already there); returns its hash. */
export async function putRawBlob(q: Queryable, text: string): Promise<string> {
  const hash = rawHash(text);
  const exists = await q.get('SELECT 1 AS x FROM health_raw_blobs WHERE sha256 = ?', [hash]);
  if (exists) return hash;
  const bytes = Buffer.from(text, 'utf8');
  const data = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  await q.run('INSERT INTO health_raw_blobs (sha256, size, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING', [
    hash,
    bytes.length,
    data,
  ]);
  return hash;
}

/** The texts of the given hashes (a missing or corrupt blob throws: the raw store is the truth). */
export async function getRawBlobs(q: Queryable, hashes: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(hashes)];
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
  const missing = unique.find((h) => !out.has(h));
  if (missing) throw new Error(`raw answer ${missing} is missing`);
  return out;
}
