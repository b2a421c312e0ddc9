import type { LoginResponse, Me, MfaChallenge, RecoveryCodes, TokenPair, TotpSetup } from '@fitsync/api';
import { UnavailableError } from '../errors.js';

// Hand-written guards for the answers the CLI relies on: the schema builder
// would cost start-up time, and an answer we cannot use is the server's fault
// (exit 6), not the user's.

function bad(what: string): UnavailableError {
  return new UnavailableError(`the server sent an unexpected ${what} answer`);
}
function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(what);
  return v as Record<string, unknown>;
}
function str(o: Record<string, unknown>, k: string, what: string): string {
  if (typeof o[k] !== 'string') throw bad(what);
  return o[k] as string;
}
function int(o: Record<string, unknown>, k: string, what: string): number {
  if (typeof o[k] !== 'number' || !Number.isInteger(o[k])) throw bad(what);
  return o[k] as number;
}

export function asMe(v: unknown): Me {
  const o = obj(v, 'user');
  if (typeof o.mfa_enabled !== 'boolean') throw bad('user');
  return {
    user_id: str(o, 'user_id', 'user'),
    username: str(o, 'username', 'user'),
    mfa_enabled: o.mfa_enabled,
    created_at: str(o, 'created_at', 'user'),
  };
}

export function asTokenPair(v: unknown): TokenPair {
  const o = obj(v, 'token');
  if (o.status !== 'authenticated' || typeof o.mfa_verified !== 'boolean') throw bad('token');
  return {
    status: 'authenticated',
    access_token: str(o, 'access_token', 'token'),
    token_type: 'Bearer',
    expires_in: int(o, 'expires_in', 'token'),
    refresh_token: str(o, 'refresh_token', 'token'),
    refresh_expires_in: int(o, 'refresh_expires_in', 'token'),
    session_id: str(o, 'session_id', 'token'),
    mfa_verified: o.mfa_verified,
    user: asMe(o.user),
  };
}

export function asLoginResponse(v: unknown): LoginResponse {
  const o = obj(v, 'sign-in');
  if (o.status === 'mfa_required') {
    const c: MfaChallenge = {
      status: 'mfa_required',
      challenge_id: str(o, 'challenge_id', 'sign-in'),
      methods: Array.isArray(o.methods) ? (o.methods.filter((m) => m === 'totp' || m === 'recovery_code') as MfaChallenge['methods']) : ['totp'],
      expires_in: int(o, 'expires_in', 'sign-in'),
    };
    return c;
  }
  return asTokenPair(v);
}

export function asTotpSetup(v: unknown): TotpSetup {
  const o = obj(v, 'MFA setup');
  return { secret: str(o, 'secret', 'MFA setup'), otpauth_uri: str(o, 'otpauth_uri', 'MFA setup') };
}

export function asRecoveryCodes(v: unknown): RecoveryCodes {
  const o = obj(v, 'recovery codes');
  if (!Array.isArray(o.recovery_codes) || !o.recovery_codes.every((c) => typeof c === 'string')) throw bad('recovery codes');
  return { recovery_codes: o.recovery_codes as string[] };
}
