/** Base URLs of Garmin's three hosts; tests point all three at one local server. */
export interface GarminEndpoints {
  /** SSO host (mobile JSON API and classic widget), default https://sso.garmin.com */
  ssoUrl: string;
  /** Connect API host (data endpoints), default https://connectapi.garmin.com */
  apiUrl: string;
  /** DI OAuth2 host (ticket → token, refresh), default https://diauth.garmin.com */
  diauthUrl: string;
}

/** Garmin's own hosts. */
export const GARMIN_DEFAULT_ENDPOINTS: Readonly<GarminEndpoints> = Object.freeze({
  ssoUrl: 'https://sso.garmin.com',
  apiUrl: 'https://connectapi.garmin.com',
  diauthUrl: 'https://diauth.garmin.com',
});

/**
 * Endpoints from `FITSYNC_GARMIN_SSO_URL`, `FITSYNC_GARMIN_API_URL` and
 * `FITSYNC_GARMIN_DIAUTH_URL` (each falling back to Garmin's host).
 * Throws a TypeError naming the variable when a value is not an http(s) URL.
 */
export function garminEndpointsFromEnv(env: Record<string, string | undefined> = process.env): GarminEndpoints {
  return resolveEndpoints({
    ssoUrl: env.FITSYNC_GARMIN_SSO_URL || undefined,
    apiUrl: env.FITSYNC_GARMIN_API_URL || undefined,
    diauthUrl: env.FITSYNC_GARMIN_DIAUTH_URL || undefined,
  });
}

/** Fills missing endpoints with Garmin's hosts, validates them and strips trailing slashes. */
export function resolveEndpoints(partial: Partial<GarminEndpoints> = {}): GarminEndpoints {
  const out = { ...GARMIN_DEFAULT_ENDPOINTS };
  for (const key of ['ssoUrl', 'apiUrl', 'diauthUrl'] as const) {
    const v = partial[key];
    if (v === undefined) continue;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new TypeError(`Garmin ${key} is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`Garmin ${key} must be http(s)`);
    out[key] = u.toString().replace(/\/+$/, '');
  }
  return out;
}
