import type { Runtime } from '@fitsync/runtime';
import type { EventBus } from '../events/event-bus.js';

/** What the cache keeps of a live session: whose it is. */
export interface LiveSession {
  userId: string;
}

export interface SessionCacheOptions {
  events: EventBus;
  runtime: Pick<Runtime, 'now'>;
  /** Sessions kept at most; the oldest entry goes first (default 10,000). */
  maxEntries?: number;
  /**
   * How long an entry is trusted without a new look at the database (default 30 s): a safety net
   * for revocations the bus could not deliver (its LISTEN connection was down when another instance
   * published), never the normal way a revocation takes effect.
   */
  maxAgeMs?: number;
}

interface Entry {
  userId: string;
  at: number;
  off: () => void;
}

/**
 * Live sessions this instance has looked up, so a request with an access token does not read its
 * session row every time (issue 13: the session lookup was a third of `GET /v1/me`). Revocation is
 * still checked on every request: each entry listens for its session's `session-revoked` event and
 * is dropped the moment it is published — in this process synchronously with the revoking request,
 * on other instances when the PostgreSQL bus delivers it — and when the bus says events may have
 * been missed (`resync`). Only live sessions are cached; an unknown or revoked one is read again.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  constructor(private readonly o: SessionCacheOptions) {
    this.maxEntries = o.maxEntries ?? 10_000;
    this.maxAgeMs = o.maxAgeMs ?? 30_000;
  }

  /** Sessions cached now (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The live session `sessionId`, from the cache or else from `load` (which reads the database and
   * answers undefined for an unknown or revoked session). A revocation published while `load` runs
   * makes this answer undefined: the bus is subscribed before the read, as its contract asks.
   */
  async lookup(sessionId: string, load: () => Promise<LiveSession | undefined>): Promise<LiveSession | undefined> {
    const now = this.o.runtime.now();
    const hit = this.entries.get(sessionId);
    if (hit) {
      if (now - hit.at < this.maxAgeMs && now >= hit.at) return { userId: hit.userId };
      this.drop(sessionId);
    }
    let revoked = false;
    let missed = false;
    const off = this.o.events.subscribe(
      'session-revoked',
      sessionId,
      () => {
        revoked = true;
        this.drop(sessionId);
      },
      {
        resync: () => {
          missed = true;
          this.drop(sessionId);
        },
      },
    );
    let live: LiveSession | undefined;
    try {
      live = await load();
    } catch (err) {
      off();
      throw err;
    }
    if (revoked) {
      off();
      return undefined;
    }
    // A concurrent lookup of the same session may have cached it meanwhile: one listener is enough.
    if (!live || missed || this.entries.has(sessionId)) {
      off();
      return live;
    }
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.drop(oldest);
    }
    this.entries.set(sessionId, { userId: live.userId, at: now, off });
    return live;
  }

  private drop(sessionId: string): void {
    const e = this.entries.get(sessionId);
    if (!e) return;
    this.entries.delete(sessionId);
    e.off();
  }
}
