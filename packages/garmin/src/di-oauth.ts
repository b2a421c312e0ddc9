/**
 * Garmin's DI OAuth2 service (garmin-protocol.md, sign-in steps 4 and 6):
 * a CAS service ticket becomes an access/refresh token pair, and the refresh
 * token grant rotates them. No public recording of these answers exists; the
 * shape follows the protocol page (`access_token` JWT with `exp`,
 * `refresh_token`, optional `expires_in`/`refresh_token_expires_in`).
 */
import type { Runtime } from '@fitsync/runtime';
import { parseExactJson } from './exact-json.js';
import type { GarminEndpoints } from './endpoints.js';
import {
  type GarminError,
  GarminInputError,
  GarminNetworkError,
  GarminRateLimitedError,
  GarminTokenInvalidError,
  GarminUnavailableError,
  GarminUnexpectedAnswerError,
} from './errors.js';
import { describeAnswer, type HttpClient, type HttpResponse, mediaType, retryAfterSeconds } from './transport.js';

/** DI OAuth2 client ids, tried in this order for the ticket exchange (garmin-protocol.md step 4). */
export const DI_CLIENT_IDS: readonly string[] = Object.freeze([
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI',
  'GARMIN_CONNECT_MOBILE_IOS_DI',
]);

/** Grant type of the service-ticket exchange. */
export const SERVICE_TICKET_GRANT = 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';

/** Garmin tokens, JSON-serialisable; persist them encrypted (they are secrets). */
export interface GarminTokens {
  accessToken: string;
  refreshToken: string;
  /** Access token expiry, epoch ms (JWT `exp`, else `expires_in`). */
  expiresAt: number;
  /** Refresh token expiry, epoch ms, when Garmin tells. */
  refreshExpiresAt?: number;
  /** When the access token was issued, epoch ms (JWT `iat`, else receipt time). */
  issuedAt?: number;
  /** The DI client id the tokens belong to (needed to refresh). */
  clientId: string;
}

/** Default sleep-free wait when diauth throttles without Retry-After (15 min). */
const DEFAULT_SIGNIN_WAIT_S = 900;

interface DiContext {
  http: HttpClient;
  endpoints: GarminEndpoints;
  runtime: Runtime;
}

function tokenUrl(endpoints: GarminEndpoints): string {
  return `${endpoints.diauthUrl}/di-oauth2-service/oauth/token`;
}

function basic(clientId: string): string {
  // Garmin's DI clients have an empty secret: Basic base64("<client_id>:").
  return `Basic ${Buffer.from(`${clientId}:`).toString('base64')}`;
}

/** Reads the payload of a JWT without verifying it (we only need `exp`/`iat`); undefined if not a JWT. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function bodyJson(res: HttpResponse): Record<string, unknown> | undefined {
  if (!mediaType(res).includes('json')) return undefined;
  try {
    const v = parseExactJson(res.body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Turns a token answer into {@link GarminTokens}; `previous` supplies a refresh token Garmin did not rotate. */
export function tokensFromAnswer(
  res: HttpResponse,
  clientId: string,
  now: number,
  previous?: GarminTokens,
): GarminTokens {
  const j = bodyJson(res);
  if (!j) throw new GarminUnexpectedAnswerError(`DI token answer is not JSON (${describeAnswer(res)})`);
  const access = j.access_token;
  const refresh = typeof j.refresh_token === 'string' && j.refresh_token ? j.refresh_token : previous?.refreshToken;
  if (typeof access !== 'string' || !access || !refresh) {
    throw new GarminUnexpectedAnswerError('DI token answer lacks access_token or refresh_token');
  }
  const claims = decodeJwtPayload(access);
  let expiresAt: number | undefined;
  if (claims && typeof claims.exp === 'number') expiresAt = claims.exp * 1000;
  else if (typeof j.expires_in === 'number') expiresAt = now + j.expires_in * 1000;
  if (expiresAt === undefined) throw new GarminUnexpectedAnswerError('DI token answer has no expiry (JWT exp or expires_in)');
  const tokens: GarminTokens = {
    accessToken: access,
    refreshToken: refresh,
    expiresAt,
    issuedAt: claims && typeof claims.iat === 'number' ? claims.iat * 1000 : now,
    clientId,
  };
  if (typeof j.refresh_token_expires_in === 'number') tokens.refreshExpiresAt = now + j.refresh_token_expires_in * 1000;
  else if (previous?.refreshExpiresAt !== undefined && refresh === previous.refreshToken) {
    tokens.refreshExpiresAt = previous.refreshExpiresAt;
  }
  return tokens;
}

