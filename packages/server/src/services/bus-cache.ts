import type { EventBus, EventKind } from '../events/event-bus.js';

export interface BusCacheOptions<K extends EventKind> {
  events: EventBus;
  /** The event that makes an entry stale, addressed by the entry's key. */
  kind: K;
  /** The clock of the max age. */
  now: () => number;
  /** Entries kept at most; the oldest goes first. */
  maxEntries: number;
  /**
   * How long an entry is trusted without a new read: a safety net for changes no event announced
   * (written by another process without a bus, or published while the bus was down).
   */
  maxAgeMs: number;
}

/** What `lookup` read: `fresh` is false when the key's event arrived during the read. */
export interface BusCacheRead<V> {
  value: V | undefined;
  fresh: boolean;
}

interface Entry<V> {
  value: V;
  at: number;
  off: () => void;
}

/**
 * Values read from the database and kept until the event bus says they changed: each entry
 * listens for `kind` events of its key and is dropped the moment one is published (in this
 * process synchronously with the write, on other instances when the PostgreSQL bus delivers it),
 * and when the bus says events may have been missed (`resync`). The listener is subscribed before
 * the read, as the bus's contract asks, so a change committed during the read is never lost: that
 * read is answered as not fresh and not kept. Undefined values (nothing found) are not kept.
 */
export class BusCache<K extends EventKind, V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly o: BusCacheOptions<K>) {}

  /** Entries kept now (each holds one subscription on the bus). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The kept value of `key` when it is still trusted (what `lookup` answers without a read), else
   * undefined; synchronous, for paths that answer without waiting when they can.
   */
  peek(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    const now = this.o.now();
    if (now - hit.at < this.o.maxAgeMs && now >= hit.at) return hit.value;
    this.drop(key);
    return undefined;
  }

  async lookup(key: string, load: () => Promise<V | undefined>): Promise<BusCacheRead<V>> {
    const kept = this.peek(key);
    if (kept !== undefined) return { value: kept, fresh: true };
    const now = this.o.now();
    let changed = false;
    let missed = false;
    const off = this.o.events.subscribe(
      this.o.kind,
      key,
      () => {
        changed = true;
        this.drop(key);
      },
      {
        resync: () => {
          missed = true;
          this.drop(key);
        },
      },
    );
    let value: V | undefined;
    try {
      value = await load();
    } catch (err) {
      off();
      throw err;
    }
    if (changed) {
      off();
      return { value, fresh: false };
    }
    // A concurrent lookup of the same key may have kept it meanwhile: one listener is enough.
    if (value === undefined || missed || this.entries.has(key)) {
      off();
      return { value, fresh: true };
    }
    if (this.entries.size >= this.o.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.drop(oldest);
    }
    this.entries.set(key, { value, at: now, off });
    return { value, fresh: true };
  }

  /** Forgets `key` (and its subscription). */
  drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    e.off();
  }
}
