import {
  formBody,
  html,
  json,
  jsonObject,
  type RequestContext,
  redirect,
  type SimResponse,
} from '../http-util.js';
import type { SimState, SsoSession } from '../sim-state.js';
import { embedPage, interruptPage, mfaPage, mobileSignInPage, signInPage, successPage } from './sso-pages.js';

/** clientId → service pairs seen in the mobile JSON sign-in (garmin-protocol.md, step 2). */
export const MOBILE_CLIENTS: Record<string, string> = {
  GCM_ANDROID_DARK: 'https://mobile.integration.garmin.com/gcm/android',
  GCM_IOS_DARK: 'https://mobile.integration.garmin.com/gcm/ios',
};

// Cookies are sent without `Secure` because the sim speaks plain HTTP: a
// standards-following cookie jar would otherwise never send them back.
function sessionCookies(sim: SimState, s: SsoSession): string[] {
  return [
    `SESSION=${s.id}; Path=/; HttpOnly; SameSite=Lax`,
    `__VCAP_ID__=${s.vcap}; Path=/; HttpOnly`,
    ...cloudflareCookies(sim),
  ];
}

function cloudflareCookies(sim: SimState): string[] {
  return [
    `__cf_bm=${sim.token(43)}; path=/; HttpOnly; SameSite=None`,
    `__cflb=${sim.token(30)}; SameSite=None; path=/; HttpOnly`,
    `_cfuvid=${sim.token(40)}; path=/; HttpOnly; SameSite=None`,
  ];
}

function ssoCookies(sim: SimState): string[] {
  return [
    `CASTGC=TGT-${sim.token(24)}-cas; Path=/; HttpOnly`,
    `GARMIN-SSO=1; Path=/`,
    `GARMIN-SSO-CUST-GUID=${sim.token(16)}; Path=/`,
    `GMN_TRACKABLE=1; Path=/; Max-Age=31536000`,
  ];
}

/** The session the cookies name, or a fresh one (with the cookies to set). */
function sessionFor(sim: SimState, ctx: RequestContext): { session: SsoSession; setCookies: string[] } {
  const existing = sim.sessionOf(ctx.cookies);
  if (existing) return { session: existing, setCookies: [] };
  const session = sim.newSession();
  return { session, setCookies: sessionCookies(sim, session) };
}

function mobileAnswer(status: number, fields: Record<string, unknown>, cookies: string[] = []): SimResponse {
  return json(
    status,
    {
      serviceURL: null,
      serviceTicketId: null,
      responseStatus: { type: 'SUCCESSFUL', message: '', httpStatus: 'OK' },
      responseReason: null,
      customerMfaInfo: null,
      consentTypeList: null,
      captchaAlreadyPassed: false,
      samlResponse: null,
      authType: null,
      ...fields,
    },
    cookies.length ? { 'set-cookie': cookies } : {},
  );
}

function mobileStatus(type: string, message: string, httpStatus: string) {
  return { type, message, httpStatus };
}

function maskEmail(email: string): string {
  const [local, domain] = email.split('@');
  return `${(local ?? '').slice(0, 1)}***@${domain ?? ''}`;
}

/** Query check shared by login and verifyCode: a known clientId and its service. */
function mobileParams(ctx: RequestContext): { service: string } | SimResponse {
  const clientId = ctx.query.get('clientId') ?? '';
  const service = ctx.query.get('service') ?? '';
  if (!(clientId in MOBILE_CLIENTS)) return json(400, { error: 'invalid_request', message: 'unknown clientId' });
  if (!service) return json(400, { error: 'invalid_request', message: 'service is required' });
  return { service };
}

/** `GET /mobile/sso/en/sign-in`: warm-up, sets SESSION, __VCAP_ID__ and Cloudflare cookies. */
export function mobileWarmUp(sim: SimState, _ctx: RequestContext): SimResponse {
  const session = sim.newSession();
  return html(200, mobileSignInPage(), { 'set-cookie': sessionCookies(sim, session) });
}

