import { randomBytes } from 'node:crypto';
import { SYNC_STATUSES } from '@fitsync/api/codes';
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import pg from 'pg';
import type { Db } from '../db/db.js';
import type { Counter, Metrics } from '../metrics.js';
import { type EventKind, LocalEventBus, type ServerEvents, topic } from './event-bus.js';
import type { Log } from '../log.js';

/** The one NOTIFY channel every FitSync instance on a database listens to. */
export const EVENTS_CHANNEL = 'fitsync_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more (default build). */
export const NOTIFY_PAYLOAD_LIMIT = 8000;
/** Events sent in one statement at most (a burst is sent in a few round trips, not hundreds). */
const MAX_BATCH = 100;

export type EventBusLog = Pick<Log, 'info' | 'warn'>;

export interface PgEventBusDeps {
  /** The app's database: NOTIFY goes through its pool, like any other statement. */
  db: Db;
  /** Connection URL for the dedicated LISTEN connection (the same database as `db`). */
  url: string;
  /** Sleeps of the reconnect backoff and its jitter; tests pass a FakeRuntime. */
  runtime?: Runtime;
  log?: EventBusLog;
  metrics?: Metrics;
  /** Reconnect backoff: first wait and cap (default 100 ms doubling up to 5 s, with jitter). */
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * One event on the wire: `i` the publishing instance, `k` kind, `key`, and either the payload
 * `p` or `r: 1` ("changed, re-read": the payload did not fit into a NOTIFY).
 */
interface Wire {
  i: string;
  k: EventKind;
  key: string;
  p?: unknown;
  r?: 1;
}

/**
 * What a subscriber relies on in another instance's event: the addressed job, a version, a known
 * status. The rest is the sender's own serialised SyncJob, passed on as it is (only FitSync
 * instances with access to the database can NOTIFY on its channel).
 */
const payloadChecks: { [K in EventKind]: (p: unknown, key: string) => p is ServerEvents[K] } = {
  'sync-job': (p, key): p is ServerEvents['sync-job'] => {
    const v = p as { version?: unknown; job?: { job_id?: unknown; status?: unknown } | null } | null;
    return (
      typeof v === 'object' &&
      v !== null &&
      Number.isSafeInteger(v.version) &&
      typeof v.job === 'object' &&
      v.job !== null &&
      v.job.job_id === key &&
      (SYNC_STATUSES as readonly unknown[]).includes(v.job.status)
    );
  },
  'session-revoked': (p): p is ServerEvents['session-revoked'] =>
    typeof p === 'object' && p !== null && typeof (p as { userId?: unknown }).userId === 'string',
  'user-changed': (p): p is ServerEvents['user-changed'] => {
    const what = (p as { what?: unknown } | null)?.what;
    return what === 'mfa' || what === 'garmin';
  },
};

/**
 * An EventBus that spans every server instance on one PostgreSQL database (LISTEN/NOTIFY).
 * Local listeners hear local publishes at once, without the round trip, and not again when the
 * NOTIFY comes back (messages carry this instance's id). One dedicated connection LISTENs; when
 * it drops, the bus reconnects with capped exponential backoff and then tells every subscriber to
 * re-read (`resync`), since NOTIFYs sent meanwhile are lost for good.
 * `start()` must be awaited before the bus is used, so the first subscriber cannot miss anything.
 */
export class PgEventBus extends LocalEventBus {
  /** This process's id on the channel. */
  readonly instanceId = randomBytes(8).toString('hex');
  private client: pg.Client | null = null;
  private closing = false;
  private readonly stop = new AbortController();
  private reconnecting: Promise<void> | null = null;
  /** NOTIFY payloads not sent yet, in publish order. */
  private outbox: string[] = [];
  private sending: Promise<void> | null = null;
  private readonly runtime: Runtime;
  private readonly reconnects: Counter | undefined;
  private readonly oversize: Counter | undefined;

  constructor(private readonly d: PgEventBusDeps) {
    super();
    this.runtime = d.runtime ?? systemRuntime;
    this.reconnects = d.metrics?.counter('fitsync_events_reconnects_total', 'Times the LISTEN connection of the event bus was re-established.');
    this.oversize = d.metrics?.counter(
      'fitsync_events_oversize_total',
      'Events too big for a NOTIFY, sent as a "changed, re-read" marker instead.',
    );
  }

  /** The application_name of the LISTEN connection (operators find it in pg_stat_activity). */
  get applicationName(): string {
    return `fitsync-events:${this.instanceId}`;
  }

