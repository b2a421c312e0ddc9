import type { GarminTokenImportBody } from '@fitsync/api';
import { decodeJwtPayload, GARTH_EXCHANGE_AUDIENCE, type GarminTokens } from '@fitsync/garmin';
import { ApiError } from '../http/api-error.js';

/**
 * Turns an imported token file (garmin-token-files.md §3) into FitSync's GarminTokens, or throws
 * 400 validation_error (malformed, unusable, not a garmin.com account) / 401 garmin_auth_failed
 * (expired with no usable refresh token). Details name the field and the problem, never a value.
 *
 * - python-garminconnect: `di_token` must be a JWT whose header is not `alg: none` (pgc refuses
 *   those too) and whose payload has `exp`; the client id is the JWT's `client_id` claim, else
 *   `di_client_id` (pgc's rule).
 * - garth: the OAuth2 access/refresh pair is what FitSync keeps; the client id comes from the
 *   access token's `client_id` claim when it is a JWT, else the audience garth's exchange asked for.
 *   The OAuth1 pair is not kept: renewing by OAuth1 exchange needs Garmin's app consumer secret,
 *   and the classic exchange stopped working for new sign-ins in March 2026 (garmin-protocol.md);
 *   keeping an unused year-long secret would only widen what a leak exposes.
 */
export function tokensFromImport(body: GarminTokenImportBody, now: number): GarminTokens {
  return body.format === 'garminconnect' ? fromGarminconnect(body, now) : fromGarth(body, now);
}

function fromGarminconnect(b: Extract<GarminTokenImportBody, { format: 'garminconnect' }>, now: number): GarminTokens {
  const jwt = readJwt(b.di_token, 'di_token');
  if (typeof jwt.payload.exp !== 'number' || !Number.isFinite(jwt.payload.exp)) throw invalid('di_token has no `exp` claim');
  const claimId = typeof jwt.payload.client_id === 'string' && jwt.payload.client_id ? jwt.payload.client_id : null;
  const clientId = claimId ?? b.di_client_id;
  if (!clientId) throw invalid('no client id: neither the di_token `client_id` claim nor di_client_id is set');
  if (!b.di_refresh_token) {
    // Without a refresh token the link would die with the access token (a day at most).
    throw expiredOr(jwt.payload.exp * 1000 <= now, 'di_refresh_token is null: FitSync could not keep the session past the access token');
  }
  const tokens: GarminTokens = { accessToken: b.di_token, refreshToken: b.di_refresh_token, expiresAt: jwt.payload.exp * 1000, clientId };
  if (typeof jwt.payload.iat === 'number') tokens.issuedAt = jwt.payload.iat * 1000;
  return tokens;
}

function fromGarth(b: Extract<GarminTokenImportBody, { format: 'garth' }>, now: number): GarminTokens {
  if (b.oauth1.domain && b.oauth1.domain !== 'garmin.com') {
    throw invalid(`the tokens belong to ${b.oauth1.domain === 'garmin.cn' ? 'Garmin China (garmin.cn)' : 'another Garmin domain'}; FitSync works with garmin.com accounts only`);
  }
  const o = b.oauth2;
  const payload = decodeJwtPayload(o.access_token);
  const claimId = payload && typeof payload.client_id === 'string' && payload.client_id ? payload.client_id : null;
  const tokens: GarminTokens = {
    accessToken: o.access_token,
    refreshToken: o.refresh_token,
    expiresAt: payload && typeof payload.exp === 'number' ? payload.exp * 1000 : o.expires_at * 1000,
    clientId: claimId ?? GARTH_EXCHANGE_AUDIENCE,
  };
  if (typeof o.refresh_token_expires_at === 'number') tokens.refreshExpiresAt = o.refresh_token_expires_at * 1000;
  if (tokens.expiresAt <= now && tokens.refreshExpiresAt !== undefined && tokens.refreshExpiresAt <= now) {
    throw expiredOr(true, 'both the access token and the refresh token have expired');
  }
  return tokens;
}

function readJwt(token: string, field: string): { payload: Record<string, unknown> } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw invalid(`${field} is not a JWT`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
  } catch {
    throw invalid(`${field} is not a JWT (its header is not JSON)`);
  }
  if (typeof header !== 'object' || header === null) throw invalid(`${field} is not a JWT (its header is not an object)`);
  const alg = (header as Record<string, unknown>).alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') throw invalid(`${field} is an unsigned JWT (alg "none")`);
  const payload = decodeJwtPayload(token);
  if (!payload) throw invalid(`${field} is not a JWT (its payload is not JSON)`);
  return { payload };
}

function invalid(what: string): ApiError {
  return new ApiError(400, 'validation_error', `The imported Garmin tokens cannot be used: ${what}.`);
}

function expiredOr(expired: boolean, what: string): ApiError {
  return expired ? new ApiError(401, 'garmin_auth_failed', `The imported Garmin tokens have expired: ${what}; sign in with \`fitsync garmin connect\`.`) : invalid(what);
}
