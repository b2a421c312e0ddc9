import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Db } from '../db/db.js';
import { BlobNotFoundError, checkSha256, type FitBlobs } from './blob-store.js';

/**
 * FIT files in the database: a `blobs` row (kind 'fit', named by SHA-256) and its bytes in
 * `blob_chunks` of `chunkBytes`. A file of one chunk — nearly all of them — is one statement on
 * PostgreSQL (header and chunk through a data-modifying CTE) and one short transaction on SQLite.
 * A bigger one is written header first (complete = 0), chunks, then complete = 1: a crash in between
 * leaves an incomplete row the collector removes once it is older than the grace period.
 */
export class DbFitBlobs implements FitBlobs {
  constructor(
    private readonly db: Db,
    private readonly chunkBytes: number,
    private readonly now: () => number,
  ) {}

  async put(bytes: Buffer): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const size = bytes.length;
    const now = this.now();
    const C = this.chunkBytes;
    if (size <= C) {
      if (this.db.dialect === 'postgres') {
        await this.db.run(
          `WITH h AS (
             INSERT INTO blobs (kind, name, size, complete, stored_at) VALUES ('fit', ?, ?, 1, ?)
             ON CONFLICT (kind, name) DO UPDATE SET stored_at = excluded.stored_at, complete = 1
             RETURNING kind, name)
           INSERT INTO blob_chunks (kind, name, seq, data) SELECT kind, name, 0, ?::bytea FROM h
           ON CONFLICT (kind, name, seq) DO NOTHING`,
          [sha256, size, now, bytes],
        );
      } else {
        await this.db.transaction(async (tx) => {
          await tx.run(
            `INSERT INTO blobs (kind, name, size, complete, stored_at) VALUES ('fit', ?, ?, 1, ?)
             ON CONFLICT (kind, name) DO UPDATE SET stored_at = excluded.stored_at, complete = 1`,
            [sha256, size, now],
          );
          await tx.run(`INSERT INTO blob_chunks (kind, name, seq, data) VALUES ('fit', ?, 0, ?) ON CONFLICT (kind, name, seq) DO NOTHING`, [sha256, bytes]);
        });
      }
      return { sha256, size };
    }
    // The same hash means the same bytes: chunks an earlier (or a concurrent) put wrote are right.
    await this.db.run(
      `INSERT INTO blobs (kind, name, size, complete, stored_at) VALUES ('fit', ?, ?, 0, ?)
       ON CONFLICT (kind, name) DO UPDATE SET stored_at = excluded.stored_at`,
      [sha256, size, now],
    );
    for (let seq = 0; seq * C < size; seq++) {
      await this.db.run(`INSERT INTO blob_chunks (kind, name, seq, data) VALUES ('fit', ?, ?, ?) ON CONFLICT (kind, name, seq) DO NOTHING`, [
        sha256,
        seq,
        bytes.subarray(seq * C, Math.min(size, (seq + 1) * C)),
      ]);
    }
    const done = await this.db.run(`UPDATE blobs SET complete = 1, stored_at = ? WHERE kind = 'fit' AND name = ?`, [this.now(), sha256]);
    if (done.changes !== 1) throw new Error(`FIT blob ${sha256} vanished while it was stored`);
    return { sha256, size };
  }

  async has(sha256: string): Promise<boolean> {
    // One statement that answers and refreshes the age (see FitBlobs.has).
    const r = await this.db.run(`UPDATE blobs SET stored_at = ? WHERE kind = 'fit' AND name = ? AND complete = 1`, [this.now(), checkSha256(sha256)]);
    return r.changes > 0;
  }

  async read(sha256: string): Promise<Buffer | null> {
    const rows = await this.db.all<{ size: number; data: Buffer }>(
      `SELECT b.size, c.data FROM blobs b JOIN blob_chunks c ON c.kind = b.kind AND c.name = b.name
       WHERE b.kind = 'fit' AND b.name = ? AND b.complete = 1 ORDER BY c.seq`,
      [checkSha256(sha256)],
    );
    if (rows.length === 0) return null;
    const out = Buffer.concat(rows.map((r) => r.data));
    if (out.length !== Number(rows[0]!.size)) throw new Error(`FIT blob ${sha256} is incomplete`);
    return out;
  }

  async open(sha256: string): Promise<{ stream: Readable; size: number }> {
    const row = await this.db.get<{ size: number }>(`SELECT size FROM blobs WHERE kind = 'fit' AND name = ? AND complete = 1`, [checkSha256(sha256)]);
    if (!row) throw new BlobNotFoundError(`no FIT file ${sha256}`);
    const size = Number(row.size);
    return { stream: chunkStream(this.db, 'fit', sha256, Math.ceil(size / this.chunkBytes)), size };
  }

  async delete(sha256: string): Promise<void> {
    await this.db.run(`DELETE FROM blobs WHERE kind = 'fit' AND name = ?`, [checkSha256(sha256)]);
  }

  async *list(): AsyncIterable<string> {
    yield* listNames(this.db, 'fit');
  }
}

/** Names of one kind's complete blobs, a page at a time. */
export async function* listNames(db: Db, kind: string): AsyncIterable<string> {
  for (let after = ''; ; ) {
    const rows = await db.all<{ name: string }>(`SELECT name FROM blobs WHERE kind = ? AND complete = 1 AND name > ? ORDER BY name LIMIT 500`, [kind, after]);
    for (const r of rows) yield r.name;
    if (rows.length < 500) return;
    after = rows[rows.length - 1]!.name;
  }
}

/** A blob's chunks, one query and one chunk in memory at a time (pulled as the consumer reads). */
function chunkStream(db: Db, kind: string, name: string, chunks: number): Readable {
  let seq = 0;
  return new Readable({
    highWaterMark: 1,
    objectMode: false,
    read() {
      if (seq >= chunks) {
        this.push(null);
        return;
      }
      const at = seq++;
      db.get<{ data: Buffer }>('SELECT data FROM blob_chunks WHERE kind = ? AND name = ? AND seq = ?', [kind, name, at]).then(
        (r) => {
          if (this.destroyed) return;
          if (!r) this.destroy(new Error(`blob chunk ${at} of ${name} is missing`));
          else this.push(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength));
        },
        (err: Error) => this.destroy(err),
      );
    },
  });
}
