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

/**
 * Sets the security headers on every response. Set on the raw response when the request arrives
 * (not in onSend), so answers written past fastify's reply — the hijacked event streams — carry
 * them too. A callback hook with constant values: no promise and no object per request, as
 * `GET /v1/me` must stay as cheap as it is (issue 13).
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    const res = reply.raw;
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    done();
  });
}
