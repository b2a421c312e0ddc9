import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { type RunningSim, startSim } from '../src/index.js';
import {
  ANDROID_SERVICE,
  basic,
  bearer,
  CLIENT_ID,
  exchangeTicket,
  http,
  mobileLogin,
  refresh,
  signIn,
  type Tokens,
  verifyCode,
} from './helpers.js';

interface MobileAnswer {
  serviceURL: string | null;
  serviceTicketId: string | null;
  responseStatus: { type: string; message: string; httpStatus: string };
  customerMfaInfo: null | { mfaLastMethodUsed: string; email: string | null; phoneNumber: string | null };
}

function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('sign-in', () => {
  let sim: RunningSim;
  let clock = Date.parse('2026-03-20T10:00:00Z');

  before(async () => {
    sim = await startSim({ seed: 'sign-in', runtime: { ...systemRuntime, now: () => clock } });
    sim.createUser({ email: 'plain@example.com', password: 'correct horse' });
    sim.createUser({ email: 'mail@example.com', password: 'pw-mail', mfa: 'email' });
    sim.createUser({ email: 'phone@example.com', password: 'pw-phone', mfa: 'sms' });
  });
  after(() => sim.close());

  test('mobile sign-in without MFA: warm-up cookies, ticket, DI token, socialProfile', async () => {
    const jar = new Map<string, string>();
    const warm = await http(`${sim.url}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`, { jar });
    assert.equal(warm.status, 200);
    assert.match(warm.text, /<title>Garmin SSO Portal<\/title>/);
    for (const name of ['SESSION', '__VCAP_ID__', '__cf_bm', '__cflb', '_cfuvid']) assert.ok(jar.has(name), name);

    const login = await mobileLogin(sim.url, jar, 'plain@example.com', 'correct horse');
    assert.equal(login.status, 200);
    const answer = login.json<MobileAnswer>();
    assert.equal(answer.responseStatus.type, 'SUCCESSFUL');
    assert.equal(answer.serviceURL, ANDROID_SERVICE);
    assert.match(answer.serviceTicketId!, /^ST-\d{7}-[A-Za-z0-9]+-cas$/);

    const tok = await exchangeTicket(sim.url, answer.serviceTicketId!);
    assert.equal(tok.status, 200);
    const t = tok.json<Tokens>();
    assert.equal(t.token_type, 'Bearer');
    assert.equal(t.expires_in, 86400);
    assert.equal(t.refresh_token_expires_in, 2592000);
    assert.ok(t.scope.includes('CONNECT_READ'));
    assert.ok(t.jti);
    assert.equal(jwtPayload(t.access_token).exp, Math.floor(clock / 1000) + 86400);
    assert.equal(jwtPayload(t.access_token).client_id, CLIENT_ID);

    const profile = await http(`${sim.url}/userprofile-service/socialProfile`, { headers: bearer(t.access_token) });
    assert.equal(profile.status, 200);
    const p = profile.json<{ displayName: string; profileId: number; userName: string }>();
    assert.equal(p.userName, 'plain@example.com');
    assert.match(p.displayName, /^plain\d{3}$/);

    // A ticket is single use.
    assert.equal((await exchangeTicket(sim.url, answer.serviceTicketId!)).status, 400);
  });

  test('wrong password: 401 INVALID_USERNAME_PASSWORD as recorded', async () => {
    const res = await mobileLogin(sim.url, new Map(), 'plain@example.com', 'wrong');
    assert.equal(res.status, 401);
    const a = res.json<MobileAnswer>();
    assert.deepEqual(a.responseStatus, {
      type: 'INVALID_USERNAME_PASSWORD',
      message: 'generalLoginInvalidUsernameOrPassword',
      httpStatus: 'UNAUTHORIZED',
    });
    assert.equal(a.serviceTicketId, null);
    const unknown = await mobileLogin(sim.url, new Map(), 'nobody@example.com', 'x');
    assert.equal(unknown.status, 401);
  });

  test('e-mail MFA: MFA_REQUIRED, wrong code retried in the same sign-in, then the ticket', async () => {
    const jar = new Map<string, string>();
    await http(`${sim.url}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`, { jar });
    const login = await mobileLogin(sim.url, jar, 'mail@example.com', 'pw-mail');
    assert.equal(login.status, 200);
    const a = login.json<MobileAnswer>();
    assert.equal(a.responseStatus.type, 'MFA_REQUIRED');
    assert.equal(a.customerMfaInfo?.mfaLastMethodUsed, 'email');

    const codeRes = await http(`${sim.url}/__sim/users/${encodeURIComponent('mail@example.com')}/mfa-code`);
    assert.equal(codeRes.status, 200);
    const { code } = codeRes.json<{ code: string }>();
    assert.match(code, /^\d{6}$/);
    assert.equal(sim.mfaCode('mail@example.com'), code);

    const wrong = await verifyCode(sim.url, jar, 'email', code === '000000' ? '111111' : '000000');
    assert.equal(wrong.json<MobileAnswer>().responseStatus.type, 'MFA_CODE_INVALID');
    assert.equal(wrong.json<MobileAnswer>().serviceTicketId, null);

    // Without the sign-in's cookies the pending sign-in is not found.
    const noCookies = await verifyCode(sim.url, new Map(), 'email', code);
    assert.notEqual(noCookies.json<MobileAnswer>().responseStatus.type, 'SUCCESSFUL');

    const ok = await verifyCode(sim.url, jar, 'email', code);
    assert.equal(ok.status, 200);
    const okAnswer = ok.json<MobileAnswer>();
    assert.equal(okAnswer.responseStatus.type, 'SUCCESSFUL');
    const tok = await exchangeTicket(sim.url, okAnswer.serviceTicketId!);
    assert.equal(tok.status, 200);
    const profile = await http(`${sim.url}/userprofile-service/socialProfile`, {
      headers: bearer(tok.json<Tokens>().access_token),
    });
    assert.equal(profile.status, 200);
    // The code is consumed.
    assert.equal((await http(`${sim.url}/__sim/users/mail%40example.com/mfa-code`)).status, 404);
  });

  test('SMS MFA: the reported method must be sent back (hard-coded "email" fails)', async () => {
    const jar = new Map<string, string>();
    const login = await mobileLogin(sim.url, jar, 'phone@example.com', 'pw-phone');
    const a = login.json<MobileAnswer>();
    assert.equal(a.responseStatus.type, 'MFA_REQUIRED');
    assert.equal(a.customerMfaInfo?.mfaLastMethodUsed, 'sms');
    assert.ok(a.customerMfaInfo?.phoneNumber);
    const code = sim.mfaCode('phone@example.com')!;
    const asEmail = await verifyCode(sim.url, jar, 'email', code);
    assert.equal(asEmail.json<MobileAnswer>().responseStatus.type, 'MFA_CODE_INVALID');
    const ok = await verifyCode(sim.url, jar, 'sms', code);
    assert.equal(ok.json<MobileAnswer>().responseStatus.type, 'SUCCESSFUL');
  });

  test('an MFA sign-in expires with the sim clock', async () => {
    const jar = new Map<string, string>();
    await mobileLogin(sim.url, jar, 'mail@example.com', 'pw-mail');
    const code = sim.mfaCode('mail@example.com')!;
    clock += 601_000;
    assert.equal(sim.mfaCode('mail@example.com'), null);
    const late = await verifyCode(sim.url, jar, 'email', code);
    assert.equal(late.json<MobileAnswer>().responseStatus.type, 'MFA_SESSION_EXPIRED');
  });

  test('classic widget flow with MFA: embed, signin (_csrf), MFA page, redirects, Success ticket', async () => {
    const jar = new Map<string, string>();
    const base = sim.url;
    const embedUrl = 'https://sso.garmin.com/sso/embed';
    const params = new URLSearchParams({
      id: 'gauth-widget',
      embedWidget: 'true',
      gauthHost: embedUrl,
      service: embedUrl,
      source: embedUrl,
      redirectAfterAccountLoginUrl: embedUrl,
      redirectAfterAccountCreationUrl: embedUrl,
    }).toString();
    const embed = await http(`${base}/sso/embed?id=gauth-widget&embedWidget=true&gauthHost=${encodeURIComponent(`${base}/sso`)}`, { jar });
    assert.match(embed.text, /<title>GAuth Embedded Version<\/title>/);
    const page = await http(`${base}/sso/signin?${params}`, { jar });
    assert.match(page.text, /<title>GARMIN Authentication Application<\/title>/);
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
    const form = (o: Record<string, string>) => ({
      method: 'POST',
      jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(o).toString(),
    });

    const badCsrf = await http(`${base}/sso/signin?${params}`, form({ username: 'mail@example.com', password: 'pw-mail', embed: 'true', _csrf: 'nope' }));
    assert.equal(badCsrf.status, 403);
    const wrong = await http(`${base}/sso/signin?${params}`, form({ username: 'mail@example.com', password: 'bad', embed: 'true', _csrf: csrf }));
    assert.equal(wrong.status, 401);
    const csrf2 = /name="_csrf"\s+value="([^"]+)"/.exec(wrong.text)![1]!;

    const post = await http(`${base}/sso/signin?${params}`, form({ username: 'mail@example.com', password: 'pw-mail', embed: 'true', _csrf: csrf2 }));
    assert.equal(post.status, 302);
    const mfaUrl = post.headers.location as string;
    assert.ok(mfaUrl.startsWith(`${base}/sso/verifyMFA/loginEnterMfaCode?`));
    const mfaPage = await http(mfaUrl, { jar });
    assert.match(mfaPage.text, /<title>Enter MFA code for login<\/title>/);
    const csrf3 = /name="_csrf"\s+value="([^"]+)"/.exec(mfaPage.text)![1]!;
    const code = sim.mfaCode('mail@example.com')!;
    const wrongCode = await http(mfaUrl, form({ 'mfa-code': code === '000000' ? '111111' : '000000', embed: 'true', _csrf: csrf3, fromPage: 'setupEnterMfaCode' }));
    assert.equal(wrongCode.status, 200);
    assert.match(wrongCode.text, /<title>Enter MFA code for login<\/title>/);
    const csrf4 = /name="_csrf"\s+value="([^"]+)"/.exec(wrongCode.text)![1]!;
    const verified = await http(mfaUrl, form({ 'mfa-code': code, embed: 'true', _csrf: csrf4, fromPage: 'setupEnterMfaCode' }));
    assert.equal(verified.status, 302);
    const success = await http(verified.headers.location as string, { jar });
    assert.equal(success.status, 200);
    assert.match(success.text, /<title>Success<\/title>/);
    const ticket = /embed\?ticket=([^"]+)"/.exec(success.text)![1]!;
    assert.match(ticket, /^ST-/);
    // The classic ticket is bound to the classic service URL.
    assert.equal((await exchangeTicket(base, ticket, ANDROID_SERVICE)).status, 400);
    const success2 = await http(`${base}/sso/signin?${params}`, { jar });
    const csrf5 = /name="_csrf"\s+value="([^"]+)"/.exec(success2.text)![1]!;
    const direct = await http(`${base}/sso/signin?${params}`, form({ username: 'plain@example.com', password: 'correct horse', embed: 'true', _csrf: csrf5 }));
    assert.equal(direct.status, 200);
    const ticket2 = /embed\?ticket=([^"]+)"/.exec(direct.text)![1]!;
    assert.equal((await exchangeTicket(base, ticket2, embedUrl)).status, 200);
  });

  test('token endpoint validates Basic client id, client_id and service_url', async () => {
    const jar = new Map<string, string>();
    const ticketFor = async () =>
      (await mobileLogin(sim.url, jar, 'plain@example.com', 'correct horse')).json<MobileAnswer>().serviceTicketId!;
    const unknown = await exchangeTicket(sim.url, await ticketFor(), ANDROID_SERVICE, 'SOMETHING_ELSE');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.json<{ error: string }>().error, 'invalid_client');
    const mismatch = await http(`${sim.url}/di-oauth2-service/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(CLIENT_ID), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'GARMIN_CONNECT_MOBILE_IOS_DI', service_ticket: await ticketFor(), grant_type: 'x' }).toString(),
    });
    assert.equal(mismatch.status, 401);
    const wrongService = await exchangeTicket(sim.url, await ticketFor(), 'https://mobile.integration.garmin.com/gcm/ios');
    assert.equal(wrongService.status, 400);
    assert.equal(wrongService.json<{ error: string }>().error, 'invalid_grant');
    for (const id of ['GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4', 'GARMIN_CONNECT_MOBILE_ANDROID_DI', 'GARMIN_CONNECT_MOBILE_IOS_DI']) {
      assert.equal((await exchangeTicket(sim.url, await ticketFor(), ANDROID_SERVICE, id)).status, 200, id);
    }
    // Narrowing the accepted ids lets a client test its fallback order.
    await http(`${sim.url}/__sim/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accepted_client_ids: ['GARMIN_CONNECT_MOBILE_ANDROID_DI'] }),
    });
    assert.equal((await exchangeTicket(sim.url, await ticketFor())).status, 401);
    sim.configure({ accepted_client_ids: [CLIENT_ID, 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4', 'GARMIN_CONNECT_MOBILE_ANDROID_DI', 'GARMIN_CONNECT_MOBILE_IOS_DI'] });
  });

  test('refresh rotates: the new pair works, the old refresh token is refused', async () => {
    const first = await signIn(sim.url, 'plain@example.com', 'correct horse');
    const r1 = await refresh(sim.url, first.refresh_token);
    assert.equal(r1.status, 200);
    const second = r1.json<Tokens>();
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.access_token, first.access_token);
    const again = await refresh(sim.url, first.refresh_token);
    assert.equal(again.status, 400);
    assert.equal(again.json<{ error: string }>().error, 'invalid_grant');
    assert.equal((await refresh(sim.url, second.refresh_token)).status, 200);
    assert.equal((await refresh(sim.url, 'made-up')).status, 400);
  });

  test('expired and revoked tokens answer 401 invalid_token', async () => {
    sim.configure({ access_token_ttl_s: 60 });
    const t = await signIn(sim.url, 'plain@example.com', 'correct horse');
    assert.equal(t.expires_in, 60);
    const ok = await http(`${sim.url}/activitylist-service/activities/count`, { headers: bearer(t.access_token) });
    assert.equal(ok.status, 200);
    clock += 61_000;
    const expired = await http(`${sim.url}/activitylist-service/activities/count`, { headers: bearer(t.access_token) });
    assert.equal(expired.status, 401);
    assert.equal(expired.headers['www-authenticate'], 'Bearer error="invalid_token", error_description="Token is not active"');
    const fresh = (await refresh(sim.url, t.refresh_token)).json<Tokens>();
    assert.equal((await http(`${sim.url}/activitylist-service/activities/count`, { headers: bearer(fresh.access_token) })).status, 200);
    sim.configure({ access_token_ttl_s: 86400 });

    const revoke = await http(`${sim.url}/__sim/users/plain%40example.com/revoke-tokens`, { method: 'POST' });
    assert.equal(revoke.status, 200);
    assert.ok(revoke.json<{ revoked: number }>().revoked >= 2);
    const after = await http(`${sim.url}/userprofile-service/socialProfile`, { headers: bearer(fresh.access_token) });
    assert.equal(after.status, 401);
    assert.match(String(after.headers['www-authenticate']), /invalid_token/);
    assert.equal((await refresh(sim.url, fresh.refresh_token)).status, 400);
    const none = await http(`${sim.url}/userprofile-service/socialProfile`);
    assert.equal(none.status, 401);
  });
  test('configurable obstacles: CAPTCHA_REQUIRED, Cloudflare 403, an unexpected classic page', async () => {
    const put = (body: unknown) =>
      http(`${sim.url}/__sim/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await put({ mobile_login: 'captcha_required' })).status, 200);
    const captcha = await mobileLogin(sim.url, new Map(), 'plain@example.com', 'correct horse');
    assert.equal(captcha.status, 200);
    assert.equal(captcha.json<MobileAnswer>().responseStatus.type, 'CAPTCHA_REQUIRED');
    await put({ mobile_login: 'cloudflare_403' });
    const cf = await mobileLogin(sim.url, new Map(), 'plain@example.com', 'correct horse');
    assert.equal(cf.status, 403);
    assert.match(String(cf.headers['content-type']), /text\/html/);
    await put({ mobile_login: 'normal', classic_interrupt_title: 'Update Phone Number' });
    const jar = new Map<string, string>();
    const page = await http(`${sim.url}/sso/signin?service=${encodeURIComponent('https://sso.garmin.com/sso/embed')}`, { jar });
    const csrf = /name="_csrf"\s+value="([^"]+)"/.exec(page.text)![1]!;
    const res = await http(`${sim.url}/sso/signin?service=${encodeURIComponent('https://sso.garmin.com/sso/embed')}`, {
      method: 'POST',
      jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'plain@example.com', password: 'correct horse', embed: 'true', _csrf: csrf }).toString(),
    });
    assert.match(res.text, /<title>Update Phone Number<\/title>/);
    assert.equal((await put({ mobile_login: 'sometimes' })).status, 400);
    await put({ classic_interrupt_title: null });
    assert.equal((await mobileLogin(sim.url, new Map(), 'plain@example.com', 'correct horse')).status, 200);
  });
});