  /** Whether the LISTEN connection is up now. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Opens the LISTEN connection; rejects when the database cannot be reached at all. */
  async start(): Promise<void> {
    this.client = await this.listen();
  }

  override publish<K extends EventKind>(kind: K, key: string, payload: ServerEvents[K]): void {
    super.publish(kind, key, payload);
    if (this.closing) return;
    let text = JSON.stringify({ i: this.instanceId, k: kind, key, p: payload } satisfies Wire);
    if (Buffer.byteLength(text, 'utf8') >= NOTIFY_PAYLOAD_LIMIT) {
      this.oversize?.inc({ kind });
      text = JSON.stringify({ i: this.instanceId, k: kind, key, r: 1 } satisfies Wire);
    }
    this.outbox.push(text);
    this.sending ??= this.send();
  }

  /** Sends what is still in flight, then closes the LISTEN connection. */
  override async close(): Promise<void> {
    this.closing = true;
    this.stop.abort();
    await this.sending;
    await this.reconnecting;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
    await super.close();
  }

  /**
   * Sends the outbox, one statement at a time, so other instances hear this one's events in
   * publish order (separate pool connections would race); what piled up meanwhile goes in the
   * next statement together. Never rejects.
   */
  private async send(): Promise<void> {
    try {
      while (this.outbox.length > 0) {
        const batch = this.outbox.splice(0, MAX_BATCH);
        // One transaction delivers its NOTIFYs in the order they were issued.
        const sql = `SELECT ${batch.map(() => 'pg_notify(?, ?)').join(', ')}`;
        try {
          await this.d.db.run(
            sql,
            batch.flatMap((text) => [EVENTS_CHANNEL, text]),
          );
        } catch (err) {
          this.d.log?.warn({ events: batch.length, errType: (err as Error)?.name }, 'events could not be sent to the other instances');
        }
      }
    } finally {
      this.sending = null;
    }
  }

  private async listen(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString: this.d.url,
      application_name: this.applicationName,
      connectionTimeoutMillis: 10_000,
      // A silently vanished peer (no FIN, no RST) is noticed by TCP keepalive.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // Both fire when the connection dies; either one starts the reconnect, once.
    c.on('error', () => this.lost(c));
    c.on('end', () => this.lost(c));
    c.on('notification', (m) => {
      if (m.channel === EVENTS_CHANNEL && m.payload !== undefined) this.receive(m.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    return c;
  }

  private lost(c: pg.Client): void {
    if (this.closing || this.client !== c) return;
    this.client = null;
    c.end().catch(() => {});
    this.d.log?.warn({}, 'event bus lost its LISTEN connection; reconnecting');
    this.reconnecting = this.reconnect().finally(() => {
      this.reconnecting = null;
    });
  }

  private async reconnect(): Promise<void> {
    const { baseMs, maxMs } = this.d.backoff ?? { baseMs: 100, maxMs: 5000 };
    for (let attempt = 0; !this.closing; attempt++) {
      // Full jitter over the upper half: instances that lost the database together do not return in step.
      const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
      try {
        await this.runtime.sleep(cap / 2 + (cap / 2) * this.runtime.random(), this.stop.signal);
      } catch {
        return; // closing
      }
      try {
        const c = await this.listen();
        if (this.closing) {
          await c.end().catch(() => {});
          return;
        }
        this.client = c;
        this.reconnects?.inc();
        this.d.log?.info({ attempts: attempt + 1 }, 'event bus listening again');
        // NOTIFYs sent while no connection listened are gone: every subscriber re-reads once.
        this.resync();
        return;
      } catch (err) {
        this.d.log?.warn({ attempt: attempt + 1, errType: (err as Error)?.name }, 'event bus could not reconnect yet');
      }
    }
  }

  /** A NOTIFY from the channel: another instance's event, checked before anyone hears it. */
  private receive(text: string): void {
    let w: Partial<Wire>;
    try {
      w = JSON.parse(text) as Partial<Wire>;
    } catch {
      return;
    }
    if (typeof w !== 'object' || w === null || w.i === this.instanceId) return; // our own echo, already delivered
    if (typeof w.key !== 'string' || typeof w.k !== 'string' || !Object.hasOwn(payloadChecks, w.k)) return;
    const k = topic(w.k, w.key);
    if (w.r === 1) this.resync(k);
    else if (payloadChecks[w.k](w.p, w.key)) this.deliver(k, w.p);
    else this.d.log?.warn({ kind: w.k }, 'event from another instance has an unexpected shape; ignored');
  }
}
