import { DisableTotpBody, RecoveryCodes, TotpCodeBody, TotpSetup } from '@fitsync/api';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { NoContent, problems } from '../http/schemas.js';

/** TOTP enrolment and recovery codes for the signed-in user (MfaService holds the rules). */
export const mfaRoutes: FastifyPluginAsync = async (app) => {
  const { mfa } = app.deps;
  app.addHook('onRequest', app.requireAuth);
  const security = [{ bearer: [] }];

  app.post(
    '/v1/mfa/totp',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Create a pending TOTP secret (MFA stays off until confirmed)',
        security,
        response: { 200: TotpSetup, ...problems(401, 409) },
      },
    },
    (req) => mfa.setup(authOf(req).userId),
  );

  app.post<{ Body: TotpCodeBody }>(
    '/v1/mfa/totp/confirm',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Confirm the pending TOTP secret with a code; returns 10 recovery codes',
        security,
        body: TotpCodeBody,
        response: { 200: RecoveryCodes, ...problems(400, 401, 409, 429) },
      },
    },
    (req) => mfa.confirm(authOf(req).userId, req.body.code, req.ip, authOf(req).sessionId),
  );

  app.delete<{ Body: DisableTotpBody }>(
    '/v1/mfa/totp',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Turn MFA off (needs a TOTP or recovery code)',
        security,
        body: DisableTotpBody,
        response: { 204: NoContent, ...problems(400, 401, 409, 429) },
      },
    },
    async (req, reply) => {
      await mfa.disable(authOf(req).userId, req.body, req.ip);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: TotpCodeBody }>(
    '/v1/mfa/recovery-codes',
    {
      schema: {
        tags: ['mfa'],
        summary: 'Replace the recovery codes (needs a TOTP code); the old ones stop working',
        security,
        body: TotpCodeBody,
        response: { 200: RecoveryCodes, ...problems(400, 401, 409, 429) },
      },
    },
    (req) => mfa.regenerateRecoveryCodes(authOf(req).userId, req.body.code, req.ip),
  );
};