/** `POST /mobile/api/login`. */
export function mobileLogin(sim: SimState, ctx: RequestContext): SimResponse {
  const params = mobileParams(ctx);
  if ('status' in params) return params;
  const body = jsonObject(ctx.body);
  if (!body || typeof body.username !== 'string' || typeof body.password !== 'string') {
    return json(400, { error: 'invalid_request', message: 'body must be JSON {username, password, rememberMe, captchaToken}' });
  }
  if (sim.config.mobile_login === 'cloudflare_403') {
    return html(403, '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>', {
      'cf-mitigated': 'challenge',
    });
  }
  const { session, setCookies } = sessionFor(sim, ctx);
  if (sim.config.mobile_login === 'captcha_required') {
    return mobileAnswer(200, { responseStatus: mobileStatus('CAPTCHA_REQUIRED', '', 'OK') }, setCookies);
  }
  const user = sim.user(body.username);
  if (!user || user.password !== body.password) {
    return mobileAnswer(
      401,
      { responseStatus: mobileStatus('INVALID_USERNAME_PASSWORD', 'generalLoginInvalidUsernameOrPassword', 'UNAUTHORIZED') },
      setCookies,
    );
  }
  if (user.mfa) {
    const pending = sim.startPending(session, user, params.service);
    return mobileAnswer(
      200,
      {
        responseStatus: mobileStatus('MFA_REQUIRED', '', 'OK'),
        customerMfaInfo: {
          email: pending.method === 'email' ? maskEmail(user.email) : null,
          phoneNumber: pending.method === 'sms' ? '+1 ***-***-0142' : null,
          mfaLastMethodUsed: pending.method,
          defaultMfaMethod: null,
          mfaUISetting: { allowPhoneOption: true, allowAddEmailAddress: false, chooseDifferentWayShown: false },
        },
        consentTypeList: [],
      },
      setCookies,
    );
  }
  const ticket = sim.issueTicket(user.email, params.service);
  return mobileAnswer(
    200,
    { serviceURL: params.service, serviceTicketId: ticket, authType: 'CAS' },
    [...setCookies, ...ssoCookies(sim)],
  );
}

/** `POST /mobile/api/mfa/verifyCode`: needs the cookies of the login that asked for MFA. */
export function mobileVerifyCode(sim: SimState, ctx: RequestContext): SimResponse {
  const params = mobileParams(ctx);
  if ('status' in params) return params;
  const body = jsonObject(ctx.body);
  if (!body || typeof body.mfaMethod !== 'string' || typeof body.mfaVerificationCode !== 'string') {
    return json(400, { error: 'invalid_request', message: 'body must be JSON {mfaMethod, mfaVerificationCode, …}' });
  }
  const session = sim.sessionOf(ctx.cookies);
  const pending = session?.pending;
  if (!session || !pending || pending.expiresMs <= sim.nowMs()) {
    return mobileAnswer(200, { responseStatus: mobileStatus('MFA_SESSION_EXPIRED', 'mfaSessionExpired', 'OK') });
  }
  if (pending.service !== params.service) {
    return json(400, { error: 'invalid_request', message: 'service differs from the sign-in' });
  }
  // The method must be the one Garmin reported: hard-coding "email" breaks SMS users.
  if (body.mfaMethod !== pending.method || body.mfaVerificationCode.trim() !== pending.code) {
    pending.attempts++;
    if (pending.attempts >= 5) session.pending = null;
    return mobileAnswer(200, { responseStatus: mobileStatus('MFA_CODE_INVALID', 'mfaCodeInvalid', 'OK') });
  }
  session.pending = null;
  const key = pending.email.toLowerCase();
  if (sim.latestPending.get(key) === pending) sim.latestPending.delete(key);
  const ticket = sim.issueTicket(pending.email, pending.service);
  return mobileAnswer(200, { serviceURL: pending.service, serviceTicketId: ticket, authType: 'CAS' }, ssoCookies(sim));
}

/** `GET /sso/embed`: the widget host page; sets only Cloudflare cookies. */
export function classicEmbed(sim: SimState, _ctx: RequestContext): SimResponse {
  return html(200, embedPage(), { 'set-cookie': cloudflareCookies(sim) });
}

/** `GET /sso/signin`: the sign-in form with a fresh `_csrf`. */
export function classicSignInPage(sim: SimState, ctx: RequestContext): SimResponse {
  const { session, setCookies } = sessionFor(sim, ctx);
  session.csrf = sim.token(32);
  return html(200, signInPage(session.csrf, null), setCookies.length ? { 'set-cookie': setCookies } : {});
}

