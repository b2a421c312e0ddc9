import type { ServerResponse } from 'node:http';
import { TERMINAL_SYNC_STATUSES } from '@fitsync/api/codes';
import type { EventBus, ServerEvents } from '../events/event-bus.js';
import { invalidToken } from '../http/api-error.js';
import { SECURITY_HEADER_OBJECT } from '../web/security-headers.js';

type Snapshot = ServerEvents['sync-job'];

export interface JobEventStreamDeps {
  events: EventBus;
  /** The job as stored now; throws the 404 when it is not the user's. */
  snapshot(userId: string, jobId: string): Promise<Snapshot>;
  /** Whether the session is still signed in. */
  sessionLive(sessionId: string, userId: string): Promise<boolean>;
  /** Keep-alive comment interval. */
  heartbeatMs: number;
  log: { warn(obj: Record<string, unknown>, msg: string): void };
}

/**
 * One `GET /v1/sync/jobs/:id/events` stream, pushed: it subscribes to the job and to its session,
 * then reads both once; after that it only writes what the bus brings — each snapshot newer than
 * the last one sent (`id:` = row version; stale or out-of-order ones are dropped) — and ends after
 * a terminal one, or at once when the session is revoked. It reads again only when the bus says
 * events may have been missed (`resync`), so an idle stream costs no database query.
 */
export class JobEventStream {
  private lastVersion = -1;
  private streaming = false;
  private closed = false;
  /** The newest snapshot heard before the response started. */
  private early: Snapshot | null = null;
  /** The newest snapshot the socket could not take yet; written on 'drain'. */
  private held: Snapshot | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[];
  private readonly ended: (() => void)[] = [];

  private constructor(
    private readonly d: JobEventStreamDeps,
    private readonly who: { userId: string; sessionId: string; jobId: string },
    private readonly res: ServerResponse,
  ) {
    // Subscribe first, then read once: a change between the two is heard, not lost.
    this.unsubscribe = [
      d.events.subscribe('sync-job', who.jobId, (s) => this.send(s), {
        // One re-read covers both subscriptions: it checks the session too.
        resync: () => void this.reread().catch((err) => this.fail(err)),
      }),
      // The stream speaks for its session: logout, refresh-token reuse or enabling MFA elsewhere ends it.
      d.events.subscribe('session-revoked', who.sessionId, () => this.end()),
    ];
  }

  /**
   * Subscribes and reads the job and session; rejects with the 404 (no such job) or 401 (session
   * revoked meanwhile) before anything is written. Then `start` takes over the response.
   */
  static async open(
    d: JobEventStreamDeps,
    who: { userId: string; sessionId: string; jobId: string },
    res: ServerResponse,
  ): Promise<JobEventStream> {
    const s = new JobEventStream(d, who, res);
    try {
      await s.reread();
    } catch (err) {
      s.end();
      throw err;
    }
    if (s.closed) throw invalidToken();
    return s;
  }

  /** Writes the headers and the first snapshot; the response is the stream's from now on. */
  start(): void {
    const { res } = this;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      // Written past fastify's reply (hijacked), so the headers every answer carries are added here.
      ...SECURITY_HEADER_OBJECT,
    });
    res.write(': sync job events\n\n');
    this.streaming = true;
    const first = this.early;
    this.early = null;
    if (first) this.send(first);
    if (this.closed) return;
    res.on('drain', () => {
      const h = this.held;
      this.held = null;
      if (h) this.send(h);
    });
    this.keepAlive = setInterval(() => {
      if (!this.closed) res.write(': keep-alive\n\n');
    }, this.d.heartbeatMs);
    // The client went away (the response's connection closed): stop listening for it.
    res.on('close', () => this.end());
  }

  /** Calls `fn` once when a started stream ends. */
  onEnd(fn: () => void): void {
    this.ended.push(fn);
  }

  /** Ends the stream (idempotent): unsubscribes, and ends the response if it started. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    clearInterval(this.keepAlive);
    if (!this.streaming) return;
    for (const fn of this.ended) fn();
    this.res.end();
  }

  private send(s: Snapshot): void {
    if (this.closed || s.version <= this.lastVersion) return; // stale or out of order: a newer one was sent
    if (!this.streaming) {
      if (!this.early || s.version > this.early.version) this.early = s;
      return;
    }
    if (this.res.writableNeedDrain) {
      // A slow reader gets the newest state once it catches up, not every state in between.
      if (!this.held || s.version > this.held.version) this.held = s;
      return;
    }
    this.lastVersion = s.version;
    this.res.write(`id: ${s.version}\ndata: ${JSON.stringify(s.job)}\n\n`);
    if (TERMINAL_SYNC_STATUSES.includes(s.job.status)) this.end();
  }

  /** Reads session and job once; a call during a read makes that read run once more after it. */
  private reread(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    const { userId, sessionId, jobId } = this.who;
    this.reading = (async () => {
      do {
        this.again = false;
        if (!(await this.d.sessionLive(sessionId, userId))) return this.end();
        this.send(await this.d.snapshot(userId, jobId));
      } while (this.again && !this.closed);
    })().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private fail(err: unknown): void {
    this.d.log.warn({ errType: (err as Error)?.name }, 'sync event stream failed');
    this.end();
  }
}
