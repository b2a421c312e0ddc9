import { type Static, Type } from '@sinclair/typebox';
import { GARMIN_STATUSES } from './codes.js';

export const GarminConnectBody = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export type GarminConnectBody = Static<typeof GarminConnectBody>;

export const GarminMfaBody = Type.Object(
  { challenge_id: Type.String({ minLength: 1, maxLength: 128 }), code: Type.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
);
export type GarminMfaBody = Static<typeof GarminMfaBody>;

export const GarminConnected = Type.Object({ status: Type.Literal('connected'), display_name: Type.String() });
export type GarminConnected = Static<typeof GarminConnected>;

export const GarminMfaRequired = Type.Object({
  status: Type.Literal('mfa_required'),
  challenge_id: Type.String(),
  expires_in: Type.Integer({ description: 'seconds' }),
});
export type GarminMfaRequired = Static<typeof GarminMfaRequired>;

/** PUT /v1/garmin/connection: connected (200) or Garmin asks for its MFA code (202). */
export const GarminConnectResponse = Type.Union([GarminConnected, GarminMfaRequired]);
export type GarminConnectResponse = Static<typeof GarminConnectResponse>;

const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const GarminConnection = Type.Object({
  status: Type.Union(GARMIN_STATUSES.map((s) => Type.Literal(s))),
  display_name: Type.Union([Type.String(), Type.Null()]),
  connected_at: NullableTime,
  /** When Garmin stopped accepting the stored sign-in (status reauth_required), else null. */
  reauth_required_at: NullableTime,
  /** The Garmin account's IANA time zone, which defines its days; null until learned. */
  time_zone: Type.Union([Type.String(), Type.Null()]),
  /** Garmin sign-ins for this account are backed off (after a 429 or a Cloudflare block) until then; else null. */
  signin_blocked_until: NullableTime,
});
export type GarminConnection = Static<typeof GarminConnection>;

/** python-garminconnect ≥ 0.3.1's token file (`garmin_tokens.json`): the three DI keys. */
export const GarminconnectTokens = Type.Object(
  {
    format: Type.Literal('garminconnect'),
    di_token: Type.String({ minLength: 1, maxLength: 8192 }),
    di_refresh_token: Type.Union([Type.String({ minLength: 1, maxLength: 8192 }), Type.Null()]),
    di_client_id: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]),
  },
  { additionalProperties: false },
);

const Str = Type.String({ minLength: 1, maxLength: 8192 });
const OptStr = Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Null()]));
const OptInt = Type.Optional(Type.Union([Type.Integer(), Type.Null()]));

/** garth's token folder: `oauth1_token.json` and `oauth2_token.json` as garth writes them. */
export const GarthTokens = Type.Object(
  {
    format: Type.Literal('garth'),
    oauth1: Type.Object({
      oauth_token: Str,
      oauth_token_secret: Str,
      mfa_token: OptStr,
      mfa_expiration_timestamp: OptStr,
      domain: OptStr,
    }),
    oauth2: Type.Object({
      access_token: Str,
      refresh_token: Str,
      token_type: OptStr,
      scope: OptStr,
      jti: OptStr,
      expires_in: OptInt,
      expires_at: Type.Integer({ description: 'epoch seconds' }),
      refresh_token_expires_in: OptInt,
      refresh_token_expires_at: OptInt,
    }),
  },
  { additionalProperties: false },
);

/**
 * PUT /v1/garmin/connection/tokens: link Garmin with tokens another tool saved. The server checks
 * them with one profile call; 200 GarminConnected; 400 validation_error (malformed, or not a
 * garmin.com account); 401 garmin_auth_failed (expired, or Garmin refused them); nothing is stored
 * on failure.
 */
export const GarminTokenImportBody = Type.Union([GarminconnectTokens, GarthTokens]);
export type GarminTokenImportBody = Static<typeof GarminTokenImportBody>;
