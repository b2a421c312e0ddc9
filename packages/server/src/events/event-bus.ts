import type { SyncJob } from '@fitsync/api';

/**
 * What the server publishes, by kind. Each event is addressed by a key (the job id, the session
 * id); subscribers listen to one key of one kind. Payloads are JSON-serialisable and small (a bus
 * spanning instances sends them through PostgreSQL NOTIFY, whose payload limit is 8000 bytes).
 */
export interface ServerEvents {
  /** A sync job changed (key: job id): its snapshot, and the row version it was taken at. */
  'sync-job': { version: number; job: SyncJob };
  /** A session was revoked (key: session id): logout, refresh-token reuse, MFA enabled elsewhere. */
  'session-revoked': { userId: string };
}

export type EventKind = keyof ServerEvents;
export type Listener<K extends EventKind> = (payload: ServerEvents[K]) => void;

/**
 * Pushed events. Publishing never throws and never waits; a listener's error is its own.
 * Delivery is at-most-once and in publish order per publisher: a subscriber that must not miss a
 * state subscribes first and then reads the state once.
 */
export interface EventBus {
  publish<K extends EventKind>(kind: K, key: string, payload: ServerEvents[K]): void;
  /** Returns the unsubscribe function. */
  subscribe<K extends EventKind>(kind: K, key: string, listener: Listener<K>): () => void;
  close(): Promise<void>;
}

/** The bus inside one process: listeners are called synchronously, in subscription order. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  publish<K extends EventKind>(kind: K, key: string, payload: ServerEvents[K]): void {
    this.deliver(`${kind}\u0000${key}`, payload);
  }

  subscribe<K extends EventKind>(kind: K, key: string, listener: Listener<K>): () => void {
    const k = `${kind}\u0000${key}`;
    let set = this.listeners.get(k);
    if (!set) {
      set = new Set();
      this.listeners.set(k, set);
    }
    const fn = listener as (payload: unknown) => void;
    set.add(fn);
    return () => {
      const s = this.listeners.get(k);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.listeners.delete(k);
    };
  }

  /** Listeners registered now (for tests and metrics). */
  get listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  protected deliver(k: string, payload: unknown): void {
    const set = this.listeners.get(k);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(payload);
      } catch {
        // a listener's failure is its own; the others still hear the event
      }
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
