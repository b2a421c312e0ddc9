import type { Runtime } from '@fitsync/runtime';
import type { CookieJar } from './cookie-jar.js';
import type { GarminEndpoints } from './endpoints.js';
import { GarminCloudflareBlockedError, GarminNetworkError, GarminRateLimitedError, GarminUnavailableError } from './errors.js';
import { type HttpClient, type HttpRequest, type HttpResponse, mediaType, retryAfterSeconds } from './transport.js';

/** What every sign-in strategy needs. */
export interface SignInContext {
  http: HttpClient;
  endpoints: GarminEndpoints;
  runtime: Runtime;
}

/** A strategy step's outcome: a CAS ticket, or a pause for the MFA code. */
export type SignInStep<P> = { kind: 'ticket'; ticket: string; service: string } | { kind: 'mfa'; mfaMethod: string | null; params: P };

/** Wait reported when Garmin throttles a sign-in without Retry-After (garmin-protocol.md: minutes). */
export const DEFAULT_SIGNIN_RETRY_AFTER_S = 900;

/**
 * One SSO request: never retried (retrying sign-in makes Garmin's throttling
 * worse), transport failures become GarminUnavailableError.
 */
export async function ssoRequest(ctx: SignInContext, jar: CookieJar, req: Omit<HttpRequest, 'jar'>): Promise<HttpResponse> {
  try {
    return await ctx.http.request({ ...req, jar });
  } catch (err) {
    if (err instanceof GarminNetworkError) {
      throw new GarminUnavailableError(`Garmin sign-in is unreachable: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Throws for the answers every SSO step treats alike: throttling (429) and Cloudflare's 403 page. */
export function checkThrottleOrBlock(ctx: SignInContext, res: HttpResponse, json?: unknown): void {
  const statusCode =
    json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>)['status-code'] : undefined;
  if (res.status === 429 || statusCode === '429' || statusCode === 429) {
    throw new GarminRateLimitedError(retryAfterSeconds(res, ctx.runtime.now()) ?? DEFAULT_SIGNIN_RETRY_AFTER_S, 'Garmin sign-in');
  }
  if (res.status === 403 && mediaType(res).includes('html')) throw new GarminCloudflareBlockedError();
  // Garmin itself is failing: another strategy hits the same hosts, so stop here.
  if (res.status >= 500) throw new GarminUnavailableError(`Garmin sign-in answered HTTP ${res.status}`);
}
