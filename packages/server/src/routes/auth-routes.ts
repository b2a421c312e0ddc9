import { LoginBody, LoginResponse, LogoutBody, MfaBody, RefreshBody, TokenPair } from '@fitsync/api';
import type { FastifyPluginAsync } from 'fastify';
import { NoContent, problems } from '../http/schemas.js';

/** POST /v1/auth/{login,mfa,refresh,logout}: thin adapters over AuthService and TokenService. */
export const authRoutes: FastifyPluginAsync = async (app) => {
  const { auth, tokens } = app.deps;

  app.post<{ Body: LoginBody }>(
    '/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with username and password',
        body: LoginBody,
        response: { 200: LoginResponse, ...problems(400, 401, 429) },
      },
    },
    (req) => auth.login(req.body.username, req.body.password, req.ip),
  );

  app.post<{ Body: MfaBody }>(
    '/v1/auth/mfa',
    {
      schema: {
        tags: ['auth'],
        summary: 'Complete a sign-in challenge with a TOTP or recovery code',
        body: MfaBody,
        response: { 200: TokenPair, ...problems(400, 401, 410, 429) },
      },
    },
    (req) => auth.verifyMfa(req.body.challenge_id, req.body, req.ip),
  );

  app.post<{ Body: RefreshBody }>(
    '/v1/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new token pair (the old one is spent)',
        body: RefreshBody,
        response: { 200: TokenPair, ...problems(400, 401) },
      },
    },
    (req) => tokens.refresh(req.body.refresh_token),
  );

  app.post<{ Body: LogoutBody }>(
    '/v1/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke the session of a refresh token',
        body: LogoutBody,
        response: { 204: NoContent, ...problems(400) },
      },
    },
    async (req, reply) => {
      await tokens.logout(req.body.refresh_token);
      return reply.code(204).send();
    },
  );
};
