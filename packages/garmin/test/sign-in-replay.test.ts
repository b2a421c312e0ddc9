/**
 * Sign-in against Garmin's recorded exchanges: the replay server checks every
 * request the client makes against the recording and fails on anything else.
 * The DI token answer has no recording: it is planned after the ticket step
 * with the shape from garmin-protocol.md.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  GarminAuth,
  GarminInvalidCredentialsError,
  GarminMfaInvalidError,
  type GarminPendingLogin,
  parsePendingLogin,
} from '../src/index.js';
import { type Interaction, loadFixture, makeJwt, withoutGarthSteps } from './helpers/fixtures.js';
import { diTokenInteraction, startReplay } from './helpers/replay-server.js';

const NOW = Date.UTC(2026, 2, 18, 5, 0, 0);
const runtime = { now: () => NOW, sleep: async () => {}, random: () => 0.5 };
const ANDROID_SERVICE = 'https://mobile.integration.garmin.com/gcm/android';
const ACCESS = makeJwt({ exp: NOW / 1000 + 3600, iat: NOW / 1000, client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2' });

function tokenStep(service: string): Interaction {
  return diTokenInteraction({
    clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
    form: {
      client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
      service_ticket: 'REDACTED',
      grant_type: 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket',
      service_url: service,
    },
    body: { access_token: ACCESS, refresh_token: 'rt-1', token_type: 'Bearer', expires_in: 3600, refresh_token_expires_in: 7776000 },
  });
}

function auth(url: string): GarminAuth {
  return new GarminAuth({ endpoints: { ssoUrl: url, apiUrl: url, diauthUrl: url }, runtime });
}

describe('mobile JSON sign-in (recorded)', () => {
  test('without MFA: warm-up, login, ticket → DI tokens', async () => {
    const steps = withoutGarthSteps(loadFixture('mobile-login-no-mfa').interactions);
    const replay = await startReplay([...steps, tokenStep(ANDROID_SERVICE)]);
    try {
      const result = await auth(replay.url).login('testuser', 'correct horse');
      assert.equal(result.status, 'authenticated');
      assert.ok(result.status === 'authenticated');
      assert.deepEqual(result.tokens, {
        accessToken: ACCESS,
        refreshToken: 'rt-1',
        expiresAt: NOW + 3600_000,
        issuedAt: NOW,
        refreshExpiresAt: NOW + 7776000_000,
        clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
      });
      replay.assertDone();
      // The login POST carried the warm-up's session cookies.
      assert.match(String(replay.seen[1]!.headers.cookie), /SESSION=REDACTED/);
      assert.equal(replay.seen[1]!.headers['user-agent'], 'GCM-iOS-5.22.1.4');
      // The ticket went to diauth with the login's service URL.
      assert.match(replay.seen[2]!.body, /service_ticket=REDACTED/);
    } finally {
      await replay.close();
    }
  });

  test('with MFA: pending survives JSON and is resumed by a fresh client', async () => {
    const steps = withoutGarthSteps(loadFixture('mobile-login-mfa').interactions);
    const replay = await startReplay([...steps, tokenStep(ANDROID_SERVICE)]);
    try {
      const first = await auth(replay.url).login('testuser', 'correct horse');
      assert.equal(first.status, 'mfa_required');
      assert.ok(first.status === 'mfa_required');
      assert.equal(first.mfaMethod, 'email');
      const stored = JSON.stringify(first.pending);
      assert.ok(!stored.includes('correct horse'), 'the password is not parked');
      assert.ok(!stored.includes('testuser'), 'the e-mail is not parked');
      const pending = parsePendingLogin(JSON.parse(stored)) as GarminPendingLogin;
      assert.equal(pending.strategy, 'mobile');
      assert.equal(pending.mfaMethod, 'email');
      assert.equal(pending.startedAt, NOW);
      assert.deepEqual(pending.params, { clientId: 'GCM_ANDROID_DARK', service: ANDROID_SERVICE, locale: 'en-US' });
      assert.equal(replay.remaining(), 2);

      // Another process: a new client object, only the JSON.
      const tokens = await auth(replay.url).resumeLogin(pending, '228798');
      assert.equal(tokens.refreshToken, 'rt-1');
      replay.assertDone();
      const verify = replay.seen[2]!;
      assert.match(String(verify.headers.cookie), /SESSION=REDACTED/, 'cookies restored from the pending state');
      assert.equal(JSON.parse(verify.body).mfaMethod, 'email');
    } finally {
      await replay.close();
    }
  });

  test('the MFA method is sent exactly as Garmin reported it (SMS users)', async () => {
    const steps = withoutGarthSteps(loadFixture('mobile-login-mfa').interactions);
    const login = structuredClone(steps[1]!);
    (login.response.body as Record<string, Record<string, unknown>>).customerMfaInfo!.mfaLastMethodUsed = 'sms';
    const verify = structuredClone(steps[2]!);
    (verify.request.body as Record<string, unknown>).mfaMethod = 'sms';
    const replay = await startReplay([steps[0]!, login, verify, tokenStep(ANDROID_SERVICE)]);
    try {
      const first = await auth(replay.url).login('testuser', 'pw');
      assert.ok(first.status === 'mfa_required');
      assert.equal(first.pending.mfaMethod, 'sms');
      await auth(replay.url).resumeLogin(first.pending, '228798');
      replay.assertDone();
    } finally {
      await replay.close();
    }
  });

  test('a wrong code is a typed error and the same pending can be retried', async () => {
    const steps = withoutGarthSteps(loadFixture('mobile-login-mfa').interactions);
    const wrong: Interaction = structuredClone(steps[2]!);
    (wrong.request.body as Record<string, unknown>).mfaVerificationCode = '000000';
    wrong.response = {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: { serviceURL: null, serviceTicketId: null, responseStatus: { type: 'MFA_CODE_INVALID', message: '', httpStatus: 'BAD_REQUEST' } },
    };
    const replay = await startReplay([steps[0]!, steps[1]!, wrong, steps[2]!, tokenStep(ANDROID_SERVICE)]);
    try {
      const first = await auth(replay.url).login('testuser', 'pw');
      assert.ok(first.status === 'mfa_required');
      const pending = JSON.parse(JSON.stringify(first.pending));
      const err = await auth(replay.url).resumeLogin(pending, '000000').catch((e: unknown) => e);
      assert.ok(err instanceof GarminMfaInvalidError);
      assert.equal(err.code, 'mfa_invalid');
      assert.ok(!err.message.includes('000000'), 'the code is not echoed');
      const tokens = await auth(replay.url).resumeLogin(err.pending ?? pending, '228798');
      assert.equal(tokens.refreshToken, 'rt-1');
      replay.assertDone();
    } finally {
      await replay.close();
    }
  });

  test('a bad password stops at once: typed error, no other strategy, no retry', async () => {
    const steps = loadFixture('mobile-login-bad-password').interactions;
    const replay = await startReplay(steps);
    try {
      const err = await auth(replay.url).login('testuser', 'wrong').catch((e: unknown) => e);
      assert.ok(err instanceof GarminInvalidCredentialsError);
      assert.equal(err.code, 'invalid_credentials');
      assert.ok(!err.message.includes('wrong'));
      // Give a stray classic attempt the chance to show up.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(replay.seen.length, 2, 'only the warm-up and the login request');
      replay.assertDone();
    } finally {
      await replay.close();
    }
  });
});

describe('classic widget sign-in (recorded)', () => {
  const classicOnly = (url: string) =>
    new GarminAuth({ endpoints: { ssoUrl: url, apiUrl: url, diauthUrl: url }, runtime, strategies: ['classic'] });

  test('MFA chain: embed, signin CSRF, MFA page, verify, redirects to Success, ticket', async () => {
    const steps = withoutGarthSteps(loadFixture('classic-login-mfa').interactions);
    assert.equal(steps.length, 6);
    const replay = await startReplay(steps.slice(0, 4));
    try {
      replay.plan([...steps.slice(4), tokenStep('https://sso.garmin.com/sso/embed')]);
      const first = await classicOnly(replay.url).login('user@example.com', 'pw');
      assert.ok(first.status === 'mfa_required');
      assert.equal(first.pending.strategy, 'classic');
      assert.equal(first.mfaMethod, null);
      const pending = parsePendingLogin(JSON.parse(JSON.stringify(first.pending)));
      assert.ok(pending.strategy === 'classic');
      assert.equal(pending.params.csrf, 'REDACTED');
      assert.ok(pending.params.url.startsWith(`${replay.url}/sso/verifyMFA/loginEnterMfaCode?`));
      assert.equal(replay.seen.length, 4, 'the POST followed the 302 to the MFA page');
      const tokens = await classicOnly(replay.url).resumeLogin(pending, '123456');
      assert.equal(tokens.clientId, 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2');
      replay.assertDone();
      // The DI exchange got the ticket read from response_url.
      assert.match(replay.seen[6]!.body, /service_ticket=ST-0000000-REDACTEDREDACTEDRED-cas/);
      // Browser-like: mobile Safari user agent, Referer of the page we came from.
      assert.match(String(replay.seen[1]!.headers['user-agent']), /iPhone/);
      assert.match(String(replay.seen[1]!.headers.referer), /\/sso\/embed\?/);
      assert.match(String(replay.seen[2]!.headers.cookie), /SESSION=REDACTED/);
    } finally {
      await replay.close();
    }
  });

  test('a wrong code shows the MFA page again: typed error with an updated pending', async () => {
    const steps = withoutGarthSteps(loadFixture('classic-login-mfa').interactions);
    const mfaPage = steps[3]!;
    const wrong: Interaction = {
      request: steps[4]!.request,
      response: { status: 200, headers: mfaPage.response.headers, body: String(mfaPage.response.body).replace('value="REDACTED"', 'value="NEWCSRF"') },
    };
    const retry: Interaction = structuredClone(steps[4]!);
    retry.request.body = 'mfa-code=REDACTED&embed=true&_csrf=NEWCSRF&fromPage=setupEnterMfaCode';
    const replay = await startReplay([...steps.slice(0, 4), wrong, retry, steps[5]!, tokenStep('https://sso.garmin.com/sso/embed')]);
    try {
      const first = await classicOnly(replay.url).login('user@example.com', 'pw');
      assert.ok(first.status === 'mfa_required');
      const err = await classicOnly(replay.url).resumeLogin(first.pending, '111111').catch((e: unknown) => e);
      assert.ok(err instanceof GarminMfaInvalidError);
      assert.ok(err.pending?.strategy === 'classic');
      assert.equal(err.pending.params.csrf, 'NEWCSRF');
      await classicOnly(replay.url).resumeLogin(JSON.parse(JSON.stringify(err.pending)), '222222');
      replay.assertDone();
    } finally {
      await replay.close();
    }
  });
});
