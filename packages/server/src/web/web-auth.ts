import type { FastifyRequest } from 'fastify';
import { ApiError, invalidToken } from '../http/api-error.js';
import type { AuthContext } from '../services/token-service.js';
import { readCookie, sessionCookie } from './cookies.js';
import type { WebSessions } from './web-sessions.js';

/** The cookie's name: `__Host-` under TLS, so only this origin, over HTTPS, can set it (RFC 6265bis §4.1.3.2). */
export const COOKIE_NAME = 'fitsync_session';
export const TLS_COOKIE_NAME = '__Host-fitsync_session';

/**
 * Whether the request came over TLS: our own HTTPS, or a trusted proxy's X-Forwarded-Proto
 * (fastify honours it only from FITSYNC_TRUST_PROXY addresses).
 */
function overTls(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function cookieNameFor(request: FastifyRequest): string {
  return overTls(request) ? TLS_COOKIE_NAME : COOKIE_NAME;
}

/** Set-Cookie for a new session secret (Max-Age: the refresh-token lifetime). */
export function setCookieFor(request: FastifyRequest, secret: string, maxAgeS: number): string {
  return sessionCookie(cookieNameFor(request), secret, { maxAgeS, secure: overTls(request) });
}

/** Set-Cookie that clears the session cookie. */
export function clearCookieFor(request: FastifyRequest): string {
  return sessionCookie(cookieNameFor(request), '', { maxAgeS: 0, secure: overTls(request) });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const csrfFailed = (detail: string) => new ApiError(403, 'csrf_failed', detail);

/**
 * Whether the request's Origin, when it has one, is this server's own: the origin the request was
 * addressed to (scheme://host[:port]), or FITSYNC_PUBLIC_URL's, the address users are sent to.
 */
export function sameOriginOrNone(request: FastifyRequest): boolean {
  const origin = request.headers.origin?.toLowerCase();
  if (origin === undefined) return true;
  if (origin === `${request.protocol}://${request.host}`.toLowerCase()) return true;
  const publicUrl = request.server.deps.config.publicUrl;
  return publicUrl !== undefined && origin === new URL(publicUrl).origin.toLowerCase();
}

/** 403 csrf_failed unless the request's Origin, when it has one, is this server's own. */
export function assertSameOrigin(request: FastifyRequest): void {
  if (!sameOriginOrNone(request)) throw csrfFailed('Requests from another site are refused.');
}

/**
 * Authenticates a request by its session cookie; 401 invalid_token without a live one. A state
 * change (any method but GET/HEAD/OPTIONS) must also carry the session's X-CSRF-Token and, when it
 * has an Origin, come from this server's own: else 403 csrf_failed.
 */
export async function authenticateCookie(request: FastifyRequest, web: WebSessions): Promise<AuthContext> {
  const secret = readCookie(request.headers.cookie, cookieNameFor(request));
  if (secret === undefined) {
    throw new ApiError(401, 'invalid_token', 'Sign in first: no bearer token or session cookie was presented.', {}, {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  const auth = await web.authenticate(secret);
  if (!auth) throw invalidToken();
  if (!SAFE_METHODS.has(request.method)) {
    assertSameOrigin(request);
    const token = request.headers['x-csrf-token'];
    if (!web.csrfMatches(auth.sessionId, typeof token === 'string' ? token : undefined)) {
      throw csrfFailed('This change needs the X-CSRF-Token header of your session.');
    }
  }
  return auth;
}
