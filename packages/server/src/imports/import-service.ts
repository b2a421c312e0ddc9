import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { CreateImportBody, Import, SyncJob } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import { newId, type Random } from '../random.js';
import {
  deleteImport,
  findImport,
  findUnfinishedImport,
  type ImportRow,
  insertImport,
  listUnfinishedImports,
  setImportStatus,
  setReceivedBytes,
  staleUnfinishedImports,
} from '../repositories/imports.js';
import { findActiveSyncJob, findSyncJob, type SyncJobRow } from '../repositories/sync-jobs.js';
import { isUniqueViolation, type SyncJobService } from '../services/sync-job-service.js';
import { toSyncJob } from '../sync/job-view.js';
import { importScratchDir, importsDir } from './import-files.js';
import { formatByteSize as formatBytes } from '@fitsync/api/rules';
import { hashPrefix } from './upload-writer.js';
import type { BlobStore } from '../blobs/blob-store.js';

export interface ImportServiceDeps {
  db: Db;
  runtime: Runtime;
  random: Random;
  /** Where uploads are stored (the data dir or the database). */
  blobs: BlobStore;
  /** This instance's data dir: the scratch file of a one-request upload, jobs' scratch dirs. */
  dataDir: string;
  /** FITSYNC_IMPORT_MAX_BYTES. */
  maxBytes: number;
  jobs: SyncJobService;
  /** Bytes received between fsync + received_bytes updates within one PATCH (default 4 MiB). */
  checkpointBytes?: number;
  /** Free bytes where uploads are stored (default with the fs store: fs.statfs of the imports dir; not checked with the db store); a test seam. */
  freeBytes?: (dir: string) => Promise<number>;
}

/** Unfinished uploads a user may keep; a new one beyond that drops the least recently touched. */
export const MAX_UNFINISHED_PER_USER = 3;
/** Unfinished uploads untouched this long are removed (lazily, on the next POST). */
export const UNFINISHED_TTL_MS = 7 * 86_400_000;

const notFound = () => new ApiError(404, 'not_found', 'No such import.');

/**
 * The resumable upload of `/v1/imports` (product.md Part 2 §E; the protocol is in
 * packages/api/src/imports.ts) and the creation of its job. The job's work is the import runner's.
 */
export class ImportService {
  /** Hash of each upload's received prefix, kept between PATCHes; lost on restart (then rehashed). */
  readonly #hashes = new Map<string, { at: number; hash: Hash }>();
  /** Uploads a PATCH is writing right now (one at a time per upload). */
  readonly #writing = new Set<string>();
  /** Prefix hashes being computed ahead of the next PATCH (after a resuming POST). */
  readonly #rehashing = new Map<string, Promise<void>>();

  constructor(private readonly d: ImportServiceDeps) {}

