/**
 * The value of cookie `name` in a Cookie header (RFC 6265 §5.4: `name=value` pairs joined by `; `;
 * Node joins repeated Cookie headers the same way). The first one wins when the name repeats:
 * browsers send the most specific cookie first. Nothing is decoded: the values we set are base64url.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds; 0 clears the cookie. */
  maxAgeS: number;
  secure: boolean;
}

/** A Set-Cookie value for the session cookie: HttpOnly, SameSite=Strict, Path=/ (docs/web.md). */
export function sessionCookie(name: string, value: string, o: CookieOptions): string {
  return `${name}=${value}; Max-Age=${Math.floor(o.maxAgeS)}; Path=/; HttpOnly; SameSite=Strict${o.secure ? '; Secure' : ''}`;
}
