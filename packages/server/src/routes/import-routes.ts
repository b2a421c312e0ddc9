import type { IncomingMessage } from 'node:http';
import { CreateImportBody, Import, ImportParams, SyncJob } from '@fitsync/api';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { ApiError } from '../http/api-error.js';
import { NoContent, problems } from '../http/schemas.js';
import type { ImportService } from '../imports/import-service.js';

export interface ImportRoutesOptions {
  imports: ImportService;
}

/** The media type of an upload's bytes (the tus protocol's, whose offset rules these follow). */
const OFFSET_OCTET_STREAM = 'application/offset+octet-stream';
const PatchHeaders = Type.Object({
  'upload-offset': Type.String({ pattern: '^[0-9]{1,16}$', description: 'where these bytes go: the received_bytes of the import' }),
  'content-type': Type.String({ pattern: '^application/offset\\+octet-stream\\s*(;.*)?$' }),
});
type PatchHeaders = { 'upload-offset': string; 'content-length'?: string };

/** Media types of an archive sent whole to POST /v1/imports. */
const WHOLE_ARCHIVE_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'];

function isStream(body: unknown): body is IncomingMessage {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

/** /v1/imports: thin adapters over ImportService (the resumable upload of Garmin's export, §E). */
export const importRoutes: FastifyPluginAsync<ImportRoutesOptions> = async (app, opts) => {
  const { imports } = opts;
  const auth = { onRequest: app.requireAuth };
  const security = [{ bearer: [] }];

  // The upload's bytes are handed over unread: the service streams them to disk. Scoped to this
  // plugin, so no other route accepts a raw stream.
  app.addContentTypeParser([OFFSET_OCTET_STREAM, ...WHOLE_ARCHIVE_TYPES], (_req, payload, done) => done(null, payload));
  // An answer sent before the body was read (409, 413, 404…) must not wait for gigabytes the
  // server would only discard: the connection closes instead.
  app.addHook('onSend', async (req, reply) => {
    if ((req.method === 'PATCH' || req.method === 'POST') && !req.raw.complete) reply.header('connection', 'close');
  });

  app.post<{ Body: CreateImportBody | IncomingMessage }>(
    '/v1/imports',
    {
      ...auth,
      schema: {
        tags: ['imports'],
        summary: "Announce an archive (Garmin's data export) to upload it resumably, or upload it whole",
        description:
          'JSON `{format, size_bytes, sha256}`: answers 201 with a new import, or 200 with the unfinished upload of the same file (same sha256 and size) to resume from its `received_bytes` with PATCH. ' +
          '`application/zip` or `application/octet-stream` with a Content-Length: the archive itself, in one request (not resumable); answers 201 with the import, its job started (`job_id`). ' +
          '413 payload_too_large over FITSYNC_IMPORT_MAX_BYTES or when the server lacks the disk space. A user keeps at most 3 unfinished uploads (a fourth drops the least recently used); unfinished uploads untouched for 7 days are removed.',
        security,
        body: {
          content: {
            'application/json': { schema: CreateImportBody },
            ...Object.fromEntries(WHOLE_ARCHIVE_TYPES.map((t) => [t, { schema: { description: 'the archive' } }])),
          },
        },
        response: { 200: Import, 201: Import, ...problems(400, 401, 409, 413, 422) },
      },
    },
    async (req, reply) => {
      const { userId } = authOf(req);
      if (isStream(req.body)) {
        const length = req.headers['content-length'];
        const declared = length !== undefined && /^[0-9]+$/.test(length) ? Number(length) : undefined;
        return reply.code(201).send(await imports.uploadWhole(userId, declared, req.body));
      }
      const { created, import: imp } = await imports.create(userId, req.body as CreateImportBody);
      return reply.code(created ? 201 : 200).send(imp);
    },
  );

  app.get<{ Params: ImportParams }>(
    '/v1/imports/:import_id',
    {
      ...auth,
      schema: { tags: ['imports'], summary: 'An import: its upload and its job', security, params: ImportParams, response: { 200: Import, ...problems(401, 404) } },
    },
    (req) => imports.get(authOf(req).userId, req.params.import_id),
  );

  app.patch<{ Params: ImportParams; Headers: PatchHeaders }>(
    '/v1/imports/:import_id',
    {
      ...auth,
      schema: {
        tags: ['imports'],
        summary: 'Upload bytes of an import, appended at Upload-Offset',
        description:
          'Body: `application/offset+octet-stream`, streamed to disk. `Upload-Offset` must equal `received_bytes` (else 409 upload_offset_mismatch with `received_bytes`). ' +
          'A body cut off by the client keeps what arrived: the next request continues from there. More bytes than announced → 413. ' +
          'The request that completes the file checks its sha256 (422 checksum_mismatch: the upload starts over) and starts the import job (`job_id`); ' +
          'when another job of the user is active the import stays `uploaded` until `POST /v1/imports/{import_id}/start`. One request at a time per import (409).',
        security,
        params: ImportParams,
        headers: PatchHeaders,
        response: { 200: Import, ...problems(400, 401, 404, 409, 413, 422) },
      },
    },
    async (req) => {
      const body = req.body as IncomingMessage | undefined;
      if (!isStream(body) || req.headers['content-type']?.split(';')[0]?.trim() !== OFFSET_OCTET_STREAM) {
        throw new ApiError(400, 'validation_error', `Send the bytes as ${OFFSET_OCTET_STREAM}.`);
      }
      const length = req.headers['content-length'];
      const declared = length !== undefined && /^[0-9]+$/.test(length) ? Number(length) : undefined;
      return imports.append(authOf(req).userId, req.params.import_id, Number(req.headers['upload-offset']), declared, body);
    },
  );

  app.post<{ Params: ImportParams }>(
    '/v1/imports/:import_id/start',
    {
      ...auth,
      schema: {
        tags: ['imports'],
        summary: 'Start the job of an uploaded import that waited for another job',
        description: '201 with the new job; 200 with its job when it already started; 409 sync_in_progress (with `job_id`) while another job of the user is active; 409 upload_offset_mismatch while bytes are missing.',
        security,
        params: ImportParams,
        response: { 200: SyncJob, 201: SyncJob, ...problems(401, 404, 409) },
      },
    },
    async (req, reply) => {
      const { created, job } = await imports.start(authOf(req).userId, req.params.import_id);
      return reply.code(created ? 201 : 200).send(job);
    },
  );

  app.delete<{ Params: ImportParams }>(
    '/v1/imports/:import_id',
    {
      ...auth,
      schema: {
        tags: ['imports'],
        summary: 'Remove an import and its file',
        description: 'An unfinished or waiting upload at once; a started import once its job ended (409 sync_in_progress with `job_id` while it runs).',
        security,
        params: ImportParams,
        response: { 204: NoContent, ...problems(401, 404, 409) },
      },
    },
    async (req, reply) => {
      await imports.remove(authOf(req).userId, req.params.import_id);
      return reply.code(204).send();
    },
  );
};
