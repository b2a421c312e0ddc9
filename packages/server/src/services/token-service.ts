import type { TokenPair } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import { hashToken } from '../crypto/hash-token.js';
import { type AccessClaims, JwtVerifier, signJwt } from '../crypto/jwt.js';
import type { Db, Queryable } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { ApiError, invalidToken } from '../http/api-error.js';
import type { AuthMetrics } from '../metrics.js';
import { newId, type Random } from '../random.js';
import {
  findRefreshToken,
  findSession,
  insertRefreshToken,
  isSessionLive,
  insertSession,
  revokeSession,
  spendRefreshToken,
} from '../repositories/sessions.js';
import { findUserById, type UserRow } from '../repositories/users.js';
import { publishRevoked } from './publish-revoked.js';
import { SessionCache } from './session-cache.js';
import { toApiUser } from './user-view.js';

/** Who a valid access token speaks for. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  mfaVerified: boolean;
}

export interface TokenServiceDeps {
  db: Db;
  runtime: Runtime;
  random: Random;
  jwtKey: Uint8Array;
  accessTtlS: number;
  refreshTtlS: number;
  metrics: AuthMetrics;
  /** Where revocations are published: event streams of the session end at once, cached sessions are dropped. */
  events: EventBus;
  /** Live sessions kept in memory (default: 10,000 for at most 30 s each); see SessionCache. */
  sessionCache?: { maxEntries?: number; maxAgeMs?: number };
}

/** Who the token speaks for, when its session is live and the token's own user's. */
function authContext(claims: AccessClaims, session: { userId: string } | undefined): AuthContext {
  if (!session || session.userId !== claims.sub) throw invalidToken();
  return { userId: claims.sub, sessionId: claims.sid, mfaVerified: claims.mfa };
}

const invalidGrant = () => new ApiError(401, 'invalid_grant', 'The refresh token is invalid, expired or revoked.');

/** Sessions, access tokens (HS256 JWT) and rotating refresh tokens (RFC 9700 §4.14). */
export class TokenService {
  private readonly sessions: SessionCache;
  private readonly jwt: JwtVerifier;

  constructor(private readonly d: TokenServiceDeps) {
    this.jwt = new JwtVerifier(d.jwtKey);
    this.sessions = new SessionCache({ events: d.events, runtime: d.runtime, ...d.sessionCache });
  }

  /** Opens a session for `user` and returns its first token pair; runs in the caller's transaction when given. */
  async openSession(user: UserRow, mfaVerified: boolean, q: Queryable = this.d.db): Promise<TokenPair> {
    const now = this.d.runtime.now();
    const sessionId = newId(this.d.random);
    await insertSession(q, { id: sessionId, userId: user.id, mfaVerified, now });
    const refresh = await this.newRefreshToken(q, sessionId, now);
    return this.pair(user, sessionId, mfaVerified, refresh, now);
  }

  /**
   * Rotates a refresh token. Exactly one of concurrent uses wins; presenting a spent token again
   * revokes its whole session (RFC 9700 §4.14.2 reuse detection), so the newest token dies too.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const now = this.d.runtime.now();
    const hash = hashToken(refreshToken);
    const outcome = await this.d.db.transaction(async (tx) => {
      if (await spendRefreshToken(tx, hash, now)) {
        const row = await findRefreshToken(tx, hash);
        const session = row && (await findSession(tx, row.session_id));
        if (!session || session.revoked_at !== null) return { error: 'revoked' as const };
        const user = await findUserById(tx, session.user_id);
        if (!user) return { error: 'revoked' as const };
        const next = await this.newRefreshToken(tx, session.id, now);
        return { pair: this.pair(user, session.id, session.mfa_verified === 1, next, now) };
      }
      const row = await findRefreshToken(tx, hash);
      if (row && row.spent_at !== null) {
        return { error: 'reused' as const, revoked: await revokeSession(tx, row.session_id, 'refresh_token_reuse', now) };
      }
      return { error: 'invalid' as const };
    });
    if ('pair' in outcome && outcome.pair) {
      this.d.metrics.refresh.inc();
      return outcome.pair;
    }
    if (outcome.error === 'reused') {
      publishRevoked(this.d.events, outcome.revoked);
      this.d.metrics.refreshReuse.inc();
    }
    throw invalidGrant();
  }

  /** Revokes the session a refresh token belongs to (spent or not). Unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    const row = await findRefreshToken(this.d.db, hashToken(refreshToken));
    if (row) publishRevoked(this.d.events, await revokeSession(this.d.db, row.session_id, 'logout', this.d.runtime.now()));
  }

  /** Live sessions in the cache now; each holds one `session-revoked` subscription on the bus. */
  get cachedSessions(): number {
    return this.sessions.size;
  }

