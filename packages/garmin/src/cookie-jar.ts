/**
 * A small RFC 6265-ish cookie jar for the SSO conversation. It must be
 * serialisable because a sign-in paused for Garmin's MFA code is resumed later,
 * possibly by another process (garmin-protocol.md, "The MFA pause must survive").
 * Garmin's recorded cookies carry sanitised attributes (`Path=[REDACTED]`,
 * `domain=SANITIZED`): attributes we cannot make sense of are ignored instead of
 * dropping the cookie.
 */

/** One stored cookie, JSON-serialisable. */
export interface StoredCookie {
  name: string;
  value: string;
  /** Host (host-only cookie) or domain (without the leading dot). */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** Epoch ms, or null for a session cookie. */
  expiresAt: number | null;
}

/** The JSON form of a {@link CookieJar}. */
export type SerializedCookieJar = StoredCookie[];

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;

function domainMatches(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

function pathMatches(reqPath: string, cookiePath: string): boolean {
  if (cookiePath === '/' || reqPath === cookiePath) return true;
  return reqPath.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);
}

/** Cookie jar shared by all requests of one sign-in. */
export class CookieJar {
  private cookies: StoredCookie[];
  private readonly now: () => number;

  constructor(cookies: SerializedCookieJar = [], now: () => number = Date.now) {
    this.cookies = cookies.map((c) => ({ ...c }));
    this.now = now;
  }

  /** Rebuilds a jar from its JSON form, validating every entry. */
  static fromJSON(data: unknown, now: () => number = Date.now): CookieJar {
    if (!Array.isArray(data)) throw new TypeError('cookie jar must be an array');
    const out: StoredCookie[] = [];
    for (const c of data) {
      if (
        typeof c !== 'object' ||
        c === null ||
        typeof c.name !== 'string' ||
        typeof c.value !== 'string' ||
        typeof c.domain !== 'string' ||
        typeof c.path !== 'string'
      ) {
        throw new TypeError('malformed cookie in jar');
      }
      out.push({
        name: c.name,
        value: c.value,
        domain: c.domain,
        hostOnly: c.hostOnly !== false,
        path: c.path,
        secure: c.secure === true,
        expiresAt: typeof c.expiresAt === 'number' ? c.expiresAt : null,
      });
    }
    return new CookieJar(out, now);
  }

  /** The jar's JSON form (expired cookies left out). */
  toJSON(): SerializedCookieJar {
    const t = this.now();
    return this.cookies.filter((c) => c.expiresAt === null || c.expiresAt > t).map((c) => ({ ...c }));
  }

  /** Number of live cookies (for tests and diagnostics; never their values). */
  get size(): number {
    return this.toJSON().length;
  }

  /** Names of live cookies (never values). */
  names(): string[] {
    return this.toJSON().map((c) => c.name);
  }

  /** Stores the `Set-Cookie` header values of an answer to `url`. */
  setFromResponse(url: URL, setCookie: string | string[] | undefined): void {
    if (!setCookie) return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) this.setOne(url, line);
  }

  private setOne(url: URL, line: string): void {
    const [pair = '', ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const host = url.hostname.toLowerCase();
    const cookie: StoredCookie = {
      name,
      value,
      domain: host,
      hostOnly: true,
      // RFC 6265 would default to the request's directory; Garmin sets Path=/ on its SSO
      // cookies (sanitised in recordings), so '/' keeps them flowing between /mobile/sso and /mobile/api.
      path: '/',
      secure: false,
      expiresAt: null,
    };
    let maxAge: number | undefined;
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
      const val = i < 0 ? '' : attr.slice(i + 1).trim();
      if (key === 'secure') cookie.secure = true;
      else if (key === 'path' && val.startsWith('/')) cookie.path = val;
      else if (key === 'domain') {
        const d = val.replace(/^\./, '').toLowerCase();
        // A Domain we cannot match (sanitised or foreign) is ignored: the cookie stays host-only.
        if (d && domainMatches(host, d) && d.includes('.')) {
          cookie.domain = d;
          cookie.hostOnly = false;
        }
      } else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
      else if (key === 'expires') {
        const t = Date.parse(val);
        if (!Number.isNaN(t) && maxAge === undefined) cookie.expiresAt = t;
      }
    }
    if (maxAge !== undefined) cookie.expiresAt = this.now() + maxAge * 1000;
    this.cookies = this.cookies.filter(
      (c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path),
    );
    if (cookie.expiresAt !== null && cookie.expiresAt <= this.now()) return; // a deletion
    this.cookies.push(cookie);
  }

  /** The `Cookie` header value for a request to `url`, or undefined when none applies. */
  headerFor(url: URL): string | undefined {
    const host = url.hostname.toLowerCase();
    const https = url.protocol === 'https:';
    const t = this.now();
    const parts: string[] = [];
    for (const c of this.cookies) {
      if (c.expiresAt !== null && c.expiresAt <= t) continue;
      if (c.hostOnly ? c.domain !== host : !domainMatches(host, c.domain)) continue;
      if (!pathMatches(url.pathname || '/', c.path)) continue;
      // Secure cookies go over https only, except to loopback test servers (as browsers do for localhost).
      if (c.secure && !https && !LOOPBACK.test(host)) continue;
      parts.push(`${c.name}=${c.value}`);
    }
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
}
