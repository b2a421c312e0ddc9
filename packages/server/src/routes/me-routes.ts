import { Me } from '@fitsync/api';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { problems } from '../http/schemas.js';

/** GET /v1/me: the signed-in user. */
export const meRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/v1/me',
    {
      onRequest: app.requireAuth,
      schema: { tags: ['auth'], summary: 'The signed-in user', security: [{ bearer: [] }], response: { 200: Me, ...problems(401) } },
    },
    // A cached answer is sent without a promise (issue 13).
    (req) => {
      const { userId } = authOf(req);
      return app.deps.auth.meIfCached(userId) ?? app.deps.auth.me(userId);
    },
  );
};