  /** Whether the session is still signed in (not revoked); for long-lived requests that outlast their check. */
  sessionLive(sessionId: string, userId: string): Promise<boolean> {
    return isSessionLive(this.d.db, sessionId, userId);
  }

  /**
   * Verifies a bearer token: signature, expiry, and that its session is still live — from the
   * session cache, which a revocation empties at once (here; on other instances when the bus
   * delivers it).
   */
  async authenticate(accessToken: string): Promise<AuthContext> {
    const claims = this.verifiedClaims(accessToken);
    // Inline rather than through liveSessionUser: this is every API request's path (one promise fewer).
    const session = this.sessions.peek(claims.sid) ?? (await this.sessions.lookup(claims.sid, () => this.readLiveSession(claims.sid)));
    return authContext(claims, session);
  }

  /**
   * `authenticate` without waiting, when it needs no database read: the session is in the session
   * cache. Undefined when it is not (then call `authenticate`); throws invalid_token as it does.
   * Every API request with a token comes here first (issue 13: no promise on the common path).
   */
  authenticateCached(accessToken: string): AuthContext | undefined {
    const claims = this.verifiedClaims(accessToken);
    const session = this.sessions.peek(claims.sid);
    return session && authContext(claims, session);
  }

  private verifiedClaims(accessToken: string): AccessClaims {
    const claims = this.jwt.verify(accessToken, this.d.runtime.now());
    if (!claims) throw invalidToken();
    return claims;
  }

  /**
   * The user of a live (not revoked) session, from the session cache (see `authenticate`);
   * undefined for an unknown or revoked one. Browser sessions check their cookie's session here too.
   */
  async liveSessionUser(sessionId: string): Promise<string | undefined> {
    const session = await this.sessions.lookup(sessionId, () => this.readLiveSession(sessionId));
    return session?.userId;
  }

  private async readLiveSession(sessionId: string): Promise<{ userId: string } | undefined> {
    const row = await findSession(this.d.db, sessionId);
    return row && row.revoked_at === null ? { userId: row.user_id } : undefined;
  }

  private async newRefreshToken(q: Queryable, sessionId: string, now: number): Promise<string> {
    // 256 random bits (spec); only the hash is stored.
    const token = this.d.random.bytes(32).toString('base64url');
    await insertRefreshToken(q, { hash: hashToken(token), sessionId, now, expiresAt: now + this.d.refreshTtlS * 1000 });
    return token;
  }

  private pair(user: UserRow, sessionId: string, mfaVerified: boolean, refreshToken: string, now: number): TokenPair {
    const iat = Math.floor(now / 1000);
    const claims: AccessClaims = {
      sub: user.id,
      sid: sessionId,
      mfa: mfaVerified,
      iat,
      exp: iat + this.d.accessTtlS,
      jti: this.d.random.bytes(9).toString('base64url'),
    };
    return {
      status: 'authenticated',
      access_token: signJwt(claims, this.d.jwtKey),
      token_type: 'Bearer',
      expires_in: this.d.accessTtlS,
      refresh_token: refreshToken,
      refresh_expires_in: this.d.refreshTtlS,
      session_id: sessionId,
      mfa_verified: mfaVerified,
      user: toApiUser(user),
    };
  }
}
