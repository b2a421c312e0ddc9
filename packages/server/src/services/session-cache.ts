import type { Runtime } from '@fitsync/runtime';
import type { EventBus } from '../events/event-bus.js';
import { BusCache } from './bus-cache.js';

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

/**
 * Live sessions this instance has looked up, so a request with an access token does not read its
 * session row every time (issue 13: the session lookup was a third of `GET /v1/me`). Revocation is
 * still checked on every request: each entry listens for its session's `session-revoked` event and
 * is dropped the moment it is published — in this process synchronously with the revoking request,
 * on other instances when the PostgreSQL bus delivers it — and when the bus says events may have
 * been missed (`resync`). Only live sessions are cached; an unknown or revoked one is read again.
 */
export class SessionCache {
  private readonly cache: BusCache<'session-revoked', LiveSession>;

  constructor(o: SessionCacheOptions) {
    this.cache = new BusCache({
      events: o.events,
      kind: 'session-revoked',
      now: () => o.runtime.now(),
      maxEntries: o.maxEntries ?? 10_000,
      maxAgeMs: o.maxAgeMs ?? 30_000,
    });
  }

  /** Sessions cached now (for tests). */
  get size(): number {
    return this.cache.size;
  }

  /** The live session `sessionId` when the cache holds it (no read), else undefined: then call `lookup`. */
  peek(sessionId: string): LiveSession | undefined {
    return this.cache.peek(sessionId);
  }

  /**
   * The live session `sessionId`, from the cache or else from `load` (which reads the database and
   * answers undefined for an unknown or revoked session). A revocation published while `load` runs
   * makes this answer undefined: the bus is subscribed before the read, as its contract asks.
   */
  async lookup(sessionId: string, load: () => Promise<LiveSession | undefined>): Promise<LiveSession | undefined> {
    const read = await this.cache.lookup(sessionId, load);
    return read.fresh ? read.value : undefined;
  }
}
