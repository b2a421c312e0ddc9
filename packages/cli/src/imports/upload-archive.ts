import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { CreateImportBody, Import } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import { asImport } from '../client/answers.js';
import { BadAnswerError } from '../client/client.js';
import { CliError, NotFoundError, UnavailableError, UsageError } from '../errors.js';
import type { Session } from '../session.js';
import { formatByteSize as byteSize } from '@fitsync/api/rules';
import type { LocalArchive } from './local-archive.js';

export interface UploadDeps {
  session: Session;
  runtime: Runtime;
  /** Stops the upload (Ctrl-C): the request in flight is abandoned; the server keeps what arrived. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Where the upload stands, in bytes the server holds or is receiving. */
  onProgress?: (bytes: number) => void;
  /** Bytes of the first PATCH (later ones follow the measured rate). */
  firstChunkBytes?: number;
}

/**
 * Attempts in a row that move the upload no further before giving up (the next run of the
 * command resumes from the server's offset all the same).
 */
export const MAX_STALLED_ATTEMPTS = 6;
const MIN_CHUNK = 256 * 1024;
const MAX_CHUNK = 1024 * 1024 * 1024;
/**
 * A PATCH should take about this long: far below the server's request timeout
 * (FITSYNC_HTTP_REQUEST_TIMEOUT_S, 30 s by default), which cuts any request that takes longer.
 */
const CHUNK_SECONDS = 8;
const CONTENT_TYPE = 'application/offset+octet-stream';

/**
 * Uploads an archive with the resumable protocol of `/v1/imports` (packages/api/src/imports.ts):
 * POST announces it (an unfinished upload of the same file comes back with its `received_bytes`,
 * so a second run after the CLI died resumes), then PATCHes send the rest in pieces sized to the
 * measured rate. A dropped connection or a 5xx re-reads the offset (GET), backs off and goes on;
 * a 409 offset mismatch goes on from the server's offset. Returns the import once every byte is
 * in (status `started` with its job, or `uploaded` when another job was active).
 */
export async function uploadArchive(a: LocalArchive & { sha256: string }, d: UploadDeps): Promise<Import> {
  const body: CreateImportBody = { format: 'garmin-export', size_bytes: a.size, sha256: a.sha256 };
  let imp = await withRetries(d, 'POST /v1/imports', async () => asImport((await d.session.request('POST', '/v1/imports', { body })).body));
  if (imp.received_bytes > 0 && imp.status === 'uploading') d.log?.(`* resuming at ${imp.received_bytes} of ${a.size} bytes`);
  const path = `/v1/imports/${encodeURIComponent(imp.import_id)}`;
  // Small enough for a slow uplink to send well within the server's request timeout; the
  // measured rate sizes the next ones.
  let chunk = d.firstChunkBytes ?? 2 * 1024 * 1024;
  let stalled = 0;
  let best = imp.received_bytes;
  d.onProgress?.(imp.received_bytes);
  while (imp.status === 'uploading') {
    aborted(d.signal);
    const offset = imp.received_bytes;
    const length = Math.min(chunk, a.size - offset);
    const started = d.runtime.now();
    try {
      const res = await d.session.request('PATCH', path, {
        headers: { 'upload-offset': String(offset) },
        ...(d.signal ? { signal: d.signal } : {}),
        upload: {
          contentType: CONTENT_TYPE,
          length,
          open: () => (length === 0 ? Readable.from([]) : createReadStream(a.path, { start: offset, end: offset + length - 1, highWaterMark: 256 * 1024 })),
          onProgress: (sent) => d.onProgress?.(offset + sent),
        },
      });
      imp = asImport(res.body);
      const seconds = Math.max(0.001, (d.runtime.now() - started) / 1000);
      chunk = clamp(Math.round((length / seconds) * CHUNK_SECONDS));
    } catch (err) {
      aborted(d.signal);
      const api = err instanceof CliError ? err.api : undefined;
      if (api?.code === 'upload_offset_mismatch' && api.receivedBytes !== undefined) {
        d.log?.(`* the server holds ${api.receivedBytes} bytes; going on from there`);
        imp = { ...imp, received_bytes: api.receivedBytes };
      } else if (api?.code === 'checksum_mismatch') {
        throw new UsageError(
          `the bytes the server received do not match ${a.path} (did the file change while it was sent?); the server discarded them`,
          'run the command again to upload it from the start',
        );
      } else if (err instanceof NotFoundError) {
        throw new NotFoundError('the server no longer has this upload (removed, or unused for 7 days)', 'run the command again to start over');
      } else if (err instanceof UnavailableError && !(err instanceof BadAnswerError)) {
        d.log?.(`* PATCH failed (${err.message}); asking the server where the upload stands`);
        chunk = clamp(Math.floor(chunk / 2));
        const known = await current(d, path);
        if (known) imp = known;
      } else {
        throw err;
      }
      if (imp.received_bytes > best) {
        best = imp.received_bytes;
        stalled = 0;
      } else if (++stalled >= MAX_STALLED_ATTEMPTS) {
        throw new UnavailableError(
          `the upload stopped making progress at ${byteSize(imp.received_bytes)} of ${byteSize(a.size)} (${err instanceof Error ? err.message : 'error'})`,
          'run the same command again to resume where it stopped',
        );
      }
      d.onProgress?.(imp.received_bytes);
      await d.runtime.sleep(backoff(stalled, d.runtime), d.signal);
    }
  }
  d.onProgress?.(imp.received_bytes);
  return imp;
}

/** The import as the server has it, or undefined when it cannot be asked right now. */
async function current(d: UploadDeps, path: string): Promise<Import | undefined> {
  try {
    return asImport((await d.session.request('GET', path)).body);
  } catch (err) {
    if (err instanceof UnavailableError && !(err instanceof BadAnswerError)) return undefined;
    if (err instanceof NotFoundError) throw new NotFoundError('the server no longer has this upload (removed, or unused for 7 days)', 'run the command again to start over');
    throw err;
  }
}

/** `fn`, again after a network error or 502/503/504 (bounded; announcing the same file twice is harmless). */
async function withRetries<T>(d: UploadDeps, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    aborted(d.signal);
    try {
      return await fn();
    } catch (err) {
      const retryable = err instanceof UnavailableError && !(err instanceof BadAnswerError) && (err.api === undefined || [502, 503, 504].includes(err.api.status));
      if (!retryable || attempt >= 3) throw err;
      d.log?.(`* ${what} failed (${err.message}); retrying`);
      await d.runtime.sleep(backoff(attempt, d.runtime), d.signal);
    }
  }
}

/** Full-jitter exponential backoff (as the client's GET retries), capped at 8 s. */
function backoff(attempt: number, runtime: Runtime): number {
  const base = Math.min(500 * 2 ** attempt, 8_000);
  return base / 2 + runtime.random() * (base / 2);
}

function clamp(n: number): number {
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, n));
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}
