import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One log line per request, written when it is answered (issue 13: fastify's two lines per
 * request, "incoming request" and "request completed", were a fifth of what `GET /v1/me` cost).
 * The line carries what both did: the request (method, path without the query string, host,
 * client address; see the `req` serializer in app.ts), the matched route, the status and the time
 * in ms. "incoming request" is still written at debug, for requests that never finish.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    // A no-op below debug (pino swaps the method), so this costs one small object at info.
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, route: request.routeOptions.url ?? null, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
