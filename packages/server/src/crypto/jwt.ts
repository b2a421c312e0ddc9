import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims FitSync puts in an access token. */
export interface AccessClaims {
  /** user id */
  sub: string;
  /** session id */
  sid: string;
  /** whether this session passed MFA */
  mfa: boolean;
  /** issued at, seconds */
  iat: number;
  /** expiry, seconds */
  exp: number;
  /** token id: makes every issued token distinct, even two in the same second */
  jti?: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Signs claims as a compact HS256 JWT (RFC 7519 / RFC 7515). */
export function signJwt(claims: AccessClaims, key: Uint8Array): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', key).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${sig}`;
}

/**
 * Verifies an HS256 JWT and returns its claims, or null when it is malformed, signed with another
 * key or algorithm (only HS256 is accepted — no `alg: none` downgrade), or expired at `nowMs`.
 */
export function verifyJwt(token: string, key: Uint8Array, nowMs: number): AccessClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  // Node's base64url decoder skips unknown characters, padding and the unused low bits of the last
  // character, so several spellings decode to one signature. Accept only the one we issue.
  if (!parts.every(isCanonicalBase64url)) return null;
  const expected = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isRecord(header) || header.alg !== 'HS256') return null;
  if (!isRecord(claims)) return null;
  const { sub, sid, mfa, iat, exp, jti } = claims;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof mfa !== 'boolean') return null;
  if (typeof iat !== 'number' || typeof exp !== 'number') return null;
  if (exp * 1000 <= nowMs) return null;
  if (jti !== undefined && typeof jti !== 'string') return null;
  return { sub, sid, mfa, iat, exp, ...(jti === undefined ? {} : { jti }) };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** True when `s` is exactly how base64url without padding (RFC 7515 §2) encodes its bytes. */
function isCanonicalBase64url(s: string): boolean {
  return BASE64URL.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `verifyJwt` under one key, remembering the last `maxEntries` tokens whose form and signature
 * checked out, so a client's repeated requests with one access token pay for the HMAC once
 * (issue 13: the check was a tenth of `GET /v1/me`). The memo is keyed by the whole token text, so
 * only that exact token hits it; expiry is checked on every call. Revocation is not this layer's
 * business (the session check is).
 */
export class JwtVerifier {
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly key: Uint8Array,
    private readonly maxEntries = 10_000,
  ) {}

  verify(token: string, nowMs: number): AccessClaims | null {
    let claims = this.verified.get(token);
    if (!claims) {
      claims = verifyJwt(token, this.key, nowMs) ?? undefined;
      if (!claims) return null;
      if (this.verified.size >= this.maxEntries) {
        const oldest = this.verified.keys().next().value;
        if (oldest !== undefined) this.verified.delete(oldest);
      }
      this.verified.set(token, claims);
    }
    if (claims.exp * 1000 <= nowMs) {
      this.verified.delete(token);
      return null;
    }
    return claims;
  }
}
