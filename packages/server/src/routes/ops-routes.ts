import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { problems } from '../http/schemas.js';

const Status = Type.Object({ status: Type.String() });

/** Liveness, readiness (database reachable) and Prometheus metrics. */
export const opsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'Liveness', response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], summary: 'Readiness: the database answers', response: { 200: Status, ...problems(503) } } },
    async () => {
      try {
        await app.deps.db.ping();
      } catch {
        throw new ApiError(503, 'upstream_unavailable', 'The database is not reachable.');
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: Type.String({ description: 'text/plain; version=0.0.4' }) },
      },
    },
    async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await app.deps.metrics.render()),
  );
};
