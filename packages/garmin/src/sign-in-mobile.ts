/**
 * Sign-in through Garmin's mobile JSON API (garmin-protocol.md, "Sign-in,
 * current path"): warm-up page, `POST /mobile/api/login`, and
 * `POST /mobile/api/mfa/verifyCode`; `responseStatus.type` decides.
 */
import type { CookieJar } from './cookie-jar.js';
import { parseExactJson } from './exact-json.js';
import {
  GarminAccountLockedError,
  GarminCaptchaRequiredError,
  GarminInvalidCredentialsError,
  GarminMfaExpiredError,
  GarminMfaInvalidError,
  GarminUnexpectedAnswerError,
} from './errors.js';
import type { MobilePendingParams } from './pending.js';
import { checkThrottleOrBlock, type SignInContext, type SignInStep, ssoRequest } from './sign-in-context.js';
import { describeAnswer, type HttpResponse, MOBILE_APP_USER_AGENT, mediaType } from './transport.js';

/** A mobile client id/service pair as the Garmin Connect app sends it. */
export interface MobileClient {
  clientId: string;
  service: string;
}

/** The Android app's pair (seen first in recordings). */
export const GCM_ANDROID: Readonly<MobileClient> = Object.freeze({
  clientId: 'GCM_ANDROID_DARK',
  service: 'https://mobile.integration.garmin.com/gcm/android',
});
/** The iOS app's pair. */
export const GCM_IOS: Readonly<MobileClient> = Object.freeze({
  clientId: 'GCM_IOS_DARK',
  service: 'https://mobile.integration.garmin.com/gcm/ios',
});

const HEADERS = { 'user-agent': MOBILE_APP_USER_AGENT, accept: '*/*' };

function query(p: MobilePendingParams): string {
  return new URLSearchParams({ clientId: p.clientId, locale: p.locale, service: p.service }).toString();
}

function readJson(res: HttpResponse): Record<string, unknown> | undefined {
  if (!mediaType(res).includes('json') && !res.body.subarray(0, 1).toString().startsWith('{')) return undefined;
  try {
    const v = parseExactJson(res.body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function statusType(j: Record<string, unknown> | undefined): string | undefined {
  const rs = j?.responseStatus;
  if (rs && typeof rs === 'object' && typeof (rs as Record<string, unknown>).type === 'string') {
    return (rs as Record<string, unknown>).type as string;
  }
  return undefined;
}

function ticketOf(j: Record<string, unknown>, res: HttpResponse): string {
  const t = j.serviceTicketId;
  if (typeof t !== 'string' || t.length === 0) {
    throw new GarminUnexpectedAnswerError(`Garmin sign-in said SUCCESSFUL without a service ticket (${describeAnswer(res)})`);
  }
  return t;
}

function unexpected(stage: string, res: HttpResponse, type: string | undefined): GarminUnexpectedAnswerError {
  const shownType = type ? ` responseStatus.type ${type.replace(/[^A-Z0-9_]/gi, '').slice(0, 60)}` : '';
  return new GarminUnexpectedAnswerError(`Garmin ${stage} answered ${describeAnswer(res)}${shownType}`);
}

/** Starts a mobile sign-in: a ticket, or the MFA pause. */
export async function mobileLogin(
  ctx: SignInContext,
  jar: CookieJar,
  client: MobileClient,
  email: string,
  password: string,
): Promise<SignInStep<MobilePendingParams>> {
  const sso = ctx.endpoints.ssoUrl;
  const params: MobilePendingParams = { clientId: client.clientId, service: client.service, locale: 'en-US' };
  // Warm-up: sets SESSION/__VCAP_ID__ and Cloudflare cookies, as the app does.
  const warm = await ssoRequest(ctx, jar, {
    method: 'GET',
    url: `${sso}/mobile/sso/en/sign-in?${new URLSearchParams({ clientId: client.clientId })}`,
    headers: HEADERS,
  });
  checkThrottleOrBlock(ctx, warm);
  const res = await ssoRequest(ctx, jar, {
    method: 'POST',
    url: `${sso}/mobile/api/login?${query(params)}`,
    headers: { ...HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify({ username: email, password, rememberMe: false, captchaToken: '' }),
  });
  const j = readJson(res);
  checkThrottleOrBlock(ctx, res, j);
  const type = statusType(j);
  switch (type) {
    case 'SUCCESSFUL':
      return { kind: 'ticket', ticket: ticketOf(j!, res), service: params.service };
    case 'MFA_REQUIRED': {
      const info = j?.customerMfaInfo as Record<string, unknown> | null | undefined;
      const method = info?.mfaLastMethodUsed ?? info?.defaultMfaMethod;
      return { kind: 'mfa', mfaMethod: typeof method === 'string' && method ? method : null, params };
    }
    case 'INVALID_USERNAME_PASSWORD':
      throw new GarminInvalidCredentialsError();
    case 'CAPTCHA_REQUIRED':
      throw new GarminCaptchaRequiredError();
  }
  if (type && /LOCKED|DISABLED/.test(type)) throw new GarminAccountLockedError();
  if (res.status === 401) throw new GarminInvalidCredentialsError();
  throw unexpected('mobile sign-in', res, type);
}

/** Sends the MFA code of a paused mobile sign-in; returns the CAS ticket. */
export async function mobileVerifyCode(
  ctx: SignInContext,
  jar: CookieJar,
  params: MobilePendingParams,
  mfaMethod: string | null,
  code: string,
): Promise<string> {
  const res = await ssoRequest(ctx, jar, {
    method: 'POST',
    url: `${ctx.endpoints.ssoUrl}/mobile/api/mfa/verifyCode?${query(params)}`,
    headers: { ...HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify({
      // Must be the method Garmin reported; hard-coding "email" breaks SMS users.
      mfaMethod: mfaMethod ?? 'email',
      mfaVerificationCode: code,
      rememberMyBrowser: false,
      reconsentList: [],
      mfaSetup: false,
    }),
  });
  const j = readJson(res);
  checkThrottleOrBlock(ctx, res, j);
  const type = statusType(j);
  if (type === 'SUCCESSFUL') return ticketOf(j!, res);
  if (type && /EXPIRED/.test(type)) throw new GarminMfaExpiredError();
  if (type && /(MFA|CODE|VERIFICATION)/.test(type) && /(INVALID|INCORRECT|WRONG|MISMATCH|FAIL)/.test(type)) {
    throw new GarminMfaInvalidError();
  }
  if (type && /LOCKED|DISABLED/.test(type)) throw new GarminAccountLockedError();
  throw unexpected('MFA verification', res, type);
}
