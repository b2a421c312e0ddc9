import { type Static, Type } from '@sinclair/typebox';

/** RFC 8628 §3.4: the grant type a device polls the token endpoint with. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** The letters of a user code (RFC 8628 §6.1: no vowels, so no words; no easily confused letters). */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/**
 * A user code as typed: any case, with or without its dash (and stray spaces), or a device's own
 * idea of one. Bounded but loose: `normalizeUserCode` decides whether it can be a code at all.
 */
const UserCodeInput = Type.String({ minLength: 1, maxLength: 32 });

/**
 * POST /v1/auth/device (JSON or form-encoded; no body is `{}`). `client_id` is only remembered;
 * `scope` (RFC 8628 §3.1) is accepted and ignored: a session is the whole account. Other
 * parameters are ignored as RFC 6749 §3.2 asks of OAuth endpoints, so generic clients work.
 */
export const DeviceAuthorizationBody = Type.Object(
  {
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    scope: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: true },
);
export type DeviceAuthorizationBody = Static<typeof DeviceAuthorizationBody>;

/** RFC 8628 §3.2 device authorization response. */
export const DeviceAuthorization = Type.Object({
  device_code: Type.String({ minLength: 1 }),
  user_code: Type.String({ pattern: '^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$' }),
  verification_uri: Type.String({ minLength: 1 }),
  verification_uri_complete: Type.String({ minLength: 1 }),
  expires_in: Type.Integer({ minimum: 1, description: 'seconds' }),
  interval: Type.Integer({ minimum: 1, description: 'seconds between polls' }),
});
export type DeviceAuthorization = Static<typeof DeviceAuthorization>;

/**
 * POST /v1/auth/device/token (RFC 8628 §3.4). Both members are optional in the schema: a missing
 * (or empty) one is the RFC's `invalid_request`, which the route answers itself rather than as
 * validation_error. Unrecognised parameters are ignored (RFC 6749 §3.2).
 */
export const DeviceTokenBody = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 256 })),
    device_code: Type.Optional(Type.String({ maxLength: 256 })),
    client_id: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: true },
);
export type DeviceTokenBody = Static<typeof DeviceTokenBody>;

/** POST /v1/auth/device/verify: what the signed-in user typed (or the link carried). */
export const DeviceVerifyBody = Type.Object({ user_code: UserCodeInput }, { additionalProperties: false });
export type DeviceVerifyBody = Static<typeof DeviceVerifyBody>;

/** The pending request a user code names, for the approval page. */
export const DeviceRequest = Type.Object({
  user_code: Type.String({ description: 'XXXX-XXXX' }),
  requested_at: Type.String({ format: 'date-time' }),
  expires_in: Type.Integer({ minimum: 0, description: 'seconds' }),
});
export type DeviceRequest = Static<typeof DeviceRequest>;

export const DeviceApproveBody = Type.Object(
  { user_code: UserCodeInput, action: Type.Union([Type.Literal('approve'), Type.Literal('deny')]) },
  { additionalProperties: false },
);
export type DeviceApproveBody = Static<typeof DeviceApproveBody>;

export const DeviceDecision = Type.Object({ status: Type.Union([Type.Literal('approved'), Type.Literal('denied')]) });
export type DeviceDecision = Static<typeof DeviceDecision>;

/**
 * A user code as stored and compared: upper case, without dash or spaces; undefined when the input
 * cannot be a user code (wrong length or a letter outside the alphabet).
 */
export function normalizeUserCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== 8) return undefined;
  for (const ch of code) if (!USER_CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}

/** A stored user code as shown: `XXXX-XXXX`. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
