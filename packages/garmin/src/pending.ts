/**
 * The half-finished sign-in parked while the user fetches Garmin's MFA code.
 * It is plain data (garmin-protocol.md, "The MFA pause must survive between
 * HTTP requests"): the server encrypts and stores it, and any instance resumes
 * it with `GarminAuth.resumeLogin` on a fresh client object. It holds session
 * cookies, so treat it as a secret; it never holds the password or e-mail.
 */
import { CookieJar, type SerializedCookieJar } from './cookie-jar.js';
import { GarminInputError } from './errors.js';

/** Parameters of a paused mobile JSON sign-in. */
export interface MobilePendingParams {
  clientId: string;
  service: string;
  locale: string;
}

/** Parameters of a paused classic widget sign-in. */
export interface ClassicPendingParams {
  /** CSRF value of the MFA page. */
  csrf: string;
  /** URL of the MFA page (`/sso/verifyMFA/loginEnterMfaCode?…`), where the code is posted. */
  url: string;
  /** The CAS service the ticket will be issued for. */
  service: string;
}

interface PendingBase {
  version: 1;
  cookies: SerializedCookieJar;
  /** The MFA method exactly as Garmin reported it (`customerMfaInfo.mfaLastMethodUsed`), null if not reported. */
  mfaMethod: string | null;
  /** When the sign-in started (epoch ms). */
  startedAt: number;
}

/** A paused sign-in, JSON-serialisable. Discriminated by `strategy`. */
export type GarminPendingLogin =
  | (PendingBase & { strategy: 'mobile'; params: MobilePendingParams })
  | (PendingBase & { strategy: 'classic'; params: ClassicPendingParams });

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw new GarminInputError(`pending sign-in: bad ${what}`);
  return v;
}

/**
 * Validates a pending sign-in read back from storage (e.g. after
 * `JSON.parse`). Throws {@link GarminInputError} when it is malformed.
 */
export function parsePendingLogin(data: unknown): GarminPendingLogin {
  if (typeof data !== 'object' || data === null) throw new GarminInputError('pending sign-in: not an object');
  const d = data as Record<string, unknown>;
  if (d.version !== 1) throw new GarminInputError('pending sign-in: unsupported version');
  if (typeof d.startedAt !== 'number' || !Number.isFinite(d.startedAt)) {
    throw new GarminInputError('pending sign-in: bad startedAt');
  }
  if (d.mfaMethod !== null && typeof d.mfaMethod !== 'string') throw new GarminInputError('pending sign-in: bad mfaMethod');
  let cookies: SerializedCookieJar;
  try {
    cookies = CookieJar.fromJSON(d.cookies).toJSON();
  } catch {
    throw new GarminInputError('pending sign-in: bad cookies');
  }
  const p = (d.params ?? {}) as Record<string, unknown>;
  const base = { version: 1 as const, cookies, mfaMethod: d.mfaMethod as string | null, startedAt: d.startedAt };
  if (d.strategy === 'mobile') {
    return {
      ...base,
      strategy: 'mobile',
      params: { clientId: str(p.clientId, 'clientId'), service: str(p.service, 'service'), locale: str(p.locale, 'locale') },
    };
  }
  if (d.strategy === 'classic') {
    return {
      ...base,
      strategy: 'classic',
      params: { csrf: str(p.csrf, 'csrf'), url: str(p.url, 'url'), service: str(p.service, 'service') },
    };
  }
  throw new GarminInputError('pending sign-in: unknown strategy');
}
