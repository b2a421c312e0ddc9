import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Runtime } from '@fitsync/runtime';
import { hashToken } from '../crypto/hash-token.js';
import type { Db, Queryable } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { newId, type Random } from '../random.js';
import { insertSession, revokeSession } from '../repositories/sessions.js';
import type { UserRow } from '../repositories/users.js';
import { findWebSession, insertWebSession } from '../repositories/web-sessions.js';
import { publishRevoked } from '../services/publish-revoked.js';
import type { AuthContext, TokenService } from '../services/token-service.js';

export interface WebSessionsDeps {
  db: Db;
  runtime: Pick<Runtime, 'now'>;
  random: Random;
  /** deriveKey(serverKey, 'fitsync csrf v1'). */
  csrfKey: Uint8Array;
  /** A cookie lives as long as a refresh token (FITSYNC_REFRESH_TOKEN_TTL). */
  ttlS: number;
  /** Liveness of the cookie's session comes from its session cache (revocations empty it at once). */
  tokens: Pick<TokenService, 'liveSessionUser'>;
  events: EventBus;
  /** Cookies whose row was read, kept in memory (default 10,000). */
  maxCachedCookies?: number;
}

/** What a cookie's row says; never changes while the row exists (revocation lives in `sessions`). */
interface CookieFacts {
  sessionId: string;
  userId: string;
  mfaVerified: boolean;
  expiresAt: number;
}

/** 256 bits as base64url, without padding: exactly what the cookies we set hold. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Browser sessions (docs/web.md "Browser sessions"): an ordinary `sessions` row plus a cookie secret
 * whose sha256 is in `web_sessions`. Every check of a cookie asks the session cache whether its
 * session is live, so sign-out, MFA changes and refresh-token reuse end the cookie at once, as they
 * end access tokens.
 */
export class WebSessions {
  /** Cookie hash → its row's facts; a cookie's row is read once, its session's liveness every time. */
  private readonly known = new Map<string, CookieFacts>();
  private readonly maxCached: number;

  constructor(private readonly d: WebSessionsDeps) {
    this.maxCached = d.maxCachedCookies ?? 10_000;
  }

  get ttlS(): number {
    return this.d.ttlS;
  }

  /** Opens a session for `user` with a new cookie secret; in `q`'s transaction when given, else in one of its own. */
  open(user: UserRow, mfaVerified: boolean, q?: Queryable): Promise<{ secret: string; sessionId: string }> {
    if (!q) return this.d.db.transaction((tx) => this.open(user, mfaVerified, tx));
    const now = this.d.runtime.now();
    const sessionId = newId(this.d.random);
    const secret = this.d.random.bytes(32).toString('base64url');
    return (async () => {
      await insertSession(q, { id: sessionId, userId: user.id, mfaVerified, now });
      await insertWebSession(q, { secretHash: hashToken(secret), sessionId, now, expiresAt: now + this.d.ttlS * 1000 });
      return { secret, sessionId };
    })();
  }

  /** Who a cookie signs in: undefined unless it is well-formed, known, unexpired and its session live. */
  async authenticate(secret: string): Promise<AuthContext | undefined> {
    if (!SECRET_SHAPE.test(secret)) return undefined;
    const hash = hashToken(secret);
    let facts = this.known.get(hash);
    if (!facts) {
      const row = await findWebSession(this.d.db, hash);
      if (!row) return undefined;
      facts = { sessionId: row.session_id, userId: row.user_id, mfaVerified: Number(row.mfa_verified) === 1, expiresAt: Number(row.expires_at) };
      this.remember(hash, facts);
    }
    if (facts.expiresAt <= this.d.runtime.now()) {
      this.known.delete(hash);
      return undefined;
    }
    if ((await this.d.tokens.liveSessionUser(facts.sessionId)) !== facts.userId) return undefined;
    return { userId: facts.userId, sessionId: facts.sessionId, mfaVerified: facts.mfaVerified };
  }

  /** The session's CSRF token: HMAC-SHA-256 of its id under the CSRF key, base64url (stateless, per session). */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.d.csrfKey).update(sessionId, 'utf8').digest('base64url');
  }

  /** Whether `presented` is the session's CSRF token (compared in constant time). */
  csrfMatches(sessionId: string, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const want = Buffer.from(this.csrfToken(sessionId), 'utf8');
    const got = Buffer.from(presented, 'utf8');
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** Signs the browser out: revokes its session (ending its cookie, streams and cached entries everywhere). */
  async revoke(sessionId: string): Promise<void> {
    publishRevoked(this.d.events, await revokeSession(this.d.db, sessionId, 'web_sign_out', this.d.runtime.now()));
  }

  private remember(hash: string, facts: CookieFacts): void {
    if (this.known.size >= this.maxCached) {
      // Oldest first (a Map iterates in insertion order).
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(hash, facts);
  }
}
