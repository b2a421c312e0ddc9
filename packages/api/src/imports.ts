import { type Static, Type } from '@sinclair/typebox';
import { IMPORT_FORMATS, IMPORT_STATUSES } from './codes.js';
import { JobId } from './common.js';

/** Hex SHA-256 of a whole archive. */
export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the whole file, lowercase hex' });

/**
 * `POST /v1/imports` (JSON): announces an archive before its bytes are sent. (The same endpoint
 * also takes the archive itself as an `application/zip` or `application/octet-stream` body with a
 * Content-Length: one request, not resumable, answered 201 with the import and its job started.) The same user announcing the
 * same `sha256` and `size_bytes` again while that upload is unfinished gets it back (200, with
 * `received_bytes` to resume from) instead of a new one (201). Over FITSYNC_IMPORT_MAX_BYTES → 413
 * `payload_too_large`.
 */
export const CreateImportBody = Type.Object(
  {
    format: Type.Union(IMPORT_FORMATS.map((f) => Type.Literal(f))),
    size_bytes: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    sha256: Sha256Hex,
  },
  { additionalProperties: false },
);
export type CreateImportBody = Static<typeof CreateImportBody>;

/**
 * An import: its upload, then its job. Bytes are sent with `PATCH /v1/imports/{import_id}`
 * (`Upload-Offset: <received_bytes>`, `Content-Type: application/offset+octet-stream`, any number of
 * requests, each appending where the last one stopped; a wrong offset is 409
 * `upload_offset_mismatch`). The request that completes the file checks its sha256 (a mismatch is
 * 422 `checksum_mismatch` and the upload starts over) and starts the job (`sync_type` and `trigger`
 * `import`); when another job of the user is active the import stays `uploaded` and
 * `POST /v1/imports/{import_id}/start` starts it later (409 `sync_in_progress` until then).
 */
export const Import = Type.Object({
  import_id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  format: Type.Union(IMPORT_FORMATS.map((f) => Type.Literal(f))),
  status: Type.Union(IMPORT_STATUSES.map((s) => Type.Literal(s))),
  size_bytes: Type.Integer({ minimum: 1 }),
  received_bytes: Type.Integer({ minimum: 0 }),
  sha256: Sha256Hex,
  job_id: Type.Union([JobId, Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Import = Static<typeof Import>;

export const ImportParams = Type.Object({ import_id: Type.String({ maxLength: 64 }) });
export type ImportParams = Static<typeof ImportParams>;
