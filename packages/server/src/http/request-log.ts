import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pathOf } from './path-of.js';

/**
 * One log line per request, written when it is answered (issue 13: fastify's two lines per
 * request, "incoming request" and "request completed", with their nested `req`/`res` objects, were
 * a fifth of what `GET /v1/me` cost). The line carries what both did, as flat fields pino writes
 * without serializers: method, path (never the query string: cursors and whatever a client put
 * there by mistake), matched route, status, time in ms, client address. Headers are not logged (the
 * logger's redaction still guards any line that passes them). "incoming request" is still written
 * at debug, for requests that never finish.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    // A no-op below debug (pino swaps the method), so this costs one small object at info.
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      url: pathOf(request.url),
      route: request.routeOptions.url ?? null,
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
      remoteAddress: request.ip,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
