import type { Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Queryable } from '../db/db.js';

/**
 * Where blobs live (product.md Part 2 §F): original FIT files, content-addressed, and import
 * uploads, named by import id and appended to while they arrive. Two implementations: the data dir
 * (FsBlobStore, the default with SQLite) and the database itself (DbBlobStore, the default with
 * PostgreSQL, so instances on one PostgreSQL share nothing else). Raw Garmin answers stay in their
 * own table (health/raw-blobs.ts), in the database with either store.
 */
export interface BlobStore {
  readonly kind: 'fs' | 'db';
  readonly fit: FitBlobs;
  readonly uploads: UploadBlobs;
  /**
   * Deletes what no row names any more and nothing touched since `cutoffMs` (epoch ms): FIT files no
   * activity references, uploads no live import references, and leftovers of writes a crash cut off.
   * A put racing it keeps its blob (see each implementation). Counts what it removed, by kind.
   */
  collect(q: Queryable, cutoffMs: number): Promise<GcCounts>;
  close(): Promise<void>;
}

/** What one collection removed: FIT files, uploads, and partial writes (temp files, incomplete rows). */
export interface GcCounts {
  fit: number;
  upload: number;
  partial: number;
}

/** Content-addressed, immutable FIT files. */
export interface FitBlobs {
  /**
   * Stores the bytes durably before resolving (the row naming them is written after); returns
   * their SHA-256 (hex) and size. Storing bytes that are already there refreshes their age.
   */
  put(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  /** Whether the blob is stored; refreshes its age, so a caller that skips `put` on `true` keeps it. */
  has(sha256: string): Promise<boolean>;
  /** The whole blob (decoding needs it); null when missing. */
  read(sha256: string): Promise<Buffer | null>;
  /** A stream of the blob, never all of it in memory; rejects with BlobNotFoundError when missing. */
  open(sha256: string): Promise<{ stream: Readable; size: number }>;
  delete(sha256: string): Promise<void>;
  /** Every stored hash (moving between stores). */
  list(): AsyncIterable<string>;
}

/** Options of an append; the upload writer's checkpoints (received_bytes) are the caller's. */
export interface AppendOptions {
  /** Where the body goes: the bytes already received (anything after it is dropped). */
  offset: number;
  /** The most the blob may hold (the announced size). */
  limit: number;
  /** The hash of the blob's first `offset` bytes; updated with every byte written. */
  hash: Hash;
  /** Called after each durable checkpoint with the bytes durably stored. */
  checkpoint: (received: number) => Promise<void>;
  /** Bytes between checkpoints. */
  checkpointBytes: number;
}

/** How an append ended: the body was read to its end, cut off by the client, or longer than allowed. */
export type AppendEnd = 'complete' | 'dropped' | 'too_large';

export interface AppendResult {
  /** On `too_large` the hash holds bytes the blob no longer does: hash the prefix again. */
  end: AppendEnd;
  /** Bytes durably stored after the append. */
  received: number;
}

/** Random access to a stored blob (the zip reader's input). Positional reads; the holder closes it. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `position` into `buffer` at `offset`; fewer (0) at the end. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** Appendable named blobs: import uploads, named by import id. */
export interface UploadBlobs {
  /**
   * Appends a body at `offset` without holding it in memory: chunk by chunk as it arrives (the
   * iterator pulls the next chunk once the last is written, so TCP backpressure paces the client).
   * Every `checkpointBytes` and at the end, also when the client drops, the bytes are made durable
   * and `checkpoint` records the length. A body that would pass `limit` is refused whole: the blob
   * goes back to its last checkpoint.
   */
  append(name: string, body: AsyncIterable<Buffer>, o: AppendOptions): Promise<AppendResult>;
  /** Bytes stored, or null when there is no such blob. */
  size(name: string): Promise<number | null>;
  /** Random access to the blob; rejects with BlobNotFoundError when missing. */
  open(name: string): Promise<ByteSource>;
  /** Deletes the blob (missing is fine). */
  delete(name: string): Promise<void>;
  /** Every stored name (moving between stores). */
  list(): AsyncIterable<string>;
}

/** A blob that is not stored. */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  readonly code = 'ENOENT';
}

const SHA256 = /^[0-9a-f]{64}$/;
const UPLOAD_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws unless `s` is a SHA-256 in hex (a blob name reaching a path or a query). */
export function checkSha256(s: string): string {
  if (!SHA256.test(s)) throw new Error('not a sha256');
  return s;
}

/** Throws unless `s` can name an upload (import ids are generated by the server: no path characters). */
export function checkUploadName(s: string): string {
  if (!UPLOAD_NAME.test(s)) throw new Error('not an import id');
  return s;
}

/** The client went away mid-body (Node: `aborted`, ECONNRESET, premature close). */
export function isDropped(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = (err as Error | null)?.message ?? '';
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED' || message === 'aborted';
}
