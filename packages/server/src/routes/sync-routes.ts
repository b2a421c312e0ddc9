import { CreateSyncJobBody, SyncJob, SyncJobList, SyncJobListQuery } from '@fitsync/api';
import { TERMINAL_SYNC_STATUSES } from '@fitsync/api/codes';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import type { ServerEvents } from '../events/event-bus.js';
import { invalidToken } from '../http/api-error.js';
import { problems } from '../http/schemas.js';
import type { SyncJobService } from '../sync/sync-job-service.js';

const JobParams = Type.Object({ job_id: Type.String({ minLength: 1, maxLength: 64 }) });
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
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
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
      const jobId = req.params.job_id;
      const { events, tokens } = app.deps;
      const heartbeatMs = opts.eventHeartbeatMs ?? 15_000;
      const res = reply.raw;
      let lastVersion = -1;
      let streaming = false;
      let closed = false;
      let early: ServerEvents['sync-job'] | null = null;
      /** A snapshot too recent to drop that the socket could not take yet; sent on 'drain'. */
      let held: ServerEvents['sync-job'] | null = null;
      const send = (s: ServerEvents['sync-job']) => {
        if (closed || s.version <= lastVersion) return; // stale or out of order: a newer one was sent
        if (!streaming) {
          if (!early || s.version > early.version) early = s;
          return;
        }
        if (res.writableNeedDrain) {
          // A slow reader gets the newest state once it catches up, not every state in between.
          if (!held || s.version > held.version) held = s;
          return;
        }
        lastVersion = s.version;
        res.write(`id: ${s.version}\ndata: ${JSON.stringify(s.job)}\n\n`);
        if (TERMINAL_SYNC_STATUSES.includes(s.job.status)) end();
      };
      // Re-reads job and session once: at the start, and when the bus says events may have been
      // missed. This is the only time a stream queries the database.
      let reading: Promise<void> | null = null;
      let again = false;
      const reread = (): Promise<void> => {
        if (reading) {
          again = true;
          return reading;
        }
        reading = (async () => {
          do {
            again = false;
            if (!(await tokens.sessionLive(sessionId, userId))) return end();
            send(await jobs.snapshot(userId, jobId));
          } while (again && !closed);
        })().finally(() => {
          reading = null;
        });
        return reading;
      };
      const onFailure = (err: unknown) => {
        req.log.warn({ errType: (err as Error)?.name }, 'sync event stream failed');
        end();
      };
      const resync = () => void reread().catch(onFailure);
      // Subscribe first, then read once: a change between the two is heard, not lost.
      const unsubscribe = [
        events.subscribe('sync-job', jobId, send, { resync }),
        // The stream speaks for its session: logout, refresh-token reuse or enabling MFA elsewhere ends it.
        events.subscribe('session-revoked', sessionId, () => end(), { resync }),
      ];
      let keepAlive: NodeJS.Timeout | undefined;
      const end = () => {
        if (closed) return;
        closed = true;
        for (const off of unsubscribe) off();
        clearInterval(keepAlive);
        if (!streaming) return;
        closedStreams.inc();
        streams.delete(end);
        res.end();
      };
      try {
        await reread(); // 404 before the stream starts
      } catch (err) {
        end();
        throw err;
      }
      if (closed) throw invalidToken(); // the session was revoked since the request was authenticated
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': sync job events\n\n');
      streaming = true;
      streams.add(end);
      opened.inc();
      const first = early;
      early = null;
      if (first) send(first);
      if (closed) return;
      res.on('drain', () => {
        const h = held;
        held = null;
        if (h) send(h);
      });
      keepAlive = setInterval(() => {
        if (!closed) res.write(': keep-alive\n\n');
      }, heartbeatMs);
      // The client went away (the response's connection closed): stop listening for it.
      res.on('close', end);
    },
  );
};