  /**
   * `POST /v1/imports` with the archive itself as the body (`application/zip` or
   * `application/octet-stream`, Content-Length required): the whole upload in one request, for
   * clients that need no resume. The bytes are received into a scratch file while hashed, then go
   * through the resumable path (create with their sha256, one append from the scratch file), so
   * the same checks apply and the same job starts.
   */
  async uploadWhole(userId: string, declaredLength: number | undefined, body: AsyncIterable<Buffer>): Promise<Import> {
    if (declaredLength === undefined) {
      throw new ApiError(400, 'validation_error', 'Send the archive with a Content-Length (or announce it first: POST /v1/imports with {format, size_bytes, sha256}).');
    }
    if (declaredLength < 1) throw new ApiError(400, 'validation_error', 'The archive is empty.');
    if (declaredLength > this.d.maxBytes) {
      throw new ApiError(
        413,
        'payload_too_large',
        `The archive (${formatBytes(declaredLength)}) is larger than this server accepts (${formatBytes(this.d.maxBytes)}, FITSYNC_IMPORT_MAX_BYTES).`,
      );
    }
    const dir = importsDir(this.d.dataDir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const scratch = join(dir, `whole-${newId(this.d.random)}.part`);
    try {
      const hash = createHash('sha256');
      let received = 0;
      const out = await open(scratch, 'w', 0o600);
      try {
        for await (const chunk of body) {
          received += chunk.length;
          if (received > declaredLength) throw new ApiError(413, 'payload_too_large', 'The body is longer than its Content-Length.');
          hash.update(chunk);
          await out.write(chunk);
        }
      } finally {
        await out.close();
      }
      if (received < declaredLength) throw new ApiError(400, 'validation_error', `The body ended after ${received} of ${declaredLength} bytes.`);
      const sha256 = hash.digest('hex');
      const { import: imp } = await this.create(userId, { format: 'garmin-export', size_bytes: received, sha256 });
      if (imp.status !== 'uploading') return imp;
      return await this.append(userId, imp.import_id, imp.received_bytes, received - imp.received_bytes, createReadStream(scratch, { start: imp.received_bytes }));
    } finally {
      await rm(scratch, { force: true });
    }
  }

  /** `POST /v1/imports`: a new upload (created: true), or the user's unfinished upload of the same file. */
  async create(userId: string, body: CreateImportBody): Promise<{ created: boolean; import: Import }> {
    if (body.size_bytes > this.d.maxBytes) {
      throw new ApiError(
        413,
        'payload_too_large',
        `The archive (${formatBytes(body.size_bytes)}) is larger than this server accepts (${formatBytes(this.d.maxBytes)}, FITSYNC_IMPORT_MAX_BYTES).`,
      );
    }
    const now = this.d.runtime.now();
    await this.#removeStale(now);
    const existing = await findUnfinishedImport(this.d.db, userId, body.sha256, body.size_bytes);
    if (existing) {
      this.#prehash(existing);
      return { created: false, import: toImport(existing) };
    }
    const free = await this.#freeBytes();
    if (free !== null && free < body.size_bytes) {
      throw new ApiError(
        413,
        'payload_too_large',
        `The server has ${formatBytes(free)} of free disk space, not enough for this archive (${formatBytes(body.size_bytes)}).`,
      );
    }
    const unfinished = await listUnfinishedImports(this.d.db, userId);
    for (const old of unfinished.slice(MAX_UNFINISHED_PER_USER - 1)) await this.#drop(old);
    const row = await insertImport(this.d.db, {
      importId: newId(this.d.random),
      userId,
      format: body.format,
      sizeBytes: body.size_bytes,
      sha256: body.sha256,
      now,
    });
    return { created: true, import: toImport(row) };
  }

  /** Whether a PATCH is writing this upload right now. */
  isWriting(importId: string): boolean {
    return this.#writing.has(importId);
  }

  async get(userId: string, importId: string): Promise<Import> {
    const row = await findImport(this.d.db, userId, importId);
    if (!row) throw notFound();
    return toImport(row);
  }

  /**
   * `PATCH /v1/imports/{id}`: appends `body` at `offset`. The request that completes the file
   * checks its sha256 and starts the job. A body cut off by the client keeps what arrived.
   */
  async append(userId: string, importId: string, offset: number, declaredLength: number | undefined, body: AsyncIterable<Buffer>): Promise<Import> {
    const row = await findImport(this.d.db, userId, importId);
    if (!row) throw notFound();
    if (this.#writing.has(importId)) {
      throw new ApiError(409, 'upload_offset_mismatch', 'Another request is uploading to this import right now.', {
        received_bytes: Number(row.received_bytes),
      });
    }
    const size = Number(row.size_bytes);
    const received = Number(row.received_bytes);
    if (row.status !== 'uploading') {
      // A retried last PATCH whose answer was lost: the upload is done, say so.
      if (offset === size) return toImport(row);
      throw mismatch(received, `The upload is complete (${row.status}); nothing more is accepted.`);
    }
    if (offset !== received) throw mismatch(received, `Upload-Offset is ${offset}, but the upload stands at ${received} bytes.`);
    if (declaredLength !== undefined && offset + declaredLength > size) throw tooMuch(size, offset);
    this.#writing.add(importId);
    try {
      const hash = await this.#hashAt(importId, received);
      const result = await this.d.blobs.uploads.append(importId, body, {
        offset: received,
        limit: size,
        hash,
        checkpointBytes: this.d.checkpointBytes ?? 4 * 1024 * 1024,
        checkpoint: async (n) => {
          if (!(await setReceivedBytes(this.d.db, importId, n, this.d.runtime.now()))) throw notFound();
        },
      });
      if (result.end === 'too_large') {
        this.#hashes.delete(importId);
        throw tooMuch(size, offset);
      }
      this.#hashes.set(importId, { at: result.received, hash });
      if (result.end === 'dropped') {
        throw new ApiError(400, 'validation_error', `The request body ended early; ${result.received} bytes are kept.`);
      }
      if (result.received < size) return this.get(userId, importId);
      this.#hashes.delete(importId);
      if (hash.digest('hex') !== row.sha256) {
        await this.d.blobs.uploads.delete(importId);
        await setReceivedBytes(this.d.db, importId, 0, this.d.runtime.now());
        throw new ApiError(422, 'checksum_mismatch', 'The uploaded bytes do not match the announced sha256; the upload starts over from byte 0.');
      }
      return toImport(await this.#finish(importId));
    } catch (err) {
      // A row deleted while its bytes were arriving: its blob goes with it. (The db store notices
      // first, as a write to a deleted blob: that is the same 404.)
      const gone = err instanceof ApiError ? err.code === 'not_found' : !(await findImport(this.d.db, userId, importId).catch(() => true));
      if (gone) {
        await this.d.blobs.uploads.delete(importId);
        throw err instanceof ApiError ? err : notFound();
      }
      throw err;
    } finally {
      this.#writing.delete(importId);
    }
  }

  /**
   * `POST /v1/imports/{id}/start`: starts the job of an upload that waited for another job.
   * A started import answers with its job (a retried start).
   */
  async start(userId: string, importId: string): Promise<{ created: boolean; job: SyncJob }> {
    const row = await findImport(this.d.db, userId, importId);
    if (!row) throw notFound();
    if (row.status === 'uploading') {
      throw mismatch(Number(row.received_bytes), `The upload is not complete (${row.received_bytes} of ${row.size_bytes} bytes).`);
    }
    if (row.status === 'started' && row.job_id) {
      const job = await findSyncJob(this.d.db, row.job_id);
      if (job) return { created: false, job: toSyncJob(job) };
    }
    const after = await this.#finish(importId);
    if (after.status !== 'started' || !after.job_id) {
      const active = await findActiveSyncJob(this.d.db, userId);
      throw busy(active?.job_id);
    }
    const job = await findSyncJob(this.d.db, after.job_id);
    return { created: true, job: toSyncJob(job!) };
  }

  /** `DELETE /v1/imports/{id}`: an upload and its file; a started one only once its job ended. */
  async remove(userId: string, importId: string): Promise<void> {
    const row = await findImport(this.d.db, userId, importId);
    if (!row) throw notFound();
    if (row.job_id) {
      const job = await findSyncJob(this.d.db, row.job_id);
      if (job && (job.status === 'pending' || job.status === 'running')) throw busy(job.job_id, 'The import job is still running');
    }
    await this.#drop(row);
  }

  /**
   * Marks a fully received upload `uploaded` and, unless another job of the user is active, starts
   * its job in the same transaction (status `started` + job_id). Returns the row as it ends up.
   */
  async #finish(importId: string): Promise<ImportRow> {
    const now = this.d.runtime.now();
    let job: SyncJobRow | undefined;
    let row: ImportRow | undefined;
    try {
      row = await this.d.db.transaction(async (tx) => {
        const current = await setImportStatus(tx, importId, 'uploaded', null, now);
        if (!current) throw notFound();
        if (await findActiveSyncJob(tx, current.user_id)) return current;
        job = await this.d.jobs.insertImport(tx, current.user_id);
        return setImportStatus(tx, importId, 'started', job.job_id, now);
      });
    } catch (err) {
      // Another job became active between the check and the insert: the import waits, uploaded.
      if (!isUniqueViolation(err)) throw err;
      job = undefined;
      row = await setImportStatus(this.d.db, importId, 'uploaded', null, now);
    }
    if (!row) throw notFound();
    if (job) this.d.jobs.announce(job);
    return row;
  }

  /**
   * A resuming client PATCHes next: after a restart the prefix must be hashed again, which takes
   * a while for gigabytes; starting now keeps that wait out of the PATCH (whose client would
   * otherwise see no progress while its bytes are not read).
   */
  #prehash(row: ImportRow): void {
    const id = row.import_id;
    const at = Number(row.received_bytes);
    if (row.status !== 'uploading' || at === 0 || this.#hashes.get(id)?.at === at || this.#rehashing.has(id) || this.#writing.has(id)) return;
    const work = hashPrefix(this.d.blobs.uploads, id, at)
      .then((hash) => {
        if (!this.#writing.has(id)) this.#hashes.set(id, { at, hash });
      })
      // A missing or short file is found again (and reported) by the PATCH's own hashing.
      .catch(() => {})
      .finally(() => this.#rehashing.delete(id));
    this.#rehashing.set(id, work);
  }

  async #hashAt(importId: string, received: number): Promise<Hash> {
    await this.#rehashing.get(importId);
    const known = this.#hashes.get(importId);
    if (known && known.at === received) return known.hash;
    // After a restart (or a refused request, or on another instance) the stored prefix is the truth.
    return hashPrefix(this.d.blobs.uploads, importId, received);
  }

  /** Free space for a new upload: the data dir's with the fs store; null (not checked) with the db store. */
  async #freeBytes(): Promise<number | null> {
    if (this.d.freeBytes) return this.d.freeBytes(importsDir(this.d.dataDir));
    return this.d.blobs.kind === 'fs' ? freeBytesOf(importsDir(this.d.dataDir)) : null;
  }

  /** Removes unfinished uploads nobody touched for UNFINISHED_TTL_MS (any user's). */
  async #removeStale(now: number): Promise<void> {
    for (const old of await staleUnfinishedImports(this.d.db, now - UNFINISHED_TTL_MS)) {
      if (!this.#writing.has(old.import_id)) await this.#drop(old);
    }
  }

  /** The row first, then its files: a crash in between leaves a file nobody points at, never a row without its file mid-upload. */
  async #drop(row: ImportRow): Promise<void> {
    await deleteImport(this.d.db, row.import_id);
    this.#hashes.delete(row.import_id);
    await this.d.blobs.uploads.delete(row.import_id);
    await rm(importScratchDir(this.d.dataDir, row.import_id), { recursive: true, force: true });
  }
}

async function freeBytesOf(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

function mismatch(received: number, detail: string): ApiError {
  return new ApiError(409, 'upload_offset_mismatch', detail, { received_bytes: received });
}

function tooMuch(size: number, offset: number): ApiError {
  return new ApiError(
    413,
    'payload_too_large',
    `The request carries more bytes than the announced size allows (${formatBytes(size)} in all, ${size - offset} bytes still missing).`,
  );
}

function busy(jobId: string | undefined, what = 'Another sync job is running'): ApiError {
  return new ApiError(409, 'sync_in_progress', jobId ? `${what} (job ${jobId}).` : `${what}.`, jobId ? { job_id: jobId } : {});
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

/** A stored import as the API's Import. */
export function toImport(r: ImportRow): Import {
  return {
    import_id: r.import_id,
    format: r.format,
    status: r.status,
    size_bytes: Number(r.size_bytes),
    received_bytes: Number(r.received_bytes),
    sha256: r.sha256,
    job_id: r.job_id,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}
