// The only way pages talk to the server. The session lives in an HttpOnly cookie that page
// scripts cannot read; what they get is the user and the CSRF token state changes must carry.
import type { Me } from '@fitsync/api';
import { navigate, signInHref } from './router.js';

export type { Me };

/** A problem+json answer (RFC 9457) or a failure to reach the server. */
export class ApiError extends Error {
  status: number;
  code: string;
  detail?: string;
  body: unknown;
  constructor(status: number, code: string, message: string, body: unknown, detail?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
    if (detail !== undefined) this.detail = detail;
  }
  /** `retry_after` seconds of a throttled (429) or locked answer, when the server sent one. */
  get retryAfter(): number | undefined {
    const v = (this.body as { retry_after?: unknown } | null)?.retry_after;
    return typeof v === 'number' ? v : undefined;
  }
}

let current: { user: Me; csrfToken: string } | null = null;

/** The signed-in user and CSRF token (known after boot), or null when signed out. */
export function session(): { user: Me; csrfToken: string } | null {
  return current;
}

/** Set after sign-in (the answer carries the user and the CSRF token); null after sign-out. */
export function setSession(s: { user: Me; csrfToken: string } | null): void {
  current = s;
  for (const fn of [...sessionListeners]) fn();
}

const sessionListeners = new Set<() => void>();
/** Calls `fn` whenever the session changes (sign-in, sign-out, expiry). */
export function onSession(fn: () => void): () => void {
  sessionListeners.add(fn);
  return () => sessionListeners.delete(fn);
}

/** Asks the server whether the cookie still names a live session (boot). */
export async function loadSession(): Promise<void> {
  try {
    const s = await request<{ user: Me; csrf_token: string }>('GET', '/v1/web/session', undefined, false);
    setSession({ user: s.user, csrfToken: s.csrf_token });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) setSession(null);
    else throw err;
  }
}

/** GET a JSON resource (the cookie goes along: same origin). */
export function apiGet<T>(path: string): Promise<T> {
  return request<T>('GET', path, undefined, true);
}

/** A state change with a JSON body; carries X-CSRF-Token. 204 resolves to undefined. */
export function apiSend<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body, true);
}

// Only `invalid_token` means the session ended: other 401s (a wrong password, TOTP code or
// Garmin password) are the form's error and must not sign the visitor out.
const sessionEnded = (err: ApiError, path: string) =>
  err.status === 401 && (err.code === 'invalid_token' || err.code === 'http_error') && !path.startsWith('/v1/web/session');

async function request<T>(method: string, path: string, body: unknown, expire: boolean): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && current) headers['x-csrf-token'] = current.csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Could not reach the FitSync server. Check your connection and try again.', null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (a proxy's error page): reported below by status
  }
  if (res.ok) return parsed as T;
  const p = (parsed ?? {}) as { code?: unknown; title?: unknown; detail?: unknown };
  const detail = typeof p.detail === 'string' ? p.detail : undefined;
  const title = typeof p.title === 'string' ? p.title : `The server answered ${res.status}.`;
  const err = new ApiError(res.status, typeof p.code === 'string' ? p.code : 'http_error', detail ?? title, parsed, detail);
  if (expire && sessionEnded(err, path)) {
    // The session ended (expired, revoked, signed out elsewhere): sign in again, then come back.
    setSession(null);
    if (location.pathname !== '/sign-in') navigate(signInHref(location.pathname + location.search), { replace: true });
  }
  throw err;
}
