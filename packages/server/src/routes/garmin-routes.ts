import { GarminConnectBody, GarminConnected, GarminConnection, GarminMfaBody, GarminMfaRequired, GarminTokenImportBody } from '@fitsync/api';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { NoContent, problems } from '../http/schemas.js';

/** /v1/garmin/connection: link, finish Garmin's MFA, read and remove (GarminConnectionService holds the rules). */
export const garminRoutes: FastifyPluginAsync = async (app) => {
  const { garmin } = app.deps;
  app.addHook('onRequest', app.requireAuth);
  const security = [{ bearer: [] }];

  app.put<{ Body: GarminConnectBody }>(
    '/v1/garmin/connection',
    {
      schema: {
        tags: ['garmin'],
        summary: 'Sign in to Garmin Connect; 202 when Garmin asks for its MFA code',
        security,
        body: GarminConnectBody,
        response: { 200: GarminConnected, 202: GarminMfaRequired, ...problems(400, 401, 429, 502) },
      },
    },
    async (req, reply) => {
      const out = await garmin.connect(authOf(req).userId, req.body.email, req.body.password, req.ip);
      return reply.code(out.status === 'mfa_required' ? 202 : 200).send(out);
    },
  );

  app.post<{ Body: GarminMfaBody }>(
    '/v1/garmin/connection/mfa',
    {
      schema: {
        tags: ['garmin'],
        summary: "Finish a Garmin sign-in with the code Garmin sent",
        security,
        body: GarminMfaBody,
        response: { 200: GarminConnected, ...problems(400, 401, 410, 429, 502) },
      },
    },
    (req) => garmin.verifyMfa(authOf(req).userId, req.body.challenge_id, req.body.code),
  );

  app.put<{ Body: GarminTokenImportBody }>(
    '/v1/garmin/connection/tokens',
    {
      schema: {
        tags: ['garmin'],
        summary: "Link Garmin with tokens python-garminconnect or garth saved; checked with one profile call, nothing stored on failure",
        security,
        body: GarminTokenImportBody,
        response: { 200: GarminConnected, ...problems(400, 401, 429, 502) },
      },
    },
    (req) => garmin.importTokens(authOf(req).userId, req.body),
  );

  app.get(
    '/v1/garmin/connection',
    {
      schema: {
        tags: ['garmin'],
        summary: 'The Garmin connection: connected, not_connected or reauth_required',
        security,
        response: { 200: GarminConnection, ...problems(401) },
      },
    },
    (req) => garmin.status(authOf(req).userId),
  );

  app.delete(
    '/v1/garmin/connection',
    {
      schema: {
        tags: ['garmin'],
        summary: 'Disconnect Garmin: the stored Garmin tokens are erased',
        security,
        response: { 204: NoContent, ...problems(401) },
      },
    },
    async (req, reply) => {
      await garmin.disconnect(authOf(req).userId);
      return reply.code(204).send();
    },
  );
};
