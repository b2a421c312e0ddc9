import type { FastifyInstance } from 'fastify';

/** On every response of the server (docs/web.md "Serving"). */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['x-frame-options', 'DENY'],
];

/** On HTML answers: scripts, styles and connections from this origin only; no inline code anywhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The same, as a headers object (for answers written past fastify's reply: the event streams). */
export const SECURITY_HEADER_OBJECT: Readonly<Record<string, string>> = Object.fromEntries(SECURITY_HEADERS);

/**
 * Sets the security headers on every answer fastify sends. Through the reply's own header object,
 * not the raw response: a single raw setHeader would put Node's writeHead on its slow path for every
 * header of the answer. A callback hook with constant values: no promise and no object per request,
 * as `GET /v1/me` must stay as cheap as it is (issue 13). Hijacked answers (the job event stream)
 * add SECURITY_HEADER_OBJECT themselves.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    done();
  });
}
