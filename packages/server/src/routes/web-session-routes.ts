import { WebMfaBody, WebSession, WebSignInBody, WebSignInResponse, WebSignedIn } from '@fitsync/api';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authOf } from '../app-deps.js';
import { ApiError } from '../http/api-error.js';
import { NoContent, problems } from '../http/schemas.js';
import type { UserRow } from '../repositories/users.js';
import { assertSameOrigin, authenticateCookie, clearCookieFor, setCookieFor } from '../web/web-auth.js';

const unsupportedType = () => new ApiError(415, 'validation_error', 'Unsupported content type; send application/json.');

/**
 * /v1/web/session (docs/web.md "Browser sessions"): sign-in for the web app. The posts go through
 * AuthService like /v1/auth/login and /v1/auth/mfa (same throttling, lockout, MFA and errors) but open
 * a browser session: an HttpOnly cookie, and only a CSRF token in the body.
 */
export const webSessionRoutes: FastifyPluginAsync = async (app) => {
  const { auth, webSessions } = app.deps;
  const cookieSecurity = [{ cookie: [] }];

  /** Before the body is read: a sign-in post must be JSON from this site (no cookie to carry a CSRF token yet). */
  const signInGuard = async (request: FastifyRequest) => {
    assertSameOrigin(request);
    const type = request.headers['content-type'];
    const media = typeof type === 'string' ? type.split(';', 1)[0]!.trim().toLowerCase() : '';
    if (media !== 'application/json') throw unsupportedType();
  };
  const cookieOnly = async (request: FastifyRequest) => {
    request.auth = await authenticateCookie(request, webSessions);
  };
  const open = (user: UserRow, mfaVerified: boolean, q?: Parameters<typeof webSessions.open>[2]) => webSessions.open(user, mfaVerified, q);

  /** The answer of a successful sign-in: the cookie, the user, the CSRF token. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply, opened: { secret: string; sessionId: string; userId: string }) => {
    reply.header('set-cookie', setCookieFor(request, opened.secret, webSessions.ttlS));
    return { status: 'authenticated' as const, user: await auth.me(opened.userId), csrf_token: webSessions.csrfToken(opened.sessionId) };
  };
  const noStore = (_req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    // The body carries the CSRF token and the user: never kept by caches.
    reply.header('cache-control', 'no-store');
    done();
  };

  app.post<{ Body: WebSignInBody }>(
    '/v1/web/session',
    {
      onRequest: [noStore, signInGuard],
      schema: {
        tags: ['web'],
        summary: 'Sign the web app in with username and password (sets the session cookie)',
        body: WebSignInBody,
        response: { 200: WebSignInResponse, ...problems(400, 401, 403, 415, 429) },
      },
    },
    async (req, reply) => {
      const r = await auth.signIn(req.body.username, req.body.password, req.ip, async (user, mfa, q) => ({
        ...(await open(user, mfa, q)),
        userId: user.id,
      }));
      return 'secret' in r ? signedIn(req, reply, r) : r;
    },
  );

  app.post<{ Body: WebMfaBody }>(
    '/v1/web/session/mfa',
    {
      onRequest: [noStore, signInGuard],
      schema: {
        tags: ['web'],
        summary: 'Complete the web sign-in challenge with a TOTP or recovery code (sets the session cookie)',
        body: WebMfaBody,
        response: { 200: WebSignedIn, ...problems(400, 401, 403, 410, 415, 429) },
      },
    },
    async (req, reply) => {
      const r = await auth.verifyMfaWith(req.body.challenge_id, req.body, req.ip, async (user, mfa, q) => ({
        ...(await open(user, mfa, q)),
        userId: user.id,
      }));
      return signedIn(req, reply, r);
    },
  );

  app.get(
    '/v1/web/session',
    {
      onRequest: [noStore, cookieOnly],
      schema: {
        tags: ['web'],
        summary: 'The user the session cookie signs in, and its CSRF token',
        security: cookieSecurity,
        response: { 200: WebSession, ...problems(401) },
      },
    },
    async (req) => {
      const { userId, sessionId } = authOf(req);
      return { user: await auth.me(userId), csrf_token: webSessions.csrfToken(sessionId) };
    },
  );

  app.delete(
    '/v1/web/session',
    {
      onRequest: [noStore, cookieOnly],
      schema: {
        tags: ['web'],
        summary: 'Sign the web app out: revokes the session and clears the cookie (needs X-CSRF-Token)',
        security: cookieSecurity,
        response: { 204: NoContent, ...problems(401, 403) },
      },
    },
    async (req, reply) => {
      await webSessions.revoke(authOf(req).sessionId);
      return reply.code(204).header('set-cookie', clearCookieFor(req)).send();
    },
  );
};
