import { PROBLEM_CONTENT_TYPE } from '@fitsync/api/codes';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GarminNotConnectedError } from '../errors/garmin-not-connected-error.js';
import { SECURITY_HEADERS } from '../web/security-headers.js';
import { ApiError, problemBody } from './api-error.js';

/**
 * Turns every error into RFC 9457 problem+json with a stable `code`. Client errors say what is
 * wrong without echoing input (a JSON parse error would quote the body, password included);
 * server errors are logged and answered with a bare internal_error.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) {
      if (err.status >= 500) request.log.error({ code: err.code }, 'request failed');
      return send(reply, err);
    }
    // Domain errors become problems here, in one place.
    if ((err as unknown) instanceof GarminNotConnectedError) return send(reply, new ApiError(409, 'garmin_not_connected', err.message));
    if (err.validation) {
      const errors = err.validation.map((v) => ({
        path: `${err.validationContext ?? 'body'}${v.instancePath || ''}`,
        message: v.message ?? 'is invalid',
      }));
      return send(reply, new ApiError(400, 'validation_error', 'The request is not valid.', { errors }));
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      request.log.info({ errCode: err.code }, 'client error');
      return send(reply, new ApiError(status, 'validation_error', clientMessage(err)));
    }
    // Log the error type and stack, not its message: driver messages may quote parameters.
    request.log.error({ errType: err.name, errCode: err.code, stack: redactStack(err.stack) }, 'unexpected error');
    return send(reply, new ApiError(500, 'internal_error', 'Something went wrong on the server.'));
  });

  app.setNotFoundHandler((request, reply) => {
    send(reply, new ApiError(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
  });
}

/**
 * fastify's `frameworkErrors`: errors found while routing, before any hook runs — a path with bad
 * percent-encoding (FST_ERR_BAD_URL) or an over-long parameter. fastify's own answer is plain JSON
 * quoting the URL; ours is problem+json without it.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  // Routing failed before the onRequest hook that sets these on every other answer.
  for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  send(reply, new ApiError(status, 'validation_error', 'The request URL is not valid.'));
}

/**
 * fastify's `clientErrorHandler`: Node's HTTP parser refused the request (bad request line or
 * header, conflicting lengths) or the client was too slow (ERR_HTTP_REQUEST_TIMEOUT). The request
 * never reached fastify, so the answer is written to the socket by hand, then the socket closes.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset or already-closed socket has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // The code only: parser messages may quote the bytes the client sent.
  this.log.debug({ errCode: err.code }, 'client error');
  let status = 400;
  let detail = 'The request is not valid HTTP.';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    detail = 'The request did not arrive in time.';
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    detail = 'The request headers are too large.';
  }
  if (socket.writable) {
    const body = JSON.stringify(problemBody(new ApiError(status, 'validation_error', detail)));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${SECURITY_LINES}Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

const SECURITY_LINES = SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join('');

function send(reply: FastifyReply, err: ApiError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(err));
}

function clientMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is not valid JSON.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type; send application/json.';
    default:
      return 'The request is not valid.';
  }
}

function redactStack(stack: string | undefined): string | undefined {
  // Keep only the frames; the first line repeats the message.
  return stack?.split('\n').slice(1).join('\n');
}
