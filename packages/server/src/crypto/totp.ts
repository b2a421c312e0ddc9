import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32Decode } from './base32.js';

// RFC 6238 TOTP as FitSync uses it: HMAC-SHA-1, 6 digits, 30-second steps, T0 = 0.
export const TOTP_STEP_S = 30;
export const TOTP_DIGITS = 6;
/** Accept the previous and next step too (RFC 6238 §5.2 clock drift allowance). */
export const TOTP_WINDOW = 1;

/** HOTP value (RFC 4226 §5.3) for a counter, with `digits` digits. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS, algorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return bin.toString().padStart(digits, '0');
}

/** The TOTP time step containing `timeMs`. */
export function totpStep(timeMs: number, stepS = TOTP_STEP_S): number {
  return Math.floor(timeMs / 1000 / stepS);
}

/** The TOTP code for a key at a time (RFC 6238 §4). */
export function totp(key: Uint8Array, timeMs: number, digits = TOTP_DIGITS, algorithm = 'sha1'): string {
  return hotp(key, totpStep(timeMs), digits, algorithm);
}

/** The current 6-digit code for a base32 secret, as an authenticator app would show it. */
export function totpCode(secretBase32: string, timeMs: number): string {
  return totp(base32Decode(secretBase32), timeMs);
}

/**
 * Finds the time step a submitted code belongs to within ±TOTP_WINDOW steps of `timeMs`,
 * or null. Comparison is constant-time per candidate.
 */
export function matchTotpStep(key: Uint8Array, code: string, timeMs: number): number | null {
  const normalized = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(normalized)) return null;
  const want = Buffer.from(normalized);
  const current = totpStep(timeMs);
  let found: number | null = null;
  for (let d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
    const step = current + d;
    if (step < 0) continue;
    const got = Buffer.from(hotp(key, step));
    if (timingSafeEqual(got, want) && found === null) found = step;
  }
  return found;
}
