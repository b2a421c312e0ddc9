import {
  DEVICE_CODE_GRANT_TYPE,
  DeviceApproveBody,
  DeviceAuthorization,
  DeviceAuthorizationBody,
  DeviceDecision,
  DeviceRequest,
  DeviceTokenBody,
  DeviceVerifyBody,
  TokenPair,
} from '@fitsync/api';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { authOf } from '../app-deps.js';
import { ApiError } from '../http/api-error.js';
import { problems } from '../http/schemas.js';
import type { DeviceAuthService } from '../services/device-auth-service.js';
import { oauthError } from '../services/device-auth-service.js';

/** Bodies of the two device endpoints hold a few short fields; anything near this is not one of them. */
const DEVICE_BODY_LIMIT = 4096;

/**
 * RFC 8628 device login: `POST /v1/auth/device` and `/device/token` (no auth; JSON, form-encoded,
 * or for the first no body at all, as OAuth clients send them), then `/device/verify` and
 * `/device/approve` for the signed-in user (the `/device` page; CSRF comes with the cookie auth).
 */
export const deviceRoutes: FastifyPluginAsync<{ devices: DeviceAuthService }> = async (app, { devices }) => {
  await app.register(async (oauth) => oauthEndpoints(oauth, devices));
  await app.register(async (user) => approvalEndpoints(user, devices));
};

async function oauthEndpoints(app: FastifyInstance, devices: DeviceAuthService): Promise<void> {
  // Only in this scope: every other route stays JSON-only.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: DEVICE_BODY_LIMIT }, (_req, body, done) => {
    done(null, parseForm(body as string));
  });
  // RFC 8628 §3.1 clients may send nothing at all: that is the empty request.
  app.addHook('preValidation', async (req) => {
    req.body ??= {};
  });
  // The answers carry secrets (device code, tokens): RFC 6749 §5.1 forbids caching them.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
  });
  const { publicUrl } = app.deps.config;

  app.post<{ Body: DeviceAuthorizationBody }>(
    '/v1/auth/device',
    {
      bodyLimit: DEVICE_BODY_LIMIT,
      schema: {
        tags: ['auth'],
        summary: 'Start a device login (RFC 8628 §3.1): a device code to poll with and a user code to approve',
        body: DeviceAuthorizationBody,
        response: { 200: DeviceAuthorization, ...problems(400, 413, 415, 429) },
      },
    },
    (req) => devices.start(req.body.client_id ?? null, req.ip, publicUrl ?? requestOrigin(req)),
  );

  app.post<{ Body: DeviceTokenBody }>(
    '/v1/auth/device/token',
    {
      bodyLimit: DEVICE_BODY_LIMIT,
      // A malformed request is the RFC's invalid_request here, not FitSync's validation_error.
      attachValidation: true,
      schema: {
        tags: ['auth'],
        summary: 'Poll a device login (RFC 8628 §3.4): a token pair once approved, else an RFC 6749 §5.2 error',
        body: DeviceTokenBody,
        response: { 200: TokenPair, ...problems(400, 413, 415) },
      },
    },
    (req) => {
      if (req.validationError) throw oauthError('invalid_request', 'The request must carry grant_type and device_code, once each.');
      const { grant_type: grant, device_code: code } = req.body;
      // RFC 6749 §3.2: a parameter sent without a value counts as omitted.
      if (!grant || !code) {
        throw oauthError('invalid_request', 'The request must carry grant_type and device_code.');
      }
      if (grant !== DEVICE_CODE_GRANT_TYPE) throw oauthError('unsupported_grant_type', `grant_type must be ${DEVICE_CODE_GRANT_TYPE}.`);
      return devices.poll(code);
    },
  );
}

async function approvalEndpoints(app: FastifyInstance, devices: DeviceAuthService): Promise<void> {
  app.addHook('onRequest', app.requireAuth);
  const security = [{ bearer: [] }];

  app.post<{ Body: DeviceVerifyBody }>(
    '/v1/auth/device/verify',
    {
      schema: {
        tags: ['auth'],
        summary: 'Look up the pending device login a user code names',
        security,
        body: DeviceVerifyBody,
        response: { 200: DeviceRequest, ...problems(400, 401, 403, 404, 429) },
      },
    },
    (req) => devices.verify(authOf(req), req.body.user_code, req.ip),
  );

  app.post<{ Body: DeviceApproveBody }>(
    '/v1/auth/device/approve',
    {
      schema: {
        tags: ['auth'],
        summary: 'Approve or deny the pending device login a user code names',
        security,
        body: DeviceApproveBody,
        response: { 200: DeviceDecision, ...problems(400, 401, 403, 404, 429) },
      },
    },
    (req) => devices.decide(authOf(req), req.body.user_code, req.body.action, req.ip),
  );
}

/**
 * application/x-www-form-urlencoded into an object. A name sent twice becomes an array, which the
 * schemas refuse for the parameters they name (RFC 6749 §3.2: parameters must not be repeated).
 */
function parseForm(text: string): Record<string, string | string[]> {
  // No prototype: a field named __proto__ is just a field (the schema then refuses it).
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** The origin the client used (Host, or X-Forwarded-Host/-Proto from a trusted proxy). */
function requestOrigin(req: FastifyRequest): string {
  const { host, protocol } = req;
  // The Host header is the client's to choose; only a plain host[:port] goes into a URL we hand out.
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host) || (protocol !== 'http' && protocol !== 'https')) {
    throw new ApiError(400, 'validation_error', 'The Host header (or X-Forwarded-Host/-Proto) is not valid; FITSYNC_PUBLIC_URL avoids depending on it.');
  }
  return `${protocol}://${host}`;
}