function forbidden(): SimResponse {
  return html(403, '<html><head><title>Forbidden</title></head><body>Invalid CSRF token</body></html>');
}

/** `POST /sso/signin`: form `username, password, embed, _csrf`. */
export function classicSignIn(sim: SimState, ctx: RequestContext): SimResponse {
  const session = sim.sessionOf(ctx.cookies);
  const form = formBody(ctx.body);
  if (!session?.csrf || form.get('_csrf') !== session.csrf) return forbidden();
  const service = ctx.query.get('service') ?? '';
  if (!service) return html(400, '<html><head><title>Bad Request</title></head><body>service is required</body></html>');
  const user = sim.user(form.get('username') ?? '');
  if (!user || user.password !== form.get('password')) {
    session.csrf = sim.token(32);
    return html(401, signInPage(session.csrf, 'Invalid sign in. (Passwords are case sensitive.)'));
  }
  if (user.mfa) {
    sim.startPending(session, user, service);
    return redirect(`${ctx.origin}/sso/verifyMFA/loginEnterMfaCode?${ctx.query.toString()}`);
  }
  if (sim.config.classic_interrupt_title) return html(200, interruptPage(sim.config.classic_interrupt_title));
  const ticket = sim.issueTicket(user.email, service);
  return html(200, successPage(service, ticket, ''), { 'set-cookie': ssoCookies(sim) });
}

/** `GET /sso/verifyMFA/loginEnterMfaCode`. */
export function classicMfaPage(sim: SimState, ctx: RequestContext): SimResponse {
  const session = sim.sessionOf(ctx.cookies);
  if (!session?.pending || session.pending.expiresMs <= sim.nowMs()) return classicSignInPage(sim, ctx);
  session.csrf = sim.token(32);
  return html(200, mfaPage(session.csrf, session.pending.method, null));
}

/** `POST /sso/verifyMFA/loginEnterMfaCode`: form `mfa-code, embed, _csrf, fromPage`. */
export function classicVerifyMfa(sim: SimState, ctx: RequestContext): SimResponse {
  const session = sim.sessionOf(ctx.cookies);
  const form = formBody(ctx.body);
  if (!session?.csrf || form.get('_csrf') !== session.csrf) return forbidden();
  const pending = session.pending;
  if (!pending || pending.expiresMs <= sim.nowMs()) return classicSignInPage(sim, ctx);
  if ((form.get('mfa-code') ?? '').trim() !== pending.code) {
    pending.attempts++;
    if (pending.attempts >= 5) session.pending = null;
    session.csrf = sim.token(32);
    return html(200, mfaPage(session.csrf, pending.method, 'Invalid code. Please try again.'));
  }
  session.pending = null;
  const key = pending.email.toLowerCase();
  if (sim.latestPending.get(key) === pending) sim.latestPending.delete(key);
  session.loginToken = { token: sim.token(10), email: pending.email, service: pending.service };
  const q = new URLSearchParams({
    logintoken: session.loginToken.token,
    service: pending.service,
    locale: 'en',
    embed: 'true',
    source: ctx.query.get('source') ?? pending.service,
    redirectAfterAccountLoginUrl: ctx.query.get('redirectAfterAccountLoginUrl') ?? pending.service,
    embedWidget: 'true',
  });
  return redirect(`${ctx.origin}/sso/login?${q.toString()}`);
}

/** `GET /sso/login?logintoken=`: redeems the post-MFA login token for the Success page. */
export function classicLogin(sim: SimState, ctx: RequestContext): SimResponse {
  const session = sim.sessionOf(ctx.cookies);
  const lt = session?.loginToken;
  if (!session || !lt || ctx.query.get('logintoken') !== lt.token) return classicSignInPage(sim, ctx);
  session.loginToken = null;
  if (sim.config.classic_interrupt_title) return html(200, interruptPage(sim.config.classic_interrupt_title));
  const ticket = sim.issueTicket(lt.email, lt.service);
  return html(200, successPage(lt.service, ticket, lt.token), { 'set-cookie': ssoCookies(sim) });
}
