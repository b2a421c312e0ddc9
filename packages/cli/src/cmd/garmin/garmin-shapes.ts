import type { GarminConnected, GarminConnection, GarminMfaRequired } from '@fitsync/api';
import { UnavailableError } from '../../errors.js';

// Hand-written guards (like src/api/shapes.ts): an answer we cannot use is the server's fault (exit 6).

function bad(what: string): UnavailableError {
  return new UnavailableError(`the server sent an unexpected ${what} answer`);
}
function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(what);
  return v as Record<string, unknown>;
}
function nullableStr(o: Record<string, unknown>, k: string, what: string): string | null {
  if (o[k] === null || o[k] === undefined) return null;
  if (typeof o[k] !== 'string') throw bad(what);
  return o[k] as string;
}

/** PUT /v1/garmin/connection: connected (200) or a Garmin MFA challenge (202). */
export function asGarminConnectAnswer(v: unknown): GarminConnected | GarminMfaRequired {
  const what = 'Garmin sign-in';
  const o = obj(v, what);
  if (o.status === 'mfa_required') {
    if (typeof o.challenge_id !== 'string' || !o.challenge_id) throw bad(what);
    if (typeof o.expires_in !== 'number' || !Number.isInteger(o.expires_in)) throw bad(what);
    return { status: 'mfa_required', challenge_id: o.challenge_id, expires_in: o.expires_in };
  }
  return asGarminConnected(v);
}

export function asGarminConnected(v: unknown): GarminConnected {
  const what = 'Garmin sign-in';
  const o = obj(v, what);
  if (o.status !== 'connected' || typeof o.display_name !== 'string') throw bad(what);
  return { status: 'connected', display_name: o.display_name };
}

export function asGarminConnection(v: unknown): GarminConnection {
  const what = 'Garmin connection';
  const o = obj(v, what);
  if (o.status !== 'connected' && o.status !== 'not_connected' && o.status !== 'reauth_required') throw bad(what);
  return { status: o.status, display_name: nullableStr(o, 'display_name', what), connected_at: nullableStr(o, 'connected_at', what) };
}
