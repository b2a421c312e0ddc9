import { type Static, Type } from '@sinclair/typebox';

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

export const GarminConnection = Type.Object({
  status: Type.Union([Type.Literal('connected'), Type.Literal('not_connected'), Type.Literal('reauth_required')]),
  display_name: Type.Union([Type.String(), Type.Null()]),
  connected_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type GarminConnection = Static<typeof GarminConnection>;
