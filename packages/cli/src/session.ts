import type { ApiClient, ApiResponse, RequestOptions } from './client/client.js';
import { asTokenPair } from './client/answers.js';
import type { Runtime } from '@fitsync/runtime';
import type { CredentialStore, StoredCredentials } from './credentials/store.js';
import { AuthError } from './errors.js';
import { Secret } from './secret.js';
import type { TokenPair } from '@fitsync/api';

/** Refresh this long before expiry (spec: "Token refresh")… */
const REFRESH_MARGIN_MS = 60_000;

export const SESSION_EXPIRED = 'Session expired. Run `fitsync auth login`.';

/** Credentials to store from a token pair received at `now`. */
export function credentialsFromPair(pair: TokenPair, server: string, now: number): StoredCredentials {
  // The JWT's own `exp` is whole seconds and may lie up to 1 s before
  // now + expires_in: trust the earlier of the two.
  const jwtExp = jwtExpiry(pair.access_token);
  const expiresAt = Math.min(now + pair.expires_in * 1000, jwtExp ?? Number.POSITIVE_INFINITY);
  return {
    server,
    username: pair.user.username,
    userId: pair.user.user_id,
    sessionId: pair.session_id,
    mfaVerified: pair.mfa_verified,
    accessToken: new Secret(pair.access_token),
    accessIssuedAt: now,
    accessExpiresAt: expiresAt,
    refreshToken: new Secret(pair.refresh_token),
    refreshExpiresAt: now + pair.refresh_expires_in * 1000,
  };
}

/**
 * …but never earlier than when a tenth of the token's lifetime remains, so with
 * very short access tokens (tests use 2 s) a token another process has just
 * refreshed is used rather than refreshed again.
 */
export function needsRefresh(c: StoredCredentials, now: number): boolean {
  const margin = Math.min(REFRESH_MARGIN_MS, (c.accessExpiresAt - c.accessIssuedAt) / 10);
  return c.accessExpiresAt - now <= margin;
}

/** The `exp` claim (epoch ms) of a JWT, read without verifying it (the server does that); undefined when absent. */
export function jwtExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Authenticated API calls for one profile, with transparent refresh: before a
 * request whose token is about to expire, and once after a 401 invalid_token.
 */
export class Session {
  readonly #api: ApiClient;
  readonly #store: CredentialStore;
  readonly #profile: string;
  readonly #runtime: Runtime;
  #creds: StoredCredentials | undefined;

  constructor(api: ApiClient, store: CredentialStore, profile: string, runtime: Runtime) {
    this.#api = api;
    this.#store = store;
    this.#profile = profile;
    this.#runtime = runtime;
  }

  /** The stored credentials for this profile and server; AuthError when there are none. */
  async credentials(): Promise<StoredCredentials> {
    if (this.#creds) return this.#creds;
    const c = await this.#store.read(this.#profile);
    const server = this.#api.baseUrl;
    if (!c) throw new AuthError(`Not signed in to ${server}`, 'run `fitsync auth login`');
    // Never send one server's tokens to another.
    if (c.server !== server) {
      throw new AuthError(`Not signed in to ${server} (profile "${this.#profile}" is signed in to ${c.server})`, 'run `fitsync auth login`');
    }
    this.#creds = c;
    return c;
  }

  /** A currently valid access token, refreshing first when it is about to expire. */
  async accessToken(): Promise<Secret> {
    const c = await this.credentials();
    if (!needsRefresh(c, this.#runtime.now())) return c.accessToken;
    return (await this.refresh(c.accessToken)).accessToken;
  }

  /**
   * Refreshes under the inter-process lock. After taking the lock the file is
   * read again: when another process already replaced `stale`, its tokens are
   * used and no second refresh happens (a second one would spend a rotated
   * refresh token and, per RFC 9700 reuse detection, could revoke the session).
   */
  async refresh(stale: Secret): Promise<StoredCredentials> {
    const server = this.#api.baseUrl;
    const fresh = await this.#store.withLock(async () => {
      const cur = await this.#store.read(this.#profile);
      if (!cur || cur.server !== server) throw new AuthError(`Not signed in to ${server}`, 'run `fitsync auth login`');
      if (cur.accessToken.reveal() !== stale.reveal()) return cur;
      const now = this.#runtime.now();
      if (cur.refreshExpiresAt <= now) {
        await this.#store.writeUnlocked(this.#profile, undefined);
        throw new AuthError(SESSION_EXPIRED);
      }
      let pair: TokenPair;
      try {
        const res = await this.#api.request('POST', '/v1/auth/refresh', { body: { refresh_token: cur.refreshToken.reveal() } });
        pair = asTokenPair(res.body);
      } catch (err) {
        if (err instanceof AuthError && (err.api?.code === 'invalid_grant' || err.api?.status === 401)) {
          await this.#store.writeUnlocked(this.#profile, undefined);
          throw new AuthError(SESSION_EXPIRED);
        }
        throw err;
      }
      const next = credentialsFromPair(pair, server, this.#runtime.now());
      await this.#store.writeUnlocked(this.#profile, next);
      return next;
    });
    this.#creds = fresh;
    return fresh;
  }

  /** An authenticated request; on 401 invalid_token refreshes once and retries. */
  async request<T = unknown>(method: string, path: string, opts: Omit<RequestOptions, 'token'> = {}): Promise<ApiResponse<T>> {
    const token = await this.accessToken();
    try {
      return await this.#api.request<T>(method, path, { ...opts, token });
    } catch (err) {
      if (!(err instanceof AuthError && err.api?.code === 'invalid_token')) throw err;
    }
    const next = await this.refresh(token);
    return this.#api.request<T>(method, path, { ...opts, token: next.accessToken });
  }
}
