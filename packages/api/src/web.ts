import { type Static, Type } from '@sinclair/typebox';
import { LoginBody, Me, MfaBody, MfaChallenge } from './auth.js';

/**
 * Browser sessions (docs/web.md "Browser sessions"): the same sign-in as `/v1/auth/login` and
 * `/v1/auth/mfa`, but the session travels in an HttpOnly cookie; the body carries no token, only
 * the CSRF token page scripts send back in `X-CSRF-Token` on state changes.
 */
export const WebSignInBody = LoginBody;
export type WebSignInBody = LoginBody;

export const WebMfaBody = MfaBody;
export type WebMfaBody = MfaBody;

export const WebSignedIn = Type.Object({
  status: Type.Literal('authenticated'),
  user: Me,
  csrf_token: Type.String(),
});
export type WebSignedIn = Static<typeof WebSignedIn>;

/** POST /v1/web/session: signed in (cookie set), or the MFA step first (no cookie). */
export const WebSignInResponse = Type.Union([WebSignedIn, MfaChallenge]);
export type WebSignInResponse = Static<typeof WebSignInResponse>;

/** GET /v1/web/session: who the cookie signs in, and the session's CSRF token. */
export const WebSession = Type.Object({ user: Me, csrf_token: Type.String() });
export type WebSession = Static<typeof WebSession>;
