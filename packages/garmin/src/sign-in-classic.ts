/**
 * The classic HTML widget sign-in (garmin-protocol.md, "Sign-in, classic
 * path"), kept as the fallback strategy: `/sso/embed`, `/sso/signin` with the
 * hidden `_csrf`, page titles tell where we are, MFA via
 * `/sso/verifyMFA/loginEnterMfaCode`, the ticket sits in the JS variable
 * `response_url` of the `Success` page.
 */
import type { CookieJar } from './cookie-jar.js';
import {
  GarminAccountLockedError,
  GarminCaptchaRequiredError,
  GarminInvalidCredentialsError,
  GarminMfaInvalidError,
  GarminUnexpectedAnswerError,
} from './errors.js';
import type { ClassicPendingParams } from './pending.js';
import { checkThrottleOrBlock, type SignInContext, type SignInStep, ssoRequest } from './sign-in-context.js';
import { describeAnswer, type HttpResponse, MOBILE_BROWSER_USER_AGENT, pageTitle } from './transport.js';

const UA = { 'user-agent': MOBILE_BROWSER_USER_AGENT, accept: '*/*' };
const FORM = 'application/x-www-form-urlencoded';

/** Reads the hidden `_csrf` input of a widget page. */
export function readCsrf(html: string): string | undefined {
  const m =
    /<input[^>]*name="_csrf"[^>]*value="([^"]*)"/i.exec(html) ?? /<input[^>]*value="([^"]*)"[^>]*name="_csrf"/i.exec(html);
  return m?.[1] || undefined;
}

/** Reads the CAS ticket from the `Success` page's `response_url` (`…embed?ticket=ST-…`). */
export function readTicket(html: string): string | undefined {
  const unescaped = html.replace(/\\\//g, '/');
  const m = /embed\?ticket=([^"'&\s\\<]+)/.exec(unescaped);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

function signinQuery(sso: string): string {
  const embed = `${sso}/sso/embed`;
  return new URLSearchParams({
    id: 'gauth-widget',
    embedWidget: 'true',
    gauthHost: embed,
    service: embed,
    source: embed,
    redirectAfterAccountLoginUrl: embed,
    redirectAfterAccountCreationUrl: embed,
  }).toString();
}

type PageOutcome = { kind: 'success'; ticket: string } | { kind: 'mfa'; csrf: string; url: string };

/** Interprets a widget page by status and title; throws typed errors for everything but success/MFA. */
function readPage(ctx: SignInContext, res: HttpResponse, stage: string): PageOutcome {
  checkThrottleOrBlock(ctx, res);
  if (res.status === 401) throw new GarminInvalidCredentialsError();
  const html = res.body.toString('utf8');
  const title = pageTitle(html) ?? '';
  if (res.status === 200 && title === 'Success') {
    const ticket = readTicket(html);
    if (!ticket) throw new GarminUnexpectedAnswerError(`Garmin ${stage}: "Success" page without a ticket`);
    return { kind: 'success', ticket };
  }
  if (res.status === 200 && /MFA/i.test(title)) {
    const csrf = readCsrf(html);
    if (!csrf) throw new GarminUnexpectedAnswerError(`Garmin ${stage}: MFA page "${title}" without a CSRF value`);
    return { kind: 'mfa', csrf, url: res.url.toString() };
  }
  if (/locked/i.test(title)) throw new GarminAccountLockedError();
  if (/captcha/i.test(html) && /captcha/i.test(title)) throw new GarminCaptchaRequiredError();
  throw new GarminUnexpectedAnswerError(`Garmin ${stage}: unexpected page (${describeAnswer(res)})`);
}

/** Starts a classic widget sign-in: a ticket, or the MFA pause. */
export async function classicLogin(
  ctx: SignInContext,
  jar: CookieJar,
  email: string,
  password: string,
): Promise<SignInStep<ClassicPendingParams>> {
  const sso = ctx.endpoints.ssoUrl;
  const service = `${sso}/sso/embed`;
  const embedUrl = `${sso}/sso/embed?${new URLSearchParams({ id: 'gauth-widget', embedWidget: 'true', gauthHost: `${sso}/sso` })}`;
  const embed = await ssoRequest(ctx, jar, { method: 'GET', url: embedUrl, headers: UA, followRedirects: true });
  checkThrottleOrBlock(ctx, embed);
  const signinUrl = `${sso}/sso/signin?${signinQuery(sso)}`;
  const page = await ssoRequest(ctx, jar, {
    method: 'GET',
    url: signinUrl,
    headers: { ...UA, referer: embedUrl },
    followRedirects: true,
  });
  checkThrottleOrBlock(ctx, page);
  const csrf = page.status === 200 ? readCsrf(page.body.toString('utf8')) : undefined;
  if (!csrf) throw new GarminUnexpectedAnswerError(`Garmin sign-in page has no CSRF value (${describeAnswer(page)})`);
  const res = await ssoRequest(ctx, jar, {
    method: 'POST',
    url: signinUrl,
    headers: { ...UA, 'content-type': FORM, referer: signinUrl },
    body: new URLSearchParams({ username: email, password, embed: 'true', _csrf: csrf }).toString(),
    followRedirects: true,
  });
  const out = readPage(ctx, res, 'sign-in');
  if (out.kind === 'success') return { kind: 'ticket', ticket: out.ticket, service };
  // The widget does not say where the code went; Garmin picks the last used method.
  return { kind: 'mfa', mfaMethod: null, params: { csrf: out.csrf, url: out.url, service } };
}

/**
 * Posts the MFA code of a paused classic sign-in. Returns the ticket; a wrong
 * code shows the MFA page again → GarminMfaInvalidError whose `pending` the
 * caller fills with the fresh CSRF value (returned here via `onRetryPage`).
 */
export async function classicVerifyCode(
  ctx: SignInContext,
  jar: CookieJar,
  params: ClassicPendingParams,
  code: string,
): Promise<{ ticket: string } | { retry: ClassicPendingParams }> {
  const res = await ssoRequest(ctx, jar, {
    method: 'POST',
    url: params.url,
    headers: { ...UA, 'content-type': FORM, referer: params.url },
    body: new URLSearchParams({ 'mfa-code': code, embed: 'true', _csrf: params.csrf, fromPage: 'setupEnterMfaCode' }).toString(),
    followRedirects: true,
  });
  let out: PageOutcome;
  try {
    out = readPage(ctx, res, 'MFA verification');
  } catch (err) {
    // On the MFA step a 401 means the code, not the password.
    if (err instanceof GarminInvalidCredentialsError) throw new GarminMfaInvalidError();
    throw err;
  }
  if (out.kind === 'success') return { ticket: out.ticket };
  return { retry: { ...params, csrf: out.csrf, url: out.url } };
}
