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
  /** What `GET /v1/me` shows of a user changed (key: user id): MFA on or off, the Garmin link's state. */
  'user-changed': { what: 'mfa' | 'garmin' };
}

export type EventKind = keyof ServerEvents;
export type Listener<K extends EventKind> = (payload: ServerEvents[K]) => void;

export interface SubscribeOptions {
  /**
   * Called when this subscriber may have missed events of its key: the bus lost its connection to
   * the other instances for a while, or an event was too big to carry and only its key arrived.
   * The subscriber re-reads the state once (it is never called by a bus within one process).
   */
  resync?: () => void;
}

/**
 * Pushed events. Publishing never throws and never waits; a listener's error is its own.
 * Delivery is at-most-once and in publish order per publisher: a subscriber that must not miss a
 * state subscribes first and then reads the state once.
 */
export interface EventBus {
  publish<K extends EventKind>(kind: K, key: string, payload: ServerEvents[K]): void;
  /** Returns the unsubscribe function. */
  subscribe<K extends EventKind>(kind: K, key: string, listener: Listener<K>, opts?: SubscribeOptions): () => void;
  close(): Promise<void>;
}

/** The bus inside one process: listeners are called synchronously, in subscription order. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly resyncs = new Map<string, Set<() => void>>();

  publish<K extends EventKind>(kind: K, key: string, payload: ServerEvents[K]): void {
    this.deliver(topic(kind, key), payload);
  }

  subscribe<K extends EventKind>(kind: K, key: string, listener: Listener<K>, opts: SubscribeOptions = {}): () => void {
    const k = topic(kind, key);
    const offListener = add(this.listeners, k, listener as (payload: unknown) => void);
    const offResync = opts.resync ? add(this.resyncs, k, opts.resync) : () => {};
    return () => {
      offListener();
      offResync();
    };
  }

  /** Listeners registered now (for tests and metrics). */
  get listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  protected deliver(k: string, payload: unknown): void {
    for (const fn of [...(this.listeners.get(k) ?? [])]) guarded(() => fn(payload));
  }

  /** Tells the subscribers of one topic (or, without `k`, all of them) that they may have missed events. */
  protected resync(k?: string): void {
    const sets = k === undefined ? [...this.resyncs.values()] : [this.resyncs.get(k) ?? new Set<() => void>()];
    for (const fn of sets.flatMap((s) => [...s])) guarded(fn);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.resyncs.clear();
  }
}

/** The map key of one kind and key (NUL cannot occur in either). */
export function topic(kind: EventKind, key: string): string {
  return `${kind}\u0000${key}`;
}

function add<T>(map: Map<string, Set<T>>, k: string, fn: T): () => void {
  let set = map.get(k);
  if (!set) {
    set = new Set();
    map.set(k, set);
  }
  set.add(fn);
  return () => {
    const s = map.get(k);
    if (!s) return;
    s.delete(fn);
    if (s.size === 0) map.delete(k);
  };
}

function guarded(fn: () => void): void {
  try {
    fn();
  } catch {
    // a listener's failure is its own; the others still hear the event
  }
}
