import { CreateSyncJobBody, IdempotencyKey, JobId, SyncJob, SyncJobList, SyncJobListQuery } from '@fitsync/api';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { problems } from '../http/schemas.js';
import type { SyncJobService } from '../services/sync-job-service.js';
import { JobEventStream } from './job-event-stream.js';

const JobParams = Type.Object({ job_id: JobId });
type JobParams = { job_id: string };

export interface SyncRoutesOptions {
  jobs: SyncJobService;
  /** Keep-alive comment interval of event streams (default 15 s). */
  eventHeartbeatMs?: number;
}

/** /v1/sync/jobs: thin adapters over SyncJobService, plus the job event stream. */
export const syncRoutes: FastifyPluginAsync<SyncRoutesOptions> = async (app, opts) => {
  const { jobs } = opts;
  const auth = { onRequest: app.requireAuth };
  const security = [{ bearer: [] }];
  const streams = new Set<() => void>();
  // opened − closed = streams open now (the registry has counters only).
  const opened = app.deps.metrics.counter('fitsync_sync_event_streams_streamingtotal', 'Sync job event streams opened.');
  const closedStreams = app.deps.metrics.counter('fitsync_sync_event_streams_closed_total', 'Sync job event streams ended or dropped.');
  // Open event streams would hold the server open on shutdown: end them first.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.post<{ Body: CreateSyncJobBody; Headers: { 'idempotency-key'?: string } }>(
    '/v1/sync/jobs',
    {
      ...auth,
      schema: {
        tags: ['sync'],
        summary: 'Start a sync job',
        description:
          'Incremental by default (from where the last sync of that type stopped); `since`/`until` for a window; `full` for the whole history. Send an Idempotency-Key so a retried POST cannot start two jobs.',
        security,
        headers: Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKey) }),
        body: CreateSyncJobBody,
        response: { 202: SyncJob, ...problems(400, 401, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      const job = await jobs.create(authOf(req).userId, req.body, req.headers['idempotency-key']);
      return reply.code(202).send(job);
    },
  );

  app.get<{ Querystring: SyncJobListQuery }>(
    '/v1/sync/jobs',
    {
      ...auth,
      schema: {
        tags: ['sync'],
        summary: 'List sync jobs, newest first',
        security,
        querystring: SyncJobListQuery,
        response: { 200: SyncJobList, ...problems(400, 401) },
      },
    },
    (req) => jobs.list(authOf(req).userId, req.query),
  );

  app.get(
    '/v1/sync/jobs/latest',
    {
      ...auth,
      schema: { tags: ['sync'], summary: 'The most recent sync job', security, response: { 200: SyncJob, ...problems(401, 404) } },
    },
    (req) => jobs.latest(authOf(req).userId),
  );

  app.get<{ Params: JobParams }>(
    '/v1/sync/jobs/:job_id',
    {
      ...auth,
      schema: { tags: ['sync'], summary: 'A sync job', security, params: JobParams, response: { 200: SyncJob, ...problems(401, 404) } },
    },
    (req) => jobs.get(authOf(req).userId, req.params.job_id),
  );

  app.post<{ Params: JobParams }>(
    '/v1/sync/jobs/:job_id/cancel',
    {
      ...auth,
      schema: {
        tags: ['sync'],
        summary: 'Cancel a sync job (takes effect within 2 s)',
        security,
        params: JobParams,
        response: { 202: SyncJob, ...problems(401, 404, 409) },
      },
    },
    async (req, reply) => reply.code(202).send(await jobs.cancel(authOf(req).userId, req.params.job_id)),
  );

  app.get<{ Params: JobParams }>(
    '/v1/sync/jobs/:job_id/events',
    {
      ...auth,
      schema: {
        tags: ['sync'],
        summary: 'Server-sent events: a SyncJob snapshot whenever the job changes; ends after the terminal one, or when the session is revoked',
        security,
        params: JobParams,
        response: { 200: Type.String({ description: 'text/event-stream; each `data:` line is a SyncJob' }), ...problems(401, 404) },
      },
    },
    async (req, reply) => {
      const { userId, sessionId } = authOf(req);
      const stream = await JobEventStream.open(
        {
          events: app.deps.events,
          snapshot: (u, j) => jobs.snapshot(u, j),
          sessionLive: (sid, u) => app.deps.tokens.sessionLive(sid, u),
          heartbeatMs: opts.eventHeartbeatMs ?? 15_000,
          log: req.log,
        },
        { userId, sessionId, jobId: req.params.job_id },
        reply.raw,
      );
      reply.hijack();
      const end = () => stream.end();
      streams.add(end);
      opened.inc();
      stream.onEnd(() => {
        streams.delete(end);
        closedStreams.inc();
      });
      stream.start();
    },
  );
};
