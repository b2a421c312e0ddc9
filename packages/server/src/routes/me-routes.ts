import { Me } from '@fitsync/api';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { invalidToken } from '../http/api-error.js';
import { problems } from '../http/schemas.js';
import { findUserById } from '../repositories/users.js';
import { toApiUser } from '../services/user-view.js';

/** GET /v1/me: the signed-in user. */
export const meRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/v1/me',
    {
      onRequest: app.requireAuth,
      schema: { tags: ['auth'], summary: 'The signed-in user', security: [{ bearer: [] }], response: { 200: Me, ...problems(401) } },
    },
    async (req) => {
      const user = await findUserById(app.deps.db, authOf(req).userId);
      if (!user) throw invalidToken();
      return toApiUser(user);
    },
  );
};
