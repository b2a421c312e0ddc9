import { type Static, Type } from '@sinclair/typebox';
import { GARMIN_STATUSES } from './codes.js';

const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Code = Type.String({ minLength: 1, maxLength: 64 });

export const LoginBody = Type.Object({ username: Username, password: Password }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const MfaBody = Type.Union([
  Type.Object({ challenge_id: Type.String({ minLength: 1, maxLength: 128 }), code: Code }, { additionalProperties: false }),
  Type.Object(
    { challenge_id: Type.String({ minLength: 1, maxLength: 128 }), recovery_code: Code },
    { additionalProperties: false },
  ),
]);
export type MfaBody = Static<typeof MfaBody>;

export const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);
export type RefreshBody = Static<typeof RefreshBody>;
export const LogoutBody = RefreshBody;
export type LogoutBody = RefreshBody;

export const User = Type.Object({
  user_id: Type.String(),
  username: Type.String(),
  mfa_enabled: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});
export type User = Static<typeof User>;
/** GET /v1/me: the user, plus the state of their Garmin link (so `auth status` can warn). */
export const Me = Type.Object({
  ...User.properties,
  garmin_status: Type.Union(GARMIN_STATUSES.map((s) => Type.Literal(s))),
  /** When Garmin stopped accepting the stored sign-in; null unless garmin_status is reauth_required. */
  garmin_reauth_required_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Me = Static<typeof Me>;

export const TokenPair = Type.Object({
  status: Type.Literal('authenticated'),
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds' }),
  refresh_token: Type.String(),
  refresh_expires_in: Type.Integer({ description: 'seconds' }),
  session_id: Type.String(),
  mfa_verified: Type.Boolean(),
  user: User,
});
export type TokenPair = Static<typeof TokenPair>;

export const MfaChallenge = Type.Object({
  status: Type.Literal('mfa_required'),
  challenge_id: Type.String(),
  methods: Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('recovery_code')])),
  expires_in: Type.Integer({ description: 'seconds' }),
});
export type MfaChallenge = Static<typeof MfaChallenge>;

export const LoginResponse = Type.Union([TokenPair, MfaChallenge]);
export type LoginResponse = Static<typeof LoginResponse>;

export const TotpSetup = Type.Object({ secret: Type.String(), otpauth_uri: Type.String() });
export type TotpSetup = Static<typeof TotpSetup>;

export const TotpCodeBody = Type.Object({ code: Code }, { additionalProperties: false });
export type TotpCodeBody = Static<typeof TotpCodeBody>;

export const DisableTotpBody = Type.Union([
  Type.Object({ code: Code }, { additionalProperties: false }),
  Type.Object({ recovery_code: Code }, { additionalProperties: false }),
]);
export type DisableTotpBody = Static<typeof DisableTotpBody>;

export const RecoveryCodes = Type.Object({ recovery_codes: Type.Array(Type.String(), { minItems: 10, maxItems: 10 }) });
export type RecoveryCodes = Static<typeof RecoveryCodes>;