function describeOAuthError(res: HttpResponse): string {
  const j = bodyJson(res);
  const err = j && typeof j.error === 'string' ? ` error "${j.error.slice(0, 60)}"` : '';
  return `${describeAnswer(res)}${err}`;
}

async function post(ctx: DiContext, clientId: string, form: Record<string, string>): Promise<HttpResponse> {
  return ctx.http.request({
    method: 'POST',
    url: tokenUrl(ctx.endpoints),
    headers: {
      authorization: basic(clientId),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(form).toString(),
  });
}

/**
 * Exchanges a CAS service ticket for DI OAuth2 tokens, trying each client id
 * in order until one is accepted. `serviceUrl` must equal the `service` used
 * at sign-in. Throws GarminRateLimitedError on 429 (no further ids tried).
 */
export async function exchangeServiceTicket(
  ctx: DiContext,
  ticket: string,
  serviceUrl: string,
  clientIds: readonly string[] = DI_CLIENT_IDS,
): Promise<GarminTokens> {
  let last: GarminError | undefined;
  for (const clientId of clientIds) {
    let res: HttpResponse;
    try {
      res = await post(ctx, clientId, {
        client_id: clientId,
        service_ticket: ticket,
        grant_type: SERVICE_TICKET_GRANT,
        service_url: serviceUrl,
      });
    } catch (err) {
      if (err instanceof GarminNetworkError) {
        throw new GarminUnavailableError(`Garmin DI token exchange failed: ${err.message}`, { cause: err });
      }
      throw err;
    }
    if (res.status === 429) {
      throw new GarminRateLimitedError(retryAfterSeconds(res, ctx.runtime.now()) ?? DEFAULT_SIGNIN_WAIT_S, 'Garmin DI token service');
    }
    if (res.status >= 200 && res.status < 300) return tokensFromAnswer(res, clientId, ctx.runtime.now());
    if (res.status >= 500) throw new GarminUnavailableError(`Garmin DI token exchange failed: ${describeAnswer(res)}`);
    // A 4xx for this client id: Garmin retires ids without notice, so try the next one.
    last = new GarminUnexpectedAnswerError(`Garmin DI token exchange rejected: ${describeOAuthError(res)}`);
  }
  throw last ?? new GarminUnexpectedAnswerError('no DI client id configured');
}

/**
 * Refreshes DI OAuth2 tokens (`grant_type=refresh_token`). A rejected refresh
 * (400/401) is GarminTokenInvalidError: re-authentication required. A refresh
 * token Garmin rotated replaces the old one in the result.
 */
export async function refreshDiTokens(ctx: DiContext, tokens: GarminTokens): Promise<GarminTokens> {
  const res = await post(ctx, tokens.clientId, {
    grant_type: 'refresh_token',
    client_id: tokens.clientId,
    refresh_token: tokens.refreshToken,
  });
  if (res.status === 429) {
    throw new GarminRateLimitedError(retryAfterSeconds(res, ctx.runtime.now()) ?? 60, 'Garmin DI token service');
  }
  if (res.status === 400 || res.status === 401 || res.status === 403) {
    throw new GarminTokenInvalidError(`Garmin rejected the token refresh (${describeOAuthError(res)}); reauth required`);
  }
  if (res.status >= 500) throw new GarminUnavailableError(`Garmin token refresh failed: ${describeAnswer(res)}`);
  if (res.status < 200 || res.status >= 300) {
    throw new GarminUnexpectedAnswerError(`Garmin token refresh answered ${describeAnswer(res)}`);
  }
  return tokensFromAnswer(res, tokens.clientId, ctx.runtime.now(), tokens);
}

/** Validates tokens read back from storage. Throws GarminInputError when malformed. */
export function parseGarminTokens(data: unknown): GarminTokens {
  if (typeof data !== 'object' || data === null) throw new GarminInputError('Garmin tokens: not an object');
  const d = data as Record<string, unknown>;
  for (const k of ['accessToken', 'refreshToken', 'clientId'] as const) {
    if (typeof d[k] !== 'string' || !d[k]) throw new GarminInputError(`Garmin tokens: bad ${k}`);
  }
  if (typeof d.expiresAt !== 'number' || !Number.isFinite(d.expiresAt)) throw new GarminInputError('Garmin tokens: bad expiresAt');
  const t: GarminTokens = {
    accessToken: d.accessToken as string,
    refreshToken: d.refreshToken as string,
    expiresAt: d.expiresAt,
    clientId: d.clientId as string,
  };
  if (typeof d.refreshExpiresAt === 'number') t.refreshExpiresAt = d.refreshExpiresAt;
  if (typeof d.issuedAt === 'number') t.issuedAt = d.issuedAt;
  return t;
}
